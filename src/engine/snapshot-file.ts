import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { Snapshot } from "../collectors/snapshot.js";
import { Soc2Error } from "../errors.js";
import { formatPath } from "../yaml-file.js";

/** Snapshots of large estates run to tens of megabytes; past this size the input is rejected. */
const MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024;

const errorInfo = z.object({ code: z.string(), message: z.string() }).strict();
const coverage = z.array(z.object({
  source: z.string(),
  scope: z.string(),
  api: z.string(),
  status: z.enum(["read", "error"]),
  detail: z.string().optional(),
  identity: z.string().optional(),
}).strict());
const resource = z.object({ id: z.string(), classes: z.array(z.string()) }).passthrough();

const record = z.discriminatedUnion("status", [
  z.object({ collector: z.string(), args: z.unknown().optional(), status: z.literal("ok"), resources: z.array(resource), coverage: coverage.optional(), warnings: z.array(z.string()).optional() }).strict(),
  z.object({ collector: z.string(), args: z.unknown().optional(), status: z.literal("error"), error: errorInfo, coverage: coverage.optional() }).strict(),
  z.object({ collector: z.string(), args: z.unknown().optional(), status: z.literal("skipped"), reason: z.string() }).strict(),
]);

export const snapshotSchema = z.object({
  version: z.literal(1),
  takenAt: z.string().datetime({ offset: true }),
  collectors: z.record(z.string(), record),
}).strict();

/** Parses and validates snapshot JSON text; problems name the file and the JSON path. */
export function parseSnapshot(text: string, display: string): Snapshot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Soc2Error("SOC2_SNAPSHOT_INVALID", `${display} is not valid JSON: ${(error as Error).message}`);
  }
  const result = snapshotSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 20).map((issue) => ({ file: display, field: formatPath(issue.path) || undefined, message: issue.message }));
    throw new Soc2Error("SOC2_SNAPSHOT_INVALID", `${display} is not a soc2 snapshot`, { problems });
  }
  return result.data as Snapshot;
}

export async function readSnapshotFile(file: string, display = file): Promise<Snapshot> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new Soc2Error("SOC2_SNAPSHOT_INVALID", `snapshot ${display} not found`);
  }
  if (info.size > MAX_SNAPSHOT_BYTES) throw new Soc2Error("SOC2_SNAPSHOT_INVALID", `snapshot ${display} is ${info.size} bytes, over the ${MAX_SNAPSHOT_BYTES}-byte limit`);
  return parseSnapshot(await readFile(file, "utf8"), display);
}

/**
 * Reads a snapshot from a file, or merges every `*.json` snapshot in a folder (later files win
 * for the same collector key). The earliest `takenAt` is kept.
 */
export async function readSnapshotPath(target: string, display = target): Promise<Snapshot> {
  const info = await stat(target).catch(() => undefined);
  if (!info) throw new Soc2Error("SOC2_SNAPSHOT_INVALID", `snapshot ${display} not found`);
  if (!info.isDirectory()) return readSnapshotFile(target, display);

  const names = (await readdir(target)).filter((name) => name.endsWith(".json")).sort();
  if (names.length === 0) throw new Soc2Error("SOC2_SNAPSHOT_INVALID", `no *.json snapshot in ${display}`);
  const snapshots = await Promise.all(names.map((name) => readSnapshotFile(path.join(target, name), path.join(display, name))));
  const takenAt = snapshots.map((snapshot) => snapshot.takenAt).sort()[0]!;
  return { version: 1, takenAt, collectors: Object.assign({}, ...snapshots.map((snapshot) => snapshot.collectors)) };
}
