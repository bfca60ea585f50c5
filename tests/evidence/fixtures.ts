import { generateKeyPairSync } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as tar from "tar-stream";
import { gunzipSync, gzipSync } from "node:zlib";
import type { Snapshot } from "../../src/collectors/snapshot.js";
import type { RunResult } from "../../src/engine/types.js";
import { keyIdOf } from "../../src/evidence/dsse.js";
import type { BundleInput, SigningKey } from "../../src/evidence/index.js";

export function makeKey(type: "ed25519" | "p256" = "ed25519"): SigningKey {
  const pair = type === "ed25519" ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, keyid: keyIdOf(pair.publicKey), algorithm: type === "ed25519" ? "ed25519" : "ecdsa-p256" };
}

export function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), "soc2-evidence-"));
}

export function makeSnapshot(takenAt = "2026-03-01T10:00:00.000Z"): Snapshot {
  return {
    version: 1,
    takenAt,
    collectors: {
      "aws.s3.buckets": {
        collector: "aws.s3.buckets",
        status: "ok",
        resources: [
          { id: "arn:aws:s3:::therapy-notes", classes: ["highly-confidential"], encrypted: true, versioning: "Enabled" },
          { id: "arn:aws:s3:::public-site", classes: [], encrypted: false, versioning: "Suspended" },
        ],
        coverage: [{ source: "aws", scope: "123456789012/eu-west-1", api: "s3:ListBuckets", status: "read" }],
      },
      "clerk.users": {
        collector: "clerk.users",
        status: "error",
        error: { code: "SOC2_CREDENTIALS_MISSING", message: "CLERK_SECRET_KEY is not set" },
      },
    },
  };
}

export function makeRun(startedAt = "2026-03-01T10:00:00.000Z", finishedAt = "2026-03-01T10:00:04.000Z"): RunResult {
  return {
    tool: { name: "soc2", version: "0.1.0" },
    startedAt,
    finishedAt,
    now: startedAt,
    controls: [
      {
        id: "s3-encrypted",
        title: "Buckets are encrypted at rest",
        type: "automated",
        category: "confidentiality",
        severity: "high",
        criteria: [{ id: "C1.1", link: "direct", why: "protects stored confidential data" }],
        collector: "aws.s3.buckets",
        status: "fail",
        reason: "1 of 2 buckets fails",
        warnOnly: false,
        findings: [
          { resource: "arn:aws:s3:::therapy-notes", status: "pass" },
          { resource: "arn:aws:s3:::public-site", status: "fail", message: "encryption is off", assertion: "resource.encrypted", fields: { encrypted: false } },
        ],
        file: "controls/confidentiality/s3-encrypted.yaml",
        line: 1,
      },
    ],
    summary: {
      counts: { pass: 0, fail: 1, waived: 0, error: 0, pending: 0, "not-applicable": 0, skipped: 0 },
      score: 0,
      evaluatedShare: 1,
      exitCode: 1,
    },
    coverage: [],
    warnings: [],
  };
}

export function makeInput(options: { runId?: string; startedAt?: string } = {}): BundleInput {
  const startedAt = options.startedAt ?? "2026-03-01T10:00:00.000Z";
  const finishedAt = new Date(Date.parse(startedAt) + 4000).toISOString();
  return {
    run: makeRun(startedAt, finishedAt),
    snapshot: makeSnapshot(startedAt),
    controls: [{ path: "controls/confidentiality/s3-encrypted.yaml", content: "id: s3-encrypted\ntitle: Buckets are encrypted at rest\n" }],
    policies: [{ path: "policies/access-control.md", content: "# Access control policy\n" }],
    reportText: "# soc2 report\n\ns3-encrypted: fail (1 of 2 buckets fails)\n",
    metadata: {
      toolVersion: "0.1.0",
      controlsCommit: "0123456789abcdef0123456789abcdef01234567",
      ranBy: "ci",
      identities: { aws: "arn:aws:sts::123456789012:assumed-role/soc2-audit/ci" },
      accounts: ["123456789012"],
      regions: ["eu-west-1"],
      startedAt,
      finishedAt,
      runId: options.runId ?? "run-1",
    },
  };
}

/** Raw tar bytes of a bundle. */
export function tarBytes(bundle: Uint8Array): Buffer {
  return gunzipSync(bundle);
}

export interface RawEntry {
  header: Partial<tar.Header> & { name: string };
  data: Buffer;
}

/** Reads every tar entry of a .tar.gz, headers included, for tests that rebuild archives. */
export async function readEntries(bundle: Uint8Array): Promise<RawEntry[]> {
  const extract = tar.extract();
  const entries: RawEntry[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(Buffer.from(chunk as Uint8Array));
      entries.push({ header: entry.header, data: Buffer.concat(chunks) });
    }
  })();
  extract.end(gunzipSync(bundle));
  await done;
  return entries;
}

/** Writes entries as given (any type, any name, in order) into a .tar.gz. */
export async function writeEntries(entries: RawEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  for (const entry of entries) {
    await new Promise<void>((resolve, reject) => {
      const isFile = (entry.header.type ?? "file") === "file";
      const header = { ...entry.header, size: isFile ? entry.data.length : 0 } as tar.Header;
      if (isFile) pack.entry(header, entry.data, (error) => (error ? reject(error) : resolve()));
      else pack.entry(header, (error) => (error ? reject(error) : resolve()));
    });
  }
  pack.finalize();
  await collected;
  return gzipSync(Buffer.concat(chunks));
}

/** Verifies bundle bytes with the key's public half. */
export async function verifyBundle(bytes: Uint8Array, key: SigningKey) {
  const { verifyBundleBytes } = await import("../../src/evidence/index.js");
  return verifyBundleBytes(bytes, { publicKey: key.publicKey });
}
