import type { CoverageEntry, Resource } from "./types.js";

/** What one collector returned in a run, keyed in the snapshot by `collectorKey`. */
export type CollectorRecord =
  | { collector: string; args?: unknown; status: "ok"; resources: Resource[]; coverage?: CoverageEntry[]; warnings?: string[] }
  | { collector: string; args?: unknown; status: "error"; error: { code: string; message: string }; coverage?: CoverageEntry[] }
  | { collector: string; args?: unknown; status: "skipped"; reason: string };

/**
 * Everything the collectors saw in one run. The engine evaluates controls over it as a pure
 * function, so a snapshot recorded earlier (or inside a bundle) replays to the same results.
 */
export interface Snapshot {
  version: 1;
  /** ISO-8601 time collection started; replay uses it as `now` unless told otherwise. */
  takenAt: string;
  collectors: Record<string, CollectorRecord>;
}

/** Snapshot key of a collector call: the id alone, or the id and its arguments in canonical JSON. */
export function collectorKey(collector: string, args: unknown): string {
  return args === undefined ? collector : `${collector}${canonicalJson(args)}`;
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** A copy of a JSON value with object keys sorted at every level. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}
