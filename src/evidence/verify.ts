import type { KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Snapshot } from "../collectors/snapshot.js";
import type { RunResult } from "../engine/types.js";
import { Soc2Error } from "../errors.js";
import { BundleRejected, DEFAULT_LIMITS, extractArchive, type ExtractedMember, type ExtractLimits } from "./archive.js";
import { IN_TOTO_PAYLOAD_TYPE, decodeBase64, verifyEnvelope } from "./dsse.js";
import {
  FIXED_MEMBERS,
  MANIFEST_MEMBER,
  PREDICATE_TYPE,
  SIGNATURE_MEMBER,
  STATEMENT_TYPE,
  isBundleName,
  sha256Digest,
  type BundleMetadata,
  type ChainLink,
} from "./format.js";
import { loadPublicKey } from "./keys.js";
import type { SourceFile } from "./write.js";

/** A bundle whose digests (and signature, when a key was given) have been checked. */
export interface VerifiedBundle {
  /** The bundle name the signed statement gives. */
  name: string;
  /** `sha256:<hex>` of the .tar.gz bytes: what the next bundle records as its previous. */
  digest: string;
  /** Key id of the key the signature verified with; null when no key was given. */
  keyid: string | null;
  previous: ChainLink | null;
  /** Whether the bundle's writer signs HEAD.json (bundles from before heads were signed: false). */
  signsHead: boolean;
  /**
   * Parsed from snapshot.json when first read, so a caller that only verifies never parses it.
   * A member that is not JSON throws `BundleRejected` then.
   */
  snapshot: Snapshot;
  /** Parsed from results.json when first read, like `snapshot`. */
  run: RunResult;
  controls: SourceFile[];
  policies: SourceFile[];
  /** The configuration and exceptions the run was evaluated with (bundles from before hold none). */
  configuration: SourceFile[];
  reportText: string;
  metadata: BundleMetadata;
  members: string[];
}

export interface VerifyOptions {
  /** Public key to check the signature with; without it only the digests are checked. */
  publicKey: KeyObject | null;
  /** File name the bundle was read under; when it has the bundle name form it must match the statement. */
  fileName?: string;
  limits?: ExtractLimits;
}

/**
 * Verifies a bundle held in memory and returns its contents. The archive is read as a stream and
 * each member hashed as it is decompressed. The signature is checked over the received payload
 * bytes before the statement is parsed. Then every member must be listed in the statement with a
 * matching SHA-256, and every listed member must be present. Throws `BundleRejected` with the
 * first failure.
 */
export async function verifyBundleBytes(bytes: Uint8Array, options: VerifyOptions): Promise<VerifiedBundle> {
  const members = await extractArchive(bytes, options.limits ?? DEFAULT_LIMITS);

  const envelopeMember = members.get(SIGNATURE_MEMBER);
  if (envelopeMember === undefined) throw new BundleRejected(`member ${SIGNATURE_MEMBER} is missing`);
  const envelope = parseJson(memberBytes(envelopeMember), SIGNATURE_MEMBER);
  const { payload, keyid } = checkSignature(envelope, options.publicKey);

  const statement = parseStatement(payload);
  const predicate = statement.predicate;
  const name = typeof predicate.bundle === "string" ? predicate.bundle : "";
  if (!isBundleName(name)) throw new BundleRejected("the signed statement has no valid bundle name");
  checkSignatureBelongs(name, members.get("metadata.json"));
  checkMembers(members, statement.subjects);

  if (options.fileName !== undefined && isBundleName(options.fileName) && options.fileName !== name) {
    throw new BundleRejected(`the signed statement is for bundle ${name}, not ${options.fileName}`);
  }

  const manifest = parseJson(memberBytes(members.get(MANIFEST_MEMBER)!), MANIFEST_MEMBER) as { members?: Record<string, string> };
  const expected = Object.fromEntries([...statement.subjects].filter(([member]) => member !== MANIFEST_MEMBER));
  if (JSON.stringify(sortedEntries(manifest.members ?? {})) !== JSON.stringify(sortedEntries(expected))) {
    throw new BundleRejected(`${MANIFEST_MEMBER} does not match the signed statement`);
  }

  const previous = parsePrevious(memberBytes(members.get("previous.json")!));
  if (JSON.stringify(previous) !== JSON.stringify(linkOrNull(predicate.previous))) {
    throw new BundleRejected("previous.json does not match the previous bundle in the signed statement");
  }

  const metadata = parseJson(memberBytes(members.get("metadata.json")!), "metadata.json") as BundleMetadata & { files?: Record<string, string> };
  const files = metadata.files ?? {};
  const snapshotMember = members.get("snapshot.json")!;
  const resultsMember = members.get("results.json")!;
  let snapshot: Snapshot | undefined;
  let run: RunResult | undefined;
  return {
    name,
    digest: sha256Digest(bytes),
    keyid,
    previous,
    signsHead: predicate.signsHead === true,
    get snapshot() {
      snapshot ??= parseJson(memberBytes(snapshotMember), "snapshot.json") as Snapshot;
      return snapshot;
    },
    get run() {
      run ??= parseJson(memberBytes(resultsMember), "results.json") as RunResult;
      return run;
    },
    controls: sourceFiles(members, "controls/", files),
    policies: sourceFiles(members, "policies/", files),
    configuration: sourceFiles(members, "config/", files),
    reportText: memberBytes(members.get("report.md")!).toString("utf8"),
    metadata,
    members: [...members.keys()].sort(),
  };
}

function memberBytes(member: ExtractedMember): Buffer {
  return member.chunks.length === 1 ? member.chunks[0]! : Buffer.concat(member.chunks, member.size);
}

/**
 * Rejects a signature swapped in from another bundle with that reason. The digest check that
 * follows would reject it too, but naming only the first member that differs.
 */
function checkSignatureBelongs(signedName: string, metadataMember: ExtractedMember | undefined): void {
  let packedName: unknown;
  try {
    packedName = metadataMember === undefined ? undefined : (JSON.parse(memberBytes(metadataMember).toString("utf8")) as { bundle?: unknown }).bundle;
  } catch {
    return;
  }
  if (typeof packedName === "string" && packedName !== signedName) {
    throw new BundleRejected(`the signature is for bundle ${signedName}, but the members are from bundle ${packedName}`);
  }
}

function checkSignature(envelope: unknown, publicKey: KeyObject | null): { payload: Buffer; keyid: string | null } {
  if (publicKey !== null) {
    const check = verifyEnvelope(envelope, publicKey);
    if (!check.ok) throw new BundleRejected(check.reason);
    if (check.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
      throw new BundleRejected(`the DSSE payloadType is ${check.payloadType}, expected ${IN_TOTO_PAYLOAD_TYPE}`);
    }
    return { payload: check.payload, keyid: check.keyid };
  }

  const payload = (envelope as { payload?: unknown } | null)?.payload;
  const decoded = typeof payload === "string" ? decodeBase64(payload) : null;
  if (decoded === null) throw new BundleRejected("the DSSE payload is missing or not valid base64");
  return { payload: decoded, keyid: null };
}

interface ParsedStatement {
  subjects: Map<string, string>;
  predicate: Record<string, unknown>;
}

function parseStatement(payload: Buffer): ParsedStatement {
  const statement = parseJson(payload, "the signed payload") as Record<string, unknown>;
  if (statement === null || typeof statement !== "object") throw new BundleRejected("the signed payload is not a JSON object");
  if (statement._type !== STATEMENT_TYPE) throw new BundleRejected(`the signed statement's _type is not ${STATEMENT_TYPE}`);
  if (statement.predicateType !== PREDICATE_TYPE) {
    throw new BundleRejected(`the signed statement's predicateType is ${JSON.stringify(statement.predicateType)}, expected ${PREDICATE_TYPE}`);
  }
  if (!Array.isArray(statement.subject)) throw new BundleRejected("the signed statement has no subject list");

  const subjects = new Map<string, string>();
  for (const subject of statement.subject as Array<{ name?: unknown; digest?: { sha256?: unknown } }>) {
    const name = subject?.name;
    const digest = subject?.digest?.sha256;
    if (typeof name !== "string" || typeof digest !== "string" || !/^[0-9a-f]{64}$/.test(digest)) {
      throw new BundleRejected("the signed statement has a subject without a name and sha256 digest");
    }
    if (subjects.has(name)) throw new BundleRejected(`the signed statement lists member ${name} twice`);
    subjects.set(name, digest);
  }

  const predicate = statement.predicate;
  if (predicate === null || typeof predicate !== "object") throw new BundleRejected("the signed statement has no predicate object");
  return { subjects, predicate: predicate as Record<string, unknown> };
}

function checkMembers(members: Map<string, ExtractedMember>, subjects: Map<string, string>): void {
  for (const required of FIXED_MEMBERS) {
    if (!subjects.has(required)) throw new BundleRejected(`the signed statement does not list member ${required}`);
  }
  for (const name of subjects.keys()) {
    if (!members.has(name)) throw new BundleRejected(`member ${name} is missing`);
  }
  for (const name of members.keys()) {
    if (name !== SIGNATURE_MEMBER && !subjects.has(name)) throw new BundleRejected(`member ${name} is not listed in the signed statement`);
  }
  for (const [name, expected] of [...subjects].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const actual = members.get(name)!.digest;
    if (actual !== expected) {
      throw new BundleRejected(`member ${name} does not match its signed digest (signed sha256:${expected}, found sha256:${actual})`);
    }
  }
}

function parsePrevious(bytes: Buffer): ChainLink | null {
  const value = parseJson(bytes, "previous.json") as { name?: unknown; digest?: unknown } | null;
  return linkOrNull(value);
}

function linkOrNull(value: unknown): ChainLink | null {
  const link = value as { name?: unknown; digest?: unknown } | null;
  if (link && typeof link.name === "string" && typeof link.digest === "string") return { name: link.name, digest: link.digest };
  return null;
}

function sourceFiles(members: Map<string, ExtractedMember>, folder: string, files: Record<string, string>): SourceFile[] {
  return [...members.keys()]
    .filter((name) => name.startsWith(folder))
    .sort()
    .map((name) => ({ path: files[name] ?? name, content: memberBytes(members.get(name)!).toString("utf8") }));
}

function sortedEntries(record: Record<string, string>): Array<[string, string]> {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1));
}

function parseJson(bytes: Buffer, label: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new BundleRejected(`${label} is not valid JSON`);
  }
}

/** Checks that `bundle` directly follows `previous` in the chain. */
export function checkChainLink(bundle: VerifiedBundle, previous: VerifiedBundle): void {
  if (bundle.previous === null) {
    throw new BundleRejected(`bundle ${bundle.name} starts a new chain; it records no previous bundle, but ${previous.name} was given`);
  }
  if (bundle.previous.name !== previous.name || bundle.previous.digest !== previous.digest) {
    throw new BundleRejected(
      `the chain link is broken: ${bundle.name} follows ${bundle.previous.name} (${bundle.previous.digest}), but the given previous bundle is ${previous.name} (${previous.digest})`,
    );
  }
  if (Date.parse(previous.metadata.startedAt) >= Date.parse(bundle.metadata.startedAt)) {
    throw new BundleRejected(`the chain is out of order: ${previous.name} did not start before ${bundle.name}`);
  }
}

/**
 * Reads and verifies a bundle file, throwing `Soc2Error("SOC2_BUNDLE_INVALID")` with the exact
 * reason. Replay (`check --snapshot BUNDLE`) calls it before using anything inside.
 */
export async function openBundle(
  file: string,
  options: { publicKey?: string; limits?: ExtractLimits; warn?: (message: string) => void },
): Promise<VerifiedBundle> {
  if (options.publicKey === undefined) {
    throw new Soc2Error("SOC2_USAGE", `verifying bundle ${file} needs the signer's public key`, {
      hint: "Pass --key PUB.pem (the .pub file written by soc2 keygen).",
    });
  }
  const publicKey = await loadPublicKey(options.publicKey, options.warn ? { warn: options.warn } : {});
  const bundle = await readVerifiedBundle(file, publicKey, options.limits);
  // Replay reads the snapshot and the results: the copy parses both here, so a member that is
  // not JSON is reported as the bundle's fault.
  try {
    return { ...bundle };
  } catch (error) {
    throw bundleInvalid(file, error);
  }
}

/** Reads a bundle file and verifies it with `publicKey` (digests only when null). */
export async function readVerifiedBundle(file: string, publicKey: KeyObject | null, limits?: ExtractLimits): Promise<VerifiedBundle> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new Soc2Error("SOC2_BUNDLE_INVALID", `cannot read bundle ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return await verifyBundleBytes(bytes, { publicKey, fileName: path.basename(file), ...(limits ? { limits } : {}) });
  } catch (error) {
    throw bundleInvalid(file, error);
  }
}

export function bundleInvalid(file: string, error: unknown): unknown {
  if (!(error instanceof BundleRejected)) return error;
  return new Soc2Error("SOC2_BUNDLE_INVALID", `bundle ${file} is invalid: ${error.reason}`, {
    problems: [{ file, message: error.reason }],
    hint: "Do not rely on this bundle's contents; obtain the original from the evidence store.",
  });
}

