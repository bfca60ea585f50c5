import type { Command } from "commander";
import type { CliContext } from "../context.js";

/**
 * A command module declares its options with commander and imports its work lazily inside the
 * action (`await import(...)`), so `soc2 --help` loads no SDK or driver.
 */
export type DefineCommand = (program: Command, context: CliContext) => void;

/** Every command, in the order `soc2 --help` lists them. */
export const commands: DefineCommand[] = [];
