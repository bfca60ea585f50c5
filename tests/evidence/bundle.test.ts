import { writeFile } from "node:fs/promises";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { Soc2Error } from "../../src/errors.js";
import { BundleRejected, buildBundle, checkChainLink, openBundle, verifyBundleBytes } from "../../src/evidence/index.js";
import { makeInput, makeKey, readEntries, tarBytes, tempDir, writeEntries, type RawEntry } from "./fixtures.js";

const key = makeKey();

async function reason(bytes: Uint8Array, fileName?: string, limits?: Parameters<typeof verifyBundleBytes>[1]["limits"]): Promise<string> {
  try {
    await verifyBundleBytes(bytes, { publicKey: key.publicKey, ...(fileName ? { fileName } : {}), ...(limits ? { limits } : {}) });
  } catch (error) {
    if (error instanceof BundleRejected) return error.reason;
    throw error;
  }
  return "accepted";
}

async function rebuild(bytes: Uint8Array, change: (entries: RawEntry[]) => RawEntry[]): Promise<Buffer> {
  return writeEntries(change(await readEntries(bytes)));
}

describe("bundle packing", () => {
  it("packs the same input to the same bytes", async () => {
    const first = await buildBundle(makeInput(), key, null);
    const second = await buildBundle(makeInput(), key, null);
    expect(first.name).toBe("20260301T100000Z-run-1.tar.gz");
    expect(second.digest).toBe(first.digest);
    expect(Buffer.compare(second.bytes, first.bytes)).toBe(0);
  });

  it("writes fixed headers for every entry and the gzip stream", async () => {
    const bundle = await buildBundle(makeInput(), key, null);
    expect(bundle.bytes.readUInt32LE(4)).toBe(0);
    expect(bundle.bytes[3]! & 0x08).toBe(0);
    expect(bundle.bytes[9]).toBe(3);

    const entries = await readEntries(bundle.bytes);
    const names = entries.map((entry) => entry.header.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual([
      "controls/confidentiality/s3-encrypted.yaml",
      "manifest.json",
      "metadata.json",
      "policies/access-control.md",
      "previous.json",
      "report.md",
      "results.json",
      "signature.dsse.json",
      "snapshot.json",
    ]);
    for (const entry of entries) {
      expect(entry.header.type).toBe("file");
      expect(entry.header.mode).toBe(0o644);
      expect(entry.header.uid).toBe(0);
      expect(entry.header.gid).toBe(0);
      expect(entry.header.uname).toBe("");
      expect(entry.header.gname).toBe("");
      expect(entry.header.mtime?.toISOString()).toBe("2026-03-01T10:00:00.000Z");
    }
  });

  it("signs an in-toto statement listing every member but the signature", async () => {
    const bundle = await buildBundle(makeInput(), key, null);
    const entries = await readEntries(bundle.bytes);
    const envelope = JSON.parse(entries.find((entry) => entry.header.name === "signature.dsse.json")!.data.toString());
    expect(envelope.payloadType).toBe("application/vnd.in-toto+json");
    expect(envelope.signatures[0].keyid).toBe(key.keyid);

    const statement = JSON.parse(Buffer.from(envelope.payload, "base64").toString());
    expect(statement._type).toBe("https://in-toto.io/Statement/v1");
    expect(statement.predicateType).toBe("https://soc2.dev/evidence-bundle/v1");
    expect(statement.subject.map((subject: { name: string }) => subject.name)).toEqual(
      entries.map((entry) => entry.header.name).filter((name) => name !== "signature.dsse.json"),
    );
    expect(statement.predicate.previous).toBeNull();
    expect(statement.predicate.run.summary.exitCode).toBe(1);
    expect(statement.predicate.metadata.runId).toBe("run-1");
  });

  it("opens a valid bundle with the contents as packed", async () => {
    const dir = await tempDir();
    const bundle = await buildBundle(makeInput(), key, null);
    const file = path.join(dir, bundle.name);
    await writeFile(file, bundle.bytes);
    const publicFile = path.join(dir, "signer.pub");
    await writeFile(publicFile, key.publicKey.export({ type: "spki", format: "pem" }));

    const opened = await openBundle(file, { publicKey: publicFile });
    expect(opened.digest).toBe(bundle.digest);
    expect(opened.keyid).toBe(key.keyid);
    expect(opened.controls).toEqual(makeInput().controls);
    expect(opened.policies).toEqual(makeInput().policies);
    expect(opened.snapshot).toEqual(makeInput().snapshot);
    expect(opened.run).toEqual(makeInput().run);
    expect(opened.metadata.runId).toBe("run-1");
    expect(opened.previous).toBeNull();
  });

  it("keeps original paths of controls outside controls/", async () => {
    const input = makeInput();
    input.controls = [{ path: "compliance/rules/a.yaml", content: "id: a\n" }];
    const bundle = await buildBundle(input, key, null);
    const opened = await verifyBundleBytes(bundle.bytes, { publicKey: key.publicKey });
    expect(opened.members).toContain("controls/compliance/rules/a.yaml");
    expect(opened.controls).toEqual([{ path: "compliance/rules/a.yaml", content: "id: a\n" }]);
  });

  it("rejects a control path that leaves the repository", async () => {
    const input = makeInput();
    input.controls = [{ path: "../outside.yaml", content: "id: x\n" }];
    await expect(buildBundle(input, key, null)).rejects.toThrow('cannot pack ../outside.yaml: member "controls/../outside.yaml" has a path outside the bundle ("..")');
  });

  it("verifies with an ECDSA P-256 key", async () => {
    const p256 = makeKey("p256");
    const bundle = await buildBundle(makeInput(), p256, null);
    const opened = await verifyBundleBytes(bundle.bytes, { publicKey: p256.publicKey });
    expect(opened.keyid).toBe(p256.keyid);
  });
});

describe("bundle tamper cases", () => {
  const members = [
    "controls/confidentiality/s3-encrypted.yaml",
    "manifest.json",
    "metadata.json",
    "policies/access-control.md",
    "previous.json",
    "report.md",
    "results.json",
    "snapshot.json",
  ];

  it.each(members)("rejects one flipped byte in %s", async (member) => {
    const bundle = await buildBundle(makeInput(), key, null);
    const tampered = await rebuild(bundle.bytes, (entries) =>
      entries.map((entry) => {
        if (entry.header.name !== member) return entry;
        const data = Buffer.from(entry.data);
        data[data.length - 2] = data[data.length - 2]! ^ 0x01;
        return { ...entry, data };
      }),
    );
    expect(await reason(tampered)).toMatch(new RegExp(`^member ${member.replace(/\./g, "\\.")} does not match its signed digest \\(signed sha256:[0-9a-f]{64}, found sha256:[0-9a-f]{64}\\)$`));
  });

  it("rejects one flipped byte in the signature", async () => {
    const bundle = await buildBundle(makeInput(), key, null);
    const tampered = await rebuild(bundle.bytes, (entries) =>
      entries.map((entry) => {
        if (entry.header.name !== "signature.dsse.json") return entry;
        const envelope = JSON.parse(entry.data.toString());
        const sig = Buffer.from(envelope.signatures[0].sig, "base64");
        sig[10] = sig[10]! ^ 0x01;
        envelope.signatures[0].sig = sig.toString("base64");
        return { ...entry, data: Buffer.from(JSON.stringify(envelope)) };
      }),
    );
    expect(await reason(tampered)).toBe(`the signature does not verify with key ${key.keyid}`);
  });

  it("rejects a signature envelope that is not JSON", async () => {
    const bundle = await buildBundle(makeInput(), key, null);
    const tampered = await rebuild(bundle.bytes, (entries) =>
      entries.map((entry) => (entry.header.name === "signature.dsse.json" ? { ...entry, data: Buffer.concat([Buffer.from("x"), entry.data]) } : entry)),
    );
    expect(await reason(tampered)).toBe("signature.dsse.json is not valid JSON");
  });

  it("rejects a signature by another key", async () => {
    const bundle = await buildBundle(makeInput(), makeKey(), null);
    expect(await reason(bundle.bytes)).toBe(`the signature does not verify with key ${key.keyid}`);
  });

  it("rejects a dropped member", async () => {
    const bundle = await buildBundle(makeInput(), key, null);
    const tampered = await rebuild(bundle.bytes, (entries) => entries.filter((entry) => entry.header.name !== "snapshot.json"));
    expect(await reason(tampered)).toBe("member snapshot.json is missing");
  });

  it("rejects a dropped signature", async () => {
    const bundle = await buildBundle(makeInput(), key, null);
    const tampered = await rebuild(bundle.bytes, (entries) => entries.filter((entry) => entry.header.name !== "signature.dsse.json"));
    expect(await reason(tampered)).toBe("member signature.dsse.json is missing");
  });

  it("rejects an added member", async () => {
    const bundle = await buildBundle(makeInput(), key, null);
    const tampered = await rebuild(bundle.bytes, (entries) => [
      ...entries,
      { header: { name: "controls/extra.yaml", type: "file", mode: 0o644 }, data: Buffer.from("id: extra\n") },
    ]);
    expect(await reason(tampered)).toBe("member controls/extra.yaml is not listed in the signed statement");
  });

  it("rejects a duplicated member", async () => {
    const bundle = await buildBundle(makeInput(), key, null);
    const tampered = await rebuild(bundle.bytes, (entries) => [...entries, entries.find((entry) => entry.header.name === "report.md")!]);
    expect(await reason(tampered)).toBe("member report.md appears more than once");
  });

  it("rejects the signature swapped in from another bundle", async () => {
    const bundle = await buildBundle(makeInput({ runId: "run-1" }), key, null);
    const other = await buildBundle(makeInput({ runId: "run-2" }), key, null);
    const otherSignature = (await readEntries(other.bytes)).find((entry) => entry.header.name === "signature.dsse.json")!;
    const tampered = await rebuild(bundle.bytes, (entries) =>
      entries.map((entry) => (entry.header.name === "signature.dsse.json" ? otherSignature : entry)),
    );
    expect(await reason(tampered)).toBe(`the signature is for bundle ${other.name}, but the members are from bundle ${bundle.name}`);
  });

  it("rejects a bundle renamed to another bundle's name", async () => {
    const bundle = await buildBundle(makeInput({ runId: "run-1" }), key, null);
    expect(await reason(bundle.bytes, "20260301T100000Z-run-9.tar.gz")).toBe(
      "the signed statement is for bundle 20260301T100000Z-run-1.tar.gz, not 20260301T100000Z-run-9.tar.gz",
    );
  });

  it("rejects a truncated archive", async () => {
    const bundle = await buildBundle(makeInput(), key, null);
    expect(await reason(bundle.bytes.subarray(0, bundle.bytes.length - 40))).toBe("the archive is truncated (gzip stream ends early)");
  });

  it("rejects a truncated tar inside complete gzip", async () => {
    const bundle = await buildBundle(makeInput(), key, null);
    const tar = tarBytes(bundle.bytes);
    expect(await reason(gzipSync(tar.subarray(0, 1200)))).toMatch(/^the archive is truncated or not a valid tar: /);
  });

  it("rejects bytes that are not gzip", async () => {
    expect(await reason(Buffer.from("not a bundle at all"))).toMatch(/^the archive is not valid gzip: /);
  });

  it("rejects a member named ../x", async () => {
    const bundle = await buildBundle(makeInput(), key, null);
    const tampered = await rebuild(bundle.bytes, (entries) => [
      { header: { name: "../x", type: "file", mode: 0o644 }, data: Buffer.from("escape") },
      ...entries,
    ]);
    expect(await reason(tampered)).toBe('member "../x" has a path outside the bundle ("..")');
  });

  it("rejects a member with an absolute path", async () => {
    const tampered = await writeEntries([{ header: { name: "/etc/cron.d/x", type: "file", mode: 0o644 }, data: Buffer.from("x") }]);
    expect(await reason(tampered)).toBe('member "/etc/cron.d/x" has an absolute path');
  });

  it("rejects a symlink member", async () => {
    const bundle = await buildBundle(makeInput(), key, null);
    const tampered = await rebuild(bundle.bytes, (entries) => [
      { header: { name: "link", type: "symlink", linkname: "/etc/passwd", mode: 0o777 }, data: Buffer.alloc(0) },
      ...entries,
    ]);
    expect(await reason(tampered)).toBe("member link is a symlink; only regular files are allowed");
  });

  it("rejects hard links and devices", async () => {
    const hardlink = await writeEntries([{ header: { name: "h", type: "link", linkname: "snapshot.json" }, data: Buffer.alloc(0) }]);
    expect(await reason(hardlink)).toBe("member h is a link; only regular files are allowed");
    const device = await writeEntries([{ header: { name: "d", type: "character-device", devmajor: 1, devminor: 3 }, data: Buffer.alloc(0) }]);
    expect(await reason(device)).toBe("member d is a character-device; only regular files are allowed");
  });

  it("rejects a gzip bomb at the decompressed size cap", async () => {
    // 600 concatenated gzip members of 1 MiB of zeros: about 600 KiB that inflate to 600 MiB.
    const member = gzipSync(Buffer.alloc(1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 600 }, () => member));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(await reason(bomb)).toBe(`the archive decompresses to more than ${512 * 1024 * 1024} bytes`);
  });

  it("rejects a member over the size cap", async () => {
    const bundle = await buildBundle(makeInput(), key, null);
    const limits = { maxMemberBytes: 100, maxTotalBytes: 1024 * 1024, maxMembers: 100 };
    expect(await reason(bundle.bytes, undefined, limits)).toMatch(/^member [^ ]+ is larger than 100 bytes$/);
  });

  it("reads the decompressed bundle only within the cap", () => {
    const member = gzipSync(Buffer.alloc(1024 * 1024));
    expect(() => gunzipSync(Buffer.concat([member, member]), { maxOutputLength: 1024 * 1024 })).toThrow();
  });
});

describe("bundle chain link", () => {
  it("accepts the bundle that follows the given previous", async () => {
    const first = await buildBundle(makeInput({ runId: "run-1", startedAt: "2026-03-01T10:00:00.000Z" }), key, null);
    const second = await buildBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00.000Z" }), key, { name: first.name, digest: first.digest });
    const previous = await verifyBundleBytes(first.bytes, { publicKey: key.publicKey });
    const bundle = await verifyBundleBytes(second.bytes, { publicKey: key.publicKey });
    expect(() => checkChainLink(bundle, previous)).not.toThrow();
    expect(bundle.previous).toEqual({ name: first.name, digest: first.digest });
  });

  it("rejects a reordered chain", async () => {
    const first = await buildBundle(makeInput({ runId: "run-1", startedAt: "2026-03-01T10:00:00.000Z" }), key, null);
    const second = await buildBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00.000Z" }), key, { name: first.name, digest: first.digest });
    const third = await buildBundle(makeInput({ runId: "run-3", startedAt: "2026-03-03T10:00:00.000Z" }), key, { name: second.name, digest: second.digest });
    const verifiedFirst = await verifyBundleBytes(first.bytes, { publicKey: key.publicKey });
    const verifiedThird = await verifyBundleBytes(third.bytes, { publicKey: key.publicKey });
    expect(() => checkChainLink(verifiedThird, verifiedFirst)).toThrow(
      `the chain link is broken: ${third.name} follows ${second.name} (${second.digest}), but the given previous bundle is ${first.name} (${first.digest})`,
    );
  });

  it("reports an invalid bundle file as SOC2_BUNDLE_INVALID with the reason", async () => {
    const dir = await tempDir();
    const bundle = await buildBundle(makeInput(), makeKey(), null);
    const file = path.join(dir, bundle.name);
    await writeFile(file, bundle.bytes);
    const publicFile = path.join(dir, "signer.pub");
    await writeFile(publicFile, key.publicKey.export({ type: "spki", format: "pem" }));

    const error = await openBundle(file, { publicKey: publicFile }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Soc2Error);
    expect((error as Soc2Error).code).toBe("SOC2_BUNDLE_INVALID");
    expect((error as Soc2Error).problems[0]?.message).toBe(`the signature does not verify with key ${key.keyid}`);
  });

  it("requires a public key to open a bundle", async () => {
    await expect(openBundle("x.tar.gz", {})).rejects.toThrow("verifying bundle x.tar.gz needs the signer's public key");
  });
});
