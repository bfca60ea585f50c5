import type { KeyObject } from "node:crypto";
import type { EvidenceStore } from "../evidence/store.js";
import type { ReportContext } from "./types.js";

export type HistoryPoint = NonNullable<ReportContext["history"]>[number];

export interface HistoryOptions {
  /** Maximum number of bundles to read, newest first by name (names sort in run order). Default: all. */
  limit?: number;
  /** Receives one line for each bundle that is skipped. */
  warn?(message: string): void;
}

/**
 * Reads the score and status counts of earlier runs from the bundles in an evidence store,
 * oldest first, for the dashboard's trend. Each bundle's member digests are checked, and its
 * signature too when `publicKey` is given. A bundle that cannot be read or fails verification is
 * skipped with a warning, because a trend is a view for people, not evidence. A store that cannot
 * be listed throws `SOC2_STORE_FAILED`; a local store folder that does not exist yields no points.
 */
export async function loadHistory(store: EvidenceStore, publicKey: KeyObject | null = null, options: HistoryOptions = {}): Promise<HistoryPoint[]> {
  const { verifyBundleBytes } = await import("../evidence/verify.js");
  const names = await store.listBundles();
  const selected = options.limit === undefined ? names : names.slice(-options.limit);

  const points: HistoryPoint[] = [];
  for (const name of selected) {
    try {
      const bytes = await store.getBundle(name);
      if (bytes === null) throw new Error("it is no longer in the store");
      const { run } = await verifyBundleBytes(bytes, { publicKey, fileName: name });
      if (typeof run?.finishedAt !== "string" || typeof run.summary?.counts !== "object" || run.summary.counts === null) {
        throw new Error("its results.json has no run summary");
      }
      points.push({ at: run.finishedAt, score: run.summary.score ?? null, counts: run.summary.counts });
    } catch (error) {
      options.warn?.(`skipped bundle ${name} of ${store.describe()} in the trend: ${(error as Error).message}`);
    }
  }
  return points.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
