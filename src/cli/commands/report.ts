import type { KeyObject } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { Option } from "commander";
import type { RunResult } from "../../engine/types.js";
import { Soc2Error } from "../../errors.js";
import type { EvidenceStore } from "../../evidence/store.js";
import type { CliIO } from "../context.js";
import type { DefineCommand } from "./index.js";

export const define: DefineCommand = (program, context) => {
  program
    .command("report")
    .description("Summarize the runs in the evidence store over an audit period, per control: runs, passes, longest failing streak, days without a run, exceptions and attestations.")
    .requiredOption("--from <date>", "first day of the period (YYYY-MM-DD, UTC)")
    .requiredOption("--to <date>", "last day of the period, included (YYYY-MM-DD, UTC)")
    .requiredOption("--key <file>", "public key (PEM) that every bundle's signature must verify with")
    .option("-c, --config <file>", "configuration file naming the evidence store")
    .option("--store <location>", "evidence store: a folder or s3://bucket/prefix (default: evidence.store from the configuration)")
    .addOption(new Option("-f, --format <format>", "output format").choices(["markdown", "json"]).default("markdown"))
    .option("-o, --output <file>", "write the report to this file instead of stdout")
    .action(async (options: ReportFlags) => {
      context.exitCode = await runReportCommand(options, context.io);
    });
};

export interface ReportFlags {
  from: string;
  to: string;
  key: string;
  config?: string;
  store?: string;
  format: "markdown" | "json";
  output?: string;
}

/**
 * `soc2 report`: verifies every bundle in the evidence store with the signer's public key and
 * summarizes the runs that started within the period. One bundle that fails verification stops
 * the report (exit 2), because a period report must rest only on evidence that verifies.
 */
export async function runReportCommand(flags: ReportFlags, io: CliIO): Promise<number> {
  const { periodReport, renderPeriodReport } = await import("../../reports/period.js");
  // Rejects malformed or reversed dates before any bundle is read.
  periodReport([], flags.from, flags.to);

  const { loadPublicKey } = await import("../../evidence/keys.js");
  const publicKey = await loadPublicKey(path.resolve(io.cwd, flags.key), { warn: (message) => io.stderr(`warning: ${message}\n`) });
  const store = await openReportStore(flags, io);
  const runs = await readVerifiedRuns(store, publicKey);

  const report = periodReport(runs, flags.from, flags.to);
  if (runs.length === 0) io.stderr(`warning: evidence store ${store.describe()} has no bundles. Check --store, or evidence.store in the configuration.\n`);
  io.stderr(`verified ${runs.length} bundle${runs.length === 1 ? "" : "s"} in ${store.describe()}, of which ${report.runs} started between ${flags.from} and ${flags.to}\n`);
  const text = flags.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderPeriodReport(report);

  if (flags.output) await writeReportFile(path.resolve(io.cwd, flags.output), text);
  else io.stdout(text);
  return 0;
}

async function openReportStore(flags: ReportFlags, io: CliIO): Promise<EvidenceStore> {
  const { openStore } = await import("../../evidence/store.js");
  if (flags.store !== undefined) {
    const { parseStoreOption } = await import("../../evidence/commands.js");
    return openStore(parseStoreOption(flags.store), io.cwd, io.env);
  }
  const { loadConfig } = await import("../../config/load.js");
  const loaded = await loadConfig(flags.config, io.cwd);
  return openStore(loaded.config.evidence.store, loaded.baseDir, io.env);
}

/**
 * Reads the run from every bundle in the store. Each bundle must verify with `publicKey`, and the
 * first one that does not throws `SOC2_BUNDLE_INVALID` naming it.
 */
async function readVerifiedRuns(store: EvidenceStore, publicKey: KeyObject): Promise<RunResult[]> {
  const { bundleInvalid, verifyBundleBytes } = await import("../../evidence/verify.js");
  const { BundleRejected } = await import("../../evidence/archive.js");

  const runs: RunResult[] = [];
  for (const name of await store.listBundles()) {
    const location = `${store.describe()}/${name}`;
    const bytes = await store.getBundle(name);
    if (bytes === null) throw new Soc2Error("SOC2_STORE_FAILED", `bundle ${location} was listed but is no longer in the store`);
    try {
      const { run } = await verifyBundleBytes(bytes, { publicKey, fileName: name });
      if (typeof run?.startedAt !== "string" || Number.isNaN(Date.parse(run.startedAt)) || !Array.isArray(run.controls)) {
        throw new BundleRejected("its results.json is not soc2 results (no start time or controls)");
      }
      runs.push(run);
    } catch (error) {
      throw bundleInvalid(location, error);
    }
  }
  return runs;
}

/** Writes through a temporary file and a rename, so an interrupted run leaves no half-written report. */
async function writeReportFile(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}
