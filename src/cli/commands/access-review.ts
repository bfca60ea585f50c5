import { InvalidArgumentError } from "commander";
import type { DefineCommand } from "./index.js";

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError("must be a whole number of days, 1 or more");
  return parsed;
}

export const define: DefineCommand = (program, context) => {
  const review = program
    .command("access-review")
    .description("Write the access review worksheet of privileged Clerk users (CSV for the reviewer, JSON for the bundle).")
    .option("-c, --config <file>", "configuration file (default: soc2.config.yaml)")
    .option("-o, --out <dir>", "folder the worksheet files are written to", "access-review")
    .option("--snapshot <file>", "build the worksheet from a recorded snapshot's clerk.users output instead of reading Clerk (emails stay masked)")
    .option("--max-idle-days <days>", "days without a sign-in that flag an account as dormant (default: the clerk-privileged-dormant control's max_idle_days, 90)", positiveInteger)
    .action(async (options: { config?: string; out: string; maxIdleDays?: number; snapshot?: string }) => {
      const { runWorksheetCommand } = await import("../../access-review/command.js");
      context.exitCode = await runWorksheetCommand(options, context);
    });

  review
    .command("record")
    .description("Record a signed-off access review as an attestation under evidence/attestations/access-review/.")
    .requiredOption("--by <name>", "who reviewed and signed off")
    .requiredOption("--date <YYYY-MM-DD>", "day the review was signed off")
    .requiredOption("--worksheet <file>", "the worksheet CSV the reviewer signed (its JSON twin is attached)")
    .option("--note <text>", "short note, e.g. what was removed")
    .option("-c, --config <file>", "configuration file (default: soc2.config.yaml)")
    .action(async (options: { by: string; date: string; worksheet: string; note?: string; config?: string }) => {
      const { runRecordCommand } = await import("../../access-review/command.js");
      context.exitCode = await runRecordCommand(options, context);
    });
};
