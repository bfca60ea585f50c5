import type { KeyObject } from "node:crypto";
import { BundleRejected } from "./archive.js";
import { keyIdOf } from "./dsse.js";
import { sha256Digest, type ChainLink } from "./format.js";
import { headSignatureProblem } from "./head.js";
import { CorruptHeadError, type EvidenceStore, type StoredHead } from "./store.js";
import { verifyBundleBytes } from "./verify.js";

/** One bundle found in the store, as far as it could be read. */
export interface ChainEntry {
  name: string;
  digest: string;
  /** Null for the first bundle of a chain, and for a bundle that could not be read. */
  previous: ChainLink | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** Whether the bundle's writer signs HEAD.json. */
  signsHead: boolean;
  /** Reason the bundle failed verification, or null when it verified. */
  invalid: string | null;
}

export type ChainProblemKind = "head" | "missing" | "altered" | "invalid" | "forked" | "reordered" | "unlinked" | "gap";

export interface ChainProblem {
  kind: ChainProblemKind;
  bundle: string | null;
  message: string;
}

export interface ChainReport {
  store: string;
  head: ChainLink | null;
  /** Bundles reachable from the head, oldest first. */
  chain: ChainEntry[];
  /** Bundles in the store that the head does not reach. */
  unlinked: ChainEntry[];
  problems: ChainProblem[];
  /** Whether signatures were checked (a public key was given). */
  signaturesChecked: boolean;
  /** The newest bundle on the chain and the days from its start to `now`; null for an empty chain. */
  newest: { name: string; startedAt: string; daysAgo: number } | null;
  /** Findings that break nothing yet, such as an unsigned head from before heads were signed. */
  warnings: string[];
}

/** Tells integrity problems from gaps, because a gap in time is an audit finding, not a broken chain. */
export function isIntegrityProblem(problem: ChainProblem): boolean {
  return problem.kind !== "gap";
}

/**
 * Reads every bundle in the store and walks the chain back from the head. The problems flagged:
 * - missing: the chain names a bundle the store lacks
 * - altered: a bundle's digest differs from the one recorded for it
 * - invalid: a bundle fails verification
 * - forked: two bundles claim the same previous bundle
 * - reordered: a bundle started no later than its predecessor, and its run ended before the
 *   predecessor's began (runs that overlap in time land in whichever order they finish)
 * - unlinked: the head does not reach a bundle
 * - gap: more than `maxGapDays` between consecutive runs, or from the newest run to `now`
 * - head: no head, a corrupt one, or one whose signature fails with `publicKey`. An unsigned head
 *   fails too when a bundle in the store was written by a soc2 version that signs heads.
 *
 * NOTE: a hash chain cannot show that its newest bundles were removed. Whoever holds the signing key
 * and can write the store can delete them and sign a head naming an older bundle. The gap to `now`
 * is what shows such a cut.
 */
export async function inspectChain(
  store: EvidenceStore,
  options: { publicKey: KeyObject | null; maxGapDays: number; now?: Date },
): Promise<ChainReport> {
  const problems: ChainProblem[] = [];
  let head: StoredHead | null = null;
  try {
    head = await store.readHead();
    if (head === null) problems.push({ kind: "head", bundle: null, message: "the store has no chain head (HEAD.json)" });
  } catch (error) {
    if (!(error instanceof CorruptHeadError)) throw error;
    problems.push({ kind: "head", bundle: null, message: error.message });
  }

  const entries = new Map<string, ChainEntry>();
  for (const name of await store.listBundles()) entries.set(name, await readEntry(store, name, options.publicKey));

  const chain = walkBack(head, entries, problems);
  const onChain = new Set(chain.map((entry) => entry.name));
  const unlinked = [...entries.values()].filter((entry) => !onChain.has(entry.name));

  for (const entry of entries.values()) {
    if (entry.invalid !== null) problems.push({ kind: "invalid", bundle: entry.name, message: `${entry.name} is invalid: ${entry.invalid}` });
  }
  findForks(entries, problems);
  for (const entry of unlinked) {
    const start = entry.previous === null ? "it starts a separate chain" : `it follows ${entry.previous.name}`;
    problems.push({ kind: "unlinked", bundle: entry.name, message: `${entry.name} is not on the chain from the head (${start})` });
  }
  findTimeProblems(chain, options.maxGapDays, problems);
  const warnings: string[] = [];
  if (head !== null) checkHeadSignature(head, [...entries.values()], options.publicKey, problems, warnings);
  const newest = newestRun(chain, options.now ?? new Date(), options.maxGapDays, problems);

  return {
    store: store.describe(),
    head: head && { name: head.name, digest: head.digest },
    chain,
    unlinked,
    problems,
    signaturesChecked: options.publicKey !== null,
    newest,
    warnings,
  };
}

function checkHeadSignature(head: StoredHead, entries: ChainEntry[], publicKey: KeyObject | null, problems: ChainProblem[], warnings: string[]): void {
  if (head.envelope === null) {
    const signer = entries.find((entry) => entry.signsHead);
    if (signer !== undefined) {
      problems.push({ kind: "head", bundle: head.name, message: `HEAD.json is unsigned, but ${signer.name} was written by a soc2 version that signs the head, so the head was rewritten` });
    } else {
      warnings.push("HEAD.json is unsigned (written before soc2 signed the chain head), so a rewritten head cannot be detected; the next bundle written signs it");
    }
    return;
  }
  if (publicKey === null) return;
  const problem = headSignatureProblem(head, publicKey);
  if (problem !== null) problems.push({ kind: "head", bundle: head.name, message: `HEAD.json is not signed by key ${keyIdOf(publicKey)}: ${problem}` });
}

/** Flags a newest run older than `maxGapDays`: runs stopped, or the newest bundles were removed. */
function newestRun(chain: ChainEntry[], now: Date, maxGapDays: number, problems: ChainProblem[]): ChainReport["newest"] {
  const last = chain[chain.length - 1];
  if (last === undefined || last.startedAt === null) return null;
  const daysAgo = (now.getTime() - Date.parse(last.startedAt)) / 86_400_000;
  if (daysAgo > maxGapDays) {
    problems.push({
      kind: "gap",
      bundle: last.name,
      message: `${daysAgo.toFixed(1)} days since the newest bundle ${last.name} (more than ${maxGapDays}): runs stopped, or the newest bundles were removed`,
    });
  }
  return { name: last.name, startedAt: last.startedAt, daysAgo };
}

async function readEntry(store: EvidenceStore, name: string, publicKey: KeyObject | null): Promise<ChainEntry> {
  const bytes = await store.getBundle(name);
  if (bytes === null) return { name, digest: "", previous: null, startedAt: null, finishedAt: null, signsHead: false, invalid: "it disappeared while the store was read" };
  const digest = sha256Digest(bytes);
  try {
    const bundle = await verifyBundleBytes(bytes, { publicKey, fileName: name });
    return { name, digest, previous: bundle.previous, startedAt: bundle.metadata.startedAt, finishedAt: bundle.metadata.finishedAt, signsHead: bundle.signsHead, invalid: null };
  } catch (error) {
    if (!(error instanceof BundleRejected)) throw error;
    return { name, digest, previous: null, startedAt: null, finishedAt: null, signsHead: false, invalid: error.reason };
  }
}

function walkBack(head: ChainLink | null, entries: Map<string, ChainEntry>, problems: ChainProblem[]): ChainEntry[] {
  const chain: ChainEntry[] = [];
  const seen = new Set<string>();
  let link: ChainLink | null = head;
  let from = "the chain head";

  while (link !== null) {
    if (seen.has(link.name)) {
      problems.push({ kind: "reordered", bundle: link.name, message: `the chain loops back to ${link.name}` });
      break;
    }
    const entry = entries.get(link.name);
    if (entry === undefined) {
      problems.push({ kind: "missing", bundle: link.name, message: `${link.name} is missing from the store (named by ${from})` });
      break;
    }
    if (entry.digest !== link.digest) {
      problems.push({ kind: "altered", bundle: entry.name, message: `${entry.name} is ${entry.digest}, but ${from} records ${link.digest}` });
    }
    seen.add(entry.name);
    chain.push(entry);
    from = entry.name;
    link = entry.previous;
  }
  return chain.reverse();
}

function findForks(entries: Map<string, ChainEntry>, problems: ChainProblem[]): void {
  const followers = new Map<string, string[]>();
  for (const entry of entries.values()) {
    if (entry.previous === null) continue;
    const list = followers.get(entry.previous.name) ?? [];
    list.push(entry.name);
    followers.set(entry.previous.name, list);
  }
  for (const [previous, names] of followers) {
    if (names.length > 1) {
      problems.push({ kind: "forked", bundle: previous, message: `the chain forks after ${previous}: ${names.sort().join(" and ")} both follow it` });
    }
  }
}

function findTimeProblems(chain: ChainEntry[], maxGapDays: number, problems: ChainProblem[]): void {
  for (let i = 1; i < chain.length; i++) {
    const before = chain[i - 1]!;
    const after = chain[i]!;
    if (before.startedAt === null || after.startedAt === null) continue;
    const days = (Date.parse(after.startedAt) - Date.parse(before.startedAt)) / 86_400_000;
    if (days <= 0) {
      if (after.finishedAt !== null && Date.parse(after.finishedAt) > Date.parse(before.startedAt)) continue;
      problems.push({ kind: "reordered", bundle: after.name, message: `${after.name} (started ${after.startedAt}) follows ${before.name}, which started later (${before.startedAt})` });
    } else if (days > maxGapDays) {
      problems.push({ kind: "gap", bundle: after.name, message: `${days.toFixed(1)} days between ${before.name} and ${after.name} (more than ${maxGapDays})` });
    }
  }
}
