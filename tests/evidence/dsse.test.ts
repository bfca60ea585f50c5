import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { decodeBase64, preAuthEncoding, signEnvelope, verifyEnvelope } from "../../src/evidence/dsse.js";
import { buildBundle } from "../../src/evidence/index.js";
import { makeInput, makeKey, readEntries, tempDir } from "./fixtures.js";

const run = promisify(execFile);

describe("DSSE", () => {
  it("encodes the PAE test vector exactly", () => {
    const pae = preAuthEncoding("http://example.com/HelloWorld", Buffer.from("hello world"));
    expect(pae.toString("utf8")).toBe("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  });

  it("counts lengths in bytes, not characters", () => {
    const pae = preAuthEncoding("t", Buffer.from("é", "utf8"));
    expect(pae).toEqual(Buffer.from("DSSEv1 1 t 2 é", "utf8"));
  });

  it.each(["ed25519", "p256"] as const)("verifies a %s envelope it signed", (type) => {
    const key = makeKey(type);
    const envelope = signEnvelope("application/vnd.in-toto+json", Buffer.from("{}"), key.privateKey, key.keyid);
    const check = verifyEnvelope(envelope, key.publicKey);
    expect(check).toEqual({ ok: true, payload: Buffer.from("{}"), payloadType: "application/vnd.in-toto+json", keyid: key.keyid });
  });

  it("accepts URL-safe base64 and ignores unknown fields", () => {
    const key = makeKey();
    const payload = Buffer.from([0xfb, 0xff, 0xfe, 0x3e]);
    const envelope = signEnvelope("x", payload, key.privateKey, key.keyid);
    const urlSafe = {
      payload: envelope.payload.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
      payloadType: "x",
      signatures: [{ sig: envelope.signatures[0]!.sig.replace(/\+/g, "-").replace(/\//g, "_"), extra: true }],
      unknown: { nested: 1 },
    };
    expect(urlSafe.payload).toContain("-");
    const check = verifyEnvelope(urlSafe, key.publicKey);
    expect(check.ok).toBe(true);
    if (check.ok) expect(check.payload).toEqual(payload);
  });

  it("rejects base64 with foreign characters", () => {
    expect(decodeBase64("aGVsbG8*")).toBeNull();
    expect(decodeBase64("aGVsbG8")).toEqual(Buffer.from("hello"));
  });

  it("rejects a changed payloadType", () => {
    const key = makeKey();
    const envelope = signEnvelope("a", Buffer.from("{}"), key.privateKey, key.keyid);
    expect(verifyEnvelope({ ...envelope, payloadType: "b" }, key.publicKey)).toEqual({
      ok: false,
      reason: `the signature does not verify with key ${key.keyid}`,
    });
  });
});

describe("DSSE with openssl", () => {
  async function exportSignature(type: "ed25519" | "p256"): Promise<string> {
    const key = makeKey(type);
    const bundle = await buildBundle(makeInput(), key, null);
    const signatureEntry = (await readEntries(bundle.bytes)).find((entry) => entry.header.name === "signature.dsse.json")!;
    const envelope = JSON.parse(signatureEntry.data.toString());

    const dir = await tempDir();
    await writeFile(path.join(dir, "pae.bin"), preAuthEncoding(envelope.payloadType, Buffer.from(envelope.payload, "base64")));
    await writeFile(path.join(dir, "sig.bin"), Buffer.from(envelope.signatures[0].sig, "base64"));
    await writeFile(path.join(dir, "pub.pem"), key.publicKey.export({ type: "spki", format: "pem" }));
    return dir;
  }

  it("verifies an Ed25519 bundle signature with openssl pkeyutl", async () => {
    const dir = await exportSignature("ed25519");
    const { stdout } = await run("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "pae.bin", "-sigfile", "sig.bin"], { cwd: dir });
    expect(stdout.trim()).toBe("Signature Verified Successfully");
  });

  it("verifies a P-256 bundle signature with openssl dgst", async () => {
    const dir = await exportSignature("p256");
    const { stdout } = await run("openssl", ["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.bin", "pae.bin"], { cwd: dir });
    expect(stdout.trim()).toBe("Verified OK");
  });

  it("fails openssl verification of a changed PAE", async () => {
    const dir = await exportSignature("ed25519");
    await writeFile(path.join(dir, "pae.bin"), "DSSEv1 1 x 1 y");
    await expect(
      run("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "pae.bin", "-sigfile", "sig.bin"], { cwd: dir }),
    ).rejects.toMatchObject({ stdout: expect.stringContaining("Signature Verification Failure") });
  });
});
