import { InvalidArgumentError, Option } from "commander";
import type { DefineCommand } from "./index.js";

function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isFinite(days) || days <= 0) throw new InvalidArgumentError("expected a positive number of days");
  return days;
}

export const define: DefineCommand = (program, context) => {
  const evidence = program.command("evidence").description("Inspect the evidence store and pack finished runs into signed bundles.");

  evidence
    .command("log")
    .description("List the bundle chain oldest first and flag missing, altered, invalid, forked, reordered or unlinked bundles, a chain head that is not signed, and gaps in time (exit 0 intact, 1 gaps only, 2 broken).")
    .option("-c, --config <file>", "configuration file naming the evidence store")
    .option("--store <location>", "evidence store: a folder or s3://bucket/prefix (default: evidence.store from the configuration)")
    .option("--key <file>", "public key (PEM) to check every bundle's signature; without it only digests are checked")
    .option("--max-gap-days <days>", "flag more than this many days between consecutive runs, or from the newest run to now", parseDays, 7)
    .option("--now <time>", "time the gap since the newest run is measured to (ISO-8601; default: the current time)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action(async (options: { config?: string; store?: string; key?: string; maxGapDays: number; now?: string; format: "text" | "json" }) => {
      const { logAction } = await import("../../evidence/commands.js");
      context.exitCode = await logAction(options, context.io);
    });

  evidence
    .command("pack")
    .description("Pack a finished run (results JSON and its snapshot) into a signed bundle in the evidence store.")
    .requiredOption("--from <file>", "results JSON written by soc2 check --format json")
    .requiredOption("--snapshot <file>", "snapshot JSON the run evaluated")
    .option("-c, --config <file>", "configuration file (evidence store, signing key, controls and policies folders)")
    .option("--report <file>", "human-readable report to include (default: the Markdown report rendered from the results)")
    .option("--run-id <id>", "run id used in the bundle name (letters, digits, '.', '_', '-')")
    .option("--signing-key <file>", "private key (PEM); else evidence.signing_key_file or the env var named by evidence.signing_key_env")
    .option("--store <location>", "evidence store: a folder or s3://bucket/prefix (default: evidence.store from the configuration)")
    .option("--new-chain", "start a new chain when the store has no readable chain head")
    .action(async (options: import("../../evidence/commands.js").PackOptions) => {
      const { packAction } = await import("../../evidence/commands.js");
      context.exitCode = await packAction(options, context.io);
    });
};
