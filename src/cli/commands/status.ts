import { InvalidArgumentError } from "commander";
import { parseInstant } from "../options.js";
import type { DefineCommand } from "./index.js";

function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 0) throw new InvalidArgumentError("expected a whole number of days");
  return days;
}

interface StatusCliOptions {
  within: number;
  json?: boolean;
  results?: string;
  now?: Date;
  config?: string;
  controls?: string;
}

export const define: DefineCommand = (program, context) => {
  program
    .command("status")
    .description("List what is due (attestations, policy reviews, expiring exceptions) and progress per roadmap phase tag.")
    .option("--within <days>", "also list items due within this many days", parseDays, 30)
    .option("--results <file>", "JSON output of `soc2 check --format json`, for the status of automated controls")
    .option("--json", "print as JSON")
    .option("--now <date>", "evaluate as of this date or time (UTC), e.g. 2026-12-04", parseInstant)
    .option("-c, --config <file>", "configuration file")
    .option("--controls <dir>", "folder of control files (default: `controls` from the configuration)")
    .action(async (options: StatusCliOptions) => {
      const { runStatus } = await import("../../status/command.js");
      const { report, text } = await runStatus({
        configFile: options.config,
        controlsDir: options.controls,
        cwd: context.io.cwd,
        now: options.now ?? context.io.now?.() ?? new Date(),
        withinDays: options.within,
        resultsFile: options.results,
      });
      context.io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : text);
      context.exitCode = 0;
    });
};
