import path from "node:path";
import { calendarDate } from "../attestations/schema.js";
import type { CliContext } from "../cli/context.js";
import type { ClerkConfig } from "../collectors/clerk/index.js";
import { builtinRegistry } from "../collectors/registry.js";
import { loadConfig, resolveSources } from "../config/load.js";
import { CollectorError, Soc2Error } from "../errors.js";
import { recordAccessReview } from "./record.js";
import { writeAccessReview } from "./run.js";
import { DEFAULT_MAX_IDLE_DAYS } from "./worksheet.js";

/** The control whose `max_idle_days` the worksheet's "dormant" flag follows. */
const DORMANT_CONTROL = "clerk-privileged-dormant";

export interface WorksheetOptions {
  config?: string;
  out: string;
  maxIdleDays?: number;
  /** Recorded snapshot to build the worksheet from instead of reading Clerk. */
  snapshot?: string;
}

export interface RecordOptions {
  config?: string;
  by: string;
  date: string;
  worksheet: string;
  note?: string;
}

/** `soc2 access-review`: returns the exit code (0 written, 3 Clerk could not be read). */
export async function runWorksheetCommand(options: WorksheetOptions, context: CliContext): Promise<number> {
  const { io } = context;
  const loaded = await loadConfig(options.config, io.cwd);
  const configured = loaded.config.params[DORMANT_CONTROL]?.max_idle_days;
  const maxIdleDays = options.maxIdleDays ?? (typeof configured === "number" ? configured : DEFAULT_MAX_IDLE_DAYS);
  if (options.snapshot) return worksheetFromSnapshot(options.snapshot, maxIdleDays, path.resolve(io.cwd, options.out), context);

  const sources = await resolveSources(loaded, builtinRegistry());
  const clerk = sources.get("clerk") as ClerkConfig | undefined;
  if (clerk === undefined) {
    throw new Soc2Error("SOC2_CONFIG_INVALID", "sources.clerk is not configured, so there is no user base to review", {
      hint: "Add a `sources: { clerk: {} }` section to soc2.config.yaml and set CLERK_SECRET_KEY.",
    });
  }

  const now = io.now?.() ?? new Date();

  try {
    const output = await writeAccessReview({ config: clerk, env: io.env, now, outDir: path.resolve(io.cwd, options.out), maxIdleDays });
    const flagged = output.rows.filter((row) => row.flags.length > 0).length;
    io.stdout(`${output.rows.length} privileged users, ${flagged} flagged (dormant after ${maxIdleDays} days)\n`);
    io.stdout(`reviewer worksheet (full emails, keep it out of git): ${path.relative(io.cwd, output.csvFile)}\n`);
    io.stdout(`worksheet for the evidence bundle (masked emails): ${path.relative(io.cwd, output.jsonFile)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof CollectorError)) throw error;
    io.stderr(`error: Clerk could not be read (${error.code}): ${error.message}\nNo worksheet was written.\n`);
    return 3;
  }
}

async function worksheetFromSnapshot(file: string, maxIdleDays: number, outDir: string, context: CliContext): Promise<number> {
  const { io } = context;
  const { readSnapshotFile } = await import("../engine/snapshot-file.js");
  const snapshot = await readSnapshotFile(path.resolve(io.cwd, file), file);
  const record = snapshot.collectors["clerk.users"];
  if (record === undefined) throw new Soc2Error("SOC2_SNAPSHOT_INVALID", `${file} holds no clerk.users record`);
  if (record.status !== "ok") {
    io.stderr(`error: the recorded clerk.users read was ${record.status}; no worksheet was written.\n`);
    return 3;
  }
  const { writeAccessReviewFromResources } = await import("./run.js");
  const now = io.now?.() ?? new Date(snapshot.takenAt);
  const output = await writeAccessReviewFromResources(record.resources, { now, outDir, maxIdleDays });
  const flagged = output.rows.filter((row) => row.flags.length > 0).length;
  io.stdout(`${output.rows.length} privileged users, ${flagged} flagged (dormant after ${maxIdleDays} days), from the snapshot taken ${snapshot.takenAt}\n`);
  io.stdout(`worksheet (masked emails, as recorded): ${path.relative(io.cwd, output.csvFile)} and ${path.relative(io.cwd, output.jsonFile)}\n`);
  return 0;
}

/** `soc2 access-review record`: writes the attestation of a signed-off review. */
export async function runRecordCommand(options: RecordOptions, context: CliContext): Promise<number> {
  const { io } = context;
  const now = io.now?.() ?? new Date();
  if (!calendarDate.safeParse(options.date).success) {
    throw new Soc2Error("SOC2_USAGE", `--date ${options.date} is not a calendar date YYYY-MM-DD`);
  }
  if (options.date > now.toISOString().slice(0, 10)) {
    throw new Soc2Error("SOC2_USAGE", `--date ${options.date} is in the future`, { hint: "Give the day the reviewer signed the worksheet." });
  }
  if (options.by.trim() === "") throw new Soc2Error("SOC2_USAGE", "--by must name the reviewer");

  const loaded = await loadConfig(options.config, io.cwd);
  const result = await recordAccessReview({
    rootDir: loaded.baseDir,
    attestationsDir: path.resolve(loaded.baseDir, loaded.config.evidence.attestations),
    by: options.by.trim(),
    date: options.date,
    worksheet: path.resolve(io.cwd, options.worksheet),
    ...(options.note === undefined ? {} : { note: options.note }),
    now,
  });
  io.stdout(`recorded access review by ${options.by.trim()} on ${options.date}: ${path.relative(io.cwd, result.file)}\n`);
  return 0;
}
