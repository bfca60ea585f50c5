import type { Command } from "commander";
import type { CliContext } from "../context.js";

/**
 * Each command module declares its options with commander and imports its work lazily inside
 * the action, so `soc2 --help` loads no SDK or driver.
 */
export type DefineCommand = (program: Command, context: CliContext) => void;

export const commands: Array<() => Promise<{ define: DefineCommand }>> = [];
