import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Snapshot } from "../collectors/snapshot.js";
import type { RunResult } from "../engine/types.js";
import { Soc2Error } from "../errors.js";
import { BundleRejected, checkMemberName, packArchive, type ArchiveMember } from "./archive.js";
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from "./dsse.js";
import {
  MANIFEST_MEMBER,
  PREDICATE_TYPE,
  SIGNATURE_MEMBER,
  STATEMENT_TYPE,
  bundleName,
  isRunId,
  sha256Digest,
  sha256Hex,
  stableJson,
  type BundleMetadata,
  type ChainLink,
} from "./format.js";
import { headSignatureProblem, signHead } from "./head.js";
import type { SigningKey } from "./keys.js";
import { Redactor } from "./redact.js";
import { verifyBundleBytes } from "./verify.js";
import { HeadChangedError, UnusableHeadError, type EvidenceStore, type StoredHead } from "./store.js";

export interface SourceFile {
  path: string;
  content: string;
}

export interface BundleInput {
  run: RunResult;
  snapshot: Snapshot;
  /** Control files exactly as evaluated, with repository-relative paths. */
  controls: SourceFile[];
  /** Policy documents (policies/*.md), with repository-relative paths. */
  policies: SourceFile[];
  /**
   * Files that shape evaluation besides the controls: the configuration (its parameter
   * overrides, scope and classification) and the exceptions in force. Replay needs them to
   * reach the recorded results. Stored under `config/`.
   */
  configuration?: SourceFile[];
  /** Human-readable report, plain text or Markdown. */
  reportText: string;
  /** The self-contained HTML dashboard of the run, stored as `report.html` so it opens from the bundle. */
  reportHtml?: string;
  metadata: BundleMetadata;
}

/** The bytes of one bundle and its place in the chain. */
export interface BuiltBundle {
  name: string;
  bytes: Buffer;
  digest: string;
}

/** Times a run rebuilds its bundle on a new head after another run moved the head first. */
export const HEAD_UPDATE_ATTEMPTS = 5;

/**
 * Packs and signs a bundle, stores it, then moves the chain head to it. The head moves only after
 * the bundle is stored, so a failed write leaves the chain as it was. When another run moves the
 * head first, this run removes its bundle and rebuilds it on the new head (only previous.json and
 * the signature change). It tries up to `HEAD_UPDATE_ATTEMPTS` times, so concurrent runs land one
 * after another instead of forking the chain.
 */
export async function writeBundle(
  input: BundleInput,
  options: { store: EvidenceStore; key: SigningKey; newChain?: boolean },
): Promise<{ location: string; digest: string; name: string }> {
  const { store } = options;
  for (let attempt = 1; ; attempt++) {
    // A retry follows the head another run just wrote, even under --new-chain: that run may
    // have started the chain this run was asked to start.
    const head = options.newChain && attempt === 1 ? await requireNoChain(store, options.key) : await readChainHead(store, options.key);
    const previous = head ? { name: head.name, digest: head.digest } : null;

    const bundle = await buildBundle(input, options.key, previous);
    const location = await store.putBundle(bundle.name, bundle.bytes);
    try {
      await store.writeHead(signHead({ name: bundle.name, digest: bundle.digest }, options.key), head);
      return { location, digest: bundle.digest, name: bundle.name };
    } catch (error) {
      if (!(error instanceof HeadChangedError)) throw error;
      await removeUnlinkedBundle(store, bundle.name, error);
      if (attempt === HEAD_UPDATE_ATTEMPTS) {
        throw new Soc2Error("SOC2_STORE_FAILED", `chain head in ${store.describe()} changed while this bundle was written, ${attempt} times in a row. Bundle ${bundle.name} was removed, so the chain has no trace of this run`, {
          hint: "Other runs are extending the chain at the same time. Run again once they have finished.",
          cause: error,
        });
      }
      await sleep(25 + Math.random() * 100 * attempt);
    }
  }
}

/**
 * Deletes a bundle whose head update lost a race: no head names it, and leaving it would fork the
 * chain. When the delete fails, the error names the bundle left behind.
 */
async function removeUnlinkedBundle(store: EvidenceStore, name: string, lostRace: HeadChangedError): Promise<void> {
  try {
    await store.deleteBundle(name);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Soc2Error("SOC2_STORE_FAILED", `${lostRace.message}, and removing the bundle failed, so ${name} is left in ${store.describe()} off the chain (${reason})`, {
      hint: `soc2 evidence log reports ${name} as unlinked and as a fork. Delete it once the store allows it (an Object Lock retention or a missing s3:DeleteObject permission prevents it), then run again.`,
      cause: error,
    });
  }
}

/**
 * Checks that a new chain would orphan nothing: the store has no head (returns null, so the head
 * is created only if still absent), or only one that cannot be extended (returns undefined, so it
 * is replaced). A store that cannot be read still fails, so an outage never starts a new chain.
 */
async function requireNoChain(store: EvidenceStore, key: SigningKey): Promise<null | undefined> {
  let head: StoredHead;
  try {
    head = await readChainHead(store, key);
  } catch (error) {
    if (error instanceof MissingHeadError) return null;
    if (error instanceof UnusableHeadError) return undefined;
    throw error;
  }
  throw new Soc2Error("SOC2_USAGE", `evidence store ${store.describe()} already has a chain ending at ${head.name}, and --new-chain applies only when the store has no readable chain head`, {
    hint: "Drop --new-chain to add this run to the existing chain. To start a chain for a new audit period, use a new store location.",
  });
}

/** The store has no chain head at all: the one case besides an unusable head where --new-chain applies. */
class MissingHeadError extends Soc2Error {}

/**
 * Reads the chain head and checks that it is signed with this run's key (or is an unsigned head
 * from before heads were signed) and that the bundle it names is there, unaltered.
 */
async function readChainHead(store: EvidenceStore, key: SigningKey): Promise<StoredHead> {
  const head = await store.readHead();
  if (head === null) {
    throw new MissingHeadError("SOC2_STORE_FAILED", `evidence store ${store.describe()} has no chain head (HEAD.json)`, {
      hint: "If this is the first bundle of an audit period, pass --new-chain. Otherwise check the store location: a new chain here would hide the earlier bundles.",
    });
  }

  const bytes = await store.getBundle(head.name);
  if (bytes === null) {
    throw new UnusableHeadError(
      `chain head names bundle ${head.name}, which is not in ${store.describe()}`,
      "Restore the bundle, or pass --new-chain to start a new chain (soc2 evidence log shows the break).",
    );
  }
  const actual = sha256Digest(bytes);
  if (actual !== head.digest) {
    throw new UnusableHeadError(
      `bundle ${head.name} is ${actual}, but the chain head records ${head.digest}`,
      "The head bundle was altered or replaced: restore it from a backup, or pass --new-chain to start a new chain (soc2 evidence log shows the break).",
    );
  }

  if (head.envelope !== null) {
    const problem = headSignatureProblem(head, key.publicKey);
    if (problem !== null) {
      throw new UnusableHeadError(
        `chain head in ${store.describe()} is not signed by this signing key (key id ${key.keyid}): ${problem}`,
        "HEAD.json was rewritten, or the chain is signed with another key. Restore HEAD.json from a backup, or pass --new-chain to start a new chain signed with this key (soc2 evidence log shows the break).",
      );
    }
  } else if (await signsHead(bytes)) {
    // An unsigned head naming a bundle whose writer signed heads was written by someone else.
    throw new UnusableHeadError(
      `chain head in ${store.describe()} is unsigned, but the bundle it names (${head.name}) was written by a soc2 version that signs the head`,
      "HEAD.json was rewritten. Restore it from a backup, or pass --new-chain to start a new chain (soc2 evidence log shows the break).",
    );
  }
  return head;
}

/** Whether a bundle's writer signed the chain head; false when the bundle cannot be read. */
async function signsHead(bytes: Buffer): Promise<boolean> {
  try {
    return (await verifyBundleBytes(bytes, { publicKey: null })).signsHead;
  } catch (error) {
    if (error instanceof BundleRejected) return false;
    throw error;
  }
}

/** Builds the signed, deterministic archive for a run; the same input gives the same bytes. */
export async function buildBundle(input: BundleInput, key: SigningKey, previous: ChainLink | null): Promise<BuiltBundle> {
  const { metadata } = input;
  if (!isRunId(metadata.runId)) {
    throw new Soc2Error("SOC2_INPUT_INVALID", `run id ${JSON.stringify(metadata.runId)} is invalid: use letters, digits, ".", "_" and "-" (at most 128)`);
  }
  const startedAt = parseTime(metadata.startedAt, "metadata.startedAt");
  parseTime(metadata.finishedAt, "metadata.finishedAt");
  const name = bundleName(startedAt, metadata.runId);

  // Each member is hashed once as it is made. snapshot.json and results.json are written piece by
  // piece into buffers, so neither a whole redacted copy nor a whole JSON string is ever held.
  const redactor = new Redactor();
  const files: Record<string, string> = {};
  const members: PackedMember[] = [
    ...sourceMembers("controls", input.controls, files),
    ...sourceMembers("policies", input.policies, files),
    ...sourceMembers("config", input.configuration ?? [], files),
    jsonMember("snapshot.json", (write) => redactor.writeJson(input.snapshot, write)),
    jsonMember("results.json", (write) => redactor.writeJson(input.run, write)),
  ];
  const report = redactor.text(input.reportText);
  const redactedMetadata = redactor.value(metadata) as BundleMetadata;
  const metadataDocument = { format: 1, bundle: name, ...redactedMetadata, files, redactions: redactor.counts };
  members.push(
    text("report.md", report.endsWith("\n") ? report : `${report}\n`),
    ...(input.reportHtml === undefined ? [] : [text("report.html", redactor.text(input.reportHtml))]),
    text("metadata.json", stableJson(metadataDocument)),
    text("previous.json", stableJson(previous ?? { name: null, digest: null })),
  );

  const digests: Record<string, string> = {};
  for (const member of members) digests[member.name] = member.digest;
  members.push(text(MANIFEST_MEMBER, stableJson({ version: 1, algorithm: "sha256", members: digests })));

  // The run's fields the statement carries, redacted apart so the counts above stay as recorded.
  const run = new Redactor().value({ startedAt: input.run.startedAt, finishedAt: input.run.finishedAt, summary: input.run.summary }) as Pick<RunResult, "startedAt" | "finishedAt" | "summary">;
  const statement = {
    _type: STATEMENT_TYPE,
    subject: members
      .map((member) => ({ name: member.name, digest: { sha256: member.digest } }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    predicateType: PREDICATE_TYPE,
    predicate: {
      bundle: name,
      previous,
      // Tells a reader that this bundle's writer signs HEAD.json, so an unsigned head naming it
      // was rewritten rather than left by an older soc2.
      signsHead: true,
      run: { startedAt: run.startedAt, finishedAt: run.finishedAt, summary: run.summary, controls: input.run.controls.length },
      metadata: redactedMetadata,
    },
  };
  const envelope = signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(stableJson(statement)), key.privateKey, key.keyid);
  members.push(text(SIGNATURE_MEMBER, stableJson(envelope)));

  const bytes = await packArchive(members, startedAt);
  return { name, bytes, digest: sha256Digest(bytes) };
}

/**
 * Maps repository paths to members under `controls/`, `policies/` or `config/`. A path already under that
 * folder keeps its name; `metadata.json` records every member's original path for replay.
 */
function sourceMembers(folder: "controls" | "policies" | "config", sources: SourceFile[], files: Record<string, string>): PackedMember[] {
  return sources.map((source) => {
    const normalized = source.path.replace(/^\.\//, "");
    const member = normalized.startsWith(`${folder}/`) ? normalized : `${folder}/${normalized}`;
    try {
      checkMemberName(member);
    } catch (error) {
      const reason = error instanceof BundleRejected ? error.reason : String(error);
      throw new Soc2Error("SOC2_INPUT_INVALID", `cannot pack ${source.path}: ${reason}`);
    }
    if (member in files) throw new Soc2Error("SOC2_INPUT_INVALID", `cannot pack ${source.path}: two files map to member ${member}`);
    files[member] = source.path;
    return text(member, source.content);
  });
}

/** An archive member with the SHA-256 (hex) of its bytes. */
interface PackedMember extends ArchiveMember {
  digest: string;
}

function text(name: string, content: string): PackedMember {
  const data = Buffer.from(content, "utf8");
  return { name, chunks: [data], digest: sha256Hex(data) };
}

/** Size of the buffers that JSON pieces are encoded into, and so of a JSON member's chunks. */
const JSON_CHUNK_BYTES = 1 << 20;

/**
 * Builds a member from JSON that `writeJson` writes in pieces. Each piece is encoded straight
 * into a chunk buffer, and a full chunk is hashed, so no joined text is ever made.
 */
function jsonMember(name: string, writeJson: (write: (text: string) => void) => void): PackedMember {
  const hash = createHash("sha256");
  const chunks: Buffer[] = [];
  let buffer = Buffer.allocUnsafe(JSON_CHUNK_BYTES);
  let used = 0;
  const finishChunk = (): void => {
    if (used === 0) return;
    const chunk = buffer.subarray(0, used);
    hash.update(chunk);
    chunks.push(chunk);
    buffer = Buffer.allocUnsafe(JSON_CHUNK_BYTES);
    used = 0;
  };

  writeJson((piece) => {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8, so the exact length is needed only near the end.
    const bytes = piece.length * 3 <= buffer.length - used ? piece.length * 3 : Buffer.byteLength(piece, "utf8");
    if (bytes > buffer.length - used) finishChunk();
    if (bytes > buffer.length) {
      const chunk = Buffer.from(piece, "utf8");
      hash.update(chunk);
      chunks.push(chunk);
      return;
    }
    used += buffer.write(piece, used, "utf8");
  });
  finishChunk();
  return { name, chunks, digest: hash.digest("hex") };
}

function parseTime(value: string, field: string): Date {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new Soc2Error("SOC2_INPUT_INVALID", `${field} is not an ISO-8601 time: ${JSON.stringify(value)}`);
  return time;
}
