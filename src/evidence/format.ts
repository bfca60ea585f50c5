import { createHash } from "node:crypto";
import { sortKeys } from "../collectors/snapshot.js";

/** predicateType of the in-toto Statement that signs a bundle. */
export const PREDICATE_TYPE = "https://soc2.dev/evidence-bundle/v1";
export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";

export const SIGNATURE_MEMBER = "signature.dsse.json";
export const MANIFEST_MEMBER = "manifest.json";
/** Members every bundle has besides the signature, the controls and the policies. */
export const FIXED_MEMBERS = ["manifest.json", "metadata.json", "previous.json", "report.md", "results.json", "snapshot.json"] as const;

export const HEAD_NAME = "HEAD.json";

/** A bundle's place in the chain: its file name and the SHA-256 of its .tar.gz bytes. */
export interface ChainLink {
  name: string;
  /** `sha256:<hex>` of the whole .tar.gz file. */
  digest: string;
}

export interface BundleMetadata {
  toolVersion: string;
  controlsCommit: string | null;
  ranBy: string;
  identities: Record<string, string>;
  accounts: string[];
  regions: string[];
  startedAt: string;
  finishedAt: string;
  runId: string;
}

const BUNDLE_NAME = /^(\d{8}T\d{6}Z)-([A-Za-z0-9][A-Za-z0-9._-]{0,127})\.tar\.gz$/;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isBundleName(name: string): boolean {
  return BUNDLE_NAME.test(name);
}

export function isRunId(runId: string): boolean {
  return RUN_ID.test(runId);
}

/** `<UTC start YYYYMMDDTHHMMSSZ>-<run id>.tar.gz`, so names sort in run order. */
export function bundleName(startedAt: Date, runId: string): string {
  const stamp = startedAt.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
  return `${stamp}-${runId}.tar.gz`;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function sha256Digest(data: Uint8Array): string {
  return `sha256:${sha256Hex(data)}`;
}

/** Pretty JSON with object keys sorted at every level and a final newline: equal values, equal bytes. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}
