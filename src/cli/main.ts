import { Command, CommanderError } from "commander";
import { formatProblem, Soc2Error } from "../errors.js";
import { commands } from "./commands/index.js";
import { processIO, type CliContext, type CliIO } from "./context.js";

export const VERSION = "0.1.0";

/** Builds the program; every command's work is imported lazily inside its action. */
export function buildProgram(context: CliContext): Command {
  const program = new Command("soc2")
    .description("Compliance as code for SOC 2: test controls against live systems and keep signed evidence.")
    .version(VERSION)
    .showHelpAfterError("(run soc2 --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.io.stdout(text),
      writeErr: (text) => context.io.stderr(text),
    });
  for (const define of commands) define(program, context);
  return program;
}

/**
 * Runs the CLI in-process and returns its exit code: 0 nothing blocks, 1 findings, 3 evidence
 * incomplete, 2 usage, configuration or input error.
 */
export async function run(argv: string[], io: CliIO = processIO()): Promise<number> {
  const context: CliContext = { io, exitCode: 0 };
  const program = buildProgram(context);
  try {
    await program.parseAsync(argv, { from: "user" });
    return context.exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIO): number {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return 0;
    return 2;
  }
  if (error instanceof Soc2Error) {
    io.stderr(`error: ${error.message} [${error.code}]\n`);
    for (const problem of error.problems) io.stderr(`  ${formatProblem(problem)}\n`);
    if (error.hint) io.stderr(`${error.hint}\n`);
    return 2;
  }
  io.stderr(`internal error: ${(error as Error)?.stack ?? String(error)}\nThis is a bug in soc2; please report it with the command you ran.\n`);
  return 2;
}

export async function main(): Promise<number> {
  return run(process.argv.slice(2));
}
