import { InvalidArgumentError } from "commander";
import type { DefineCommand } from "./index.js";

function parsePercent(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 100) throw new InvalidArgumentError("expected a percentage from 0 to 100");
  return number;
}

export const define: DefineCommand = (program, context) => {
  program
    .command("coverage")
    .description("List all 61 criteria with the controls behind each, marking criteria in scope without any control.")
    .option("--json", "print as JSON")
    .option("--min <percent>", "exit 1 when less than this share of in-scope criteria has a control", parsePercent)
    .option("-c, --config <file>", "configuration file (its `scope` decides which categories count)")
    .option("--controls <dir>", "folder of control files (default: `controls` from the configuration)")
    .action(async (options: { json?: boolean; min?: number; config?: string; controls?: string }) => {
      const { runCoverage } = await import("../../coverage/command.js");
      const { coverage, text } = await runCoverage({ configFile: options.config, controlsDir: options.controls, cwd: context.io.cwd });
      context.io.stdout(options.json ? `${JSON.stringify(coverage, null, 2)}\n` : text);
      context.exitCode = options.min !== undefined && coverage.percent < options.min ? 1 : 0;
    });
};
