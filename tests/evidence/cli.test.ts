import { stat, writeFile, readFile, readdir, mkdir, chmod } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";
import type { CliIO } from "../../src/cli/context.js";
import { loadSigningKey, openStore, writeBundle } from "../../src/evidence/index.js";
import { createHash } from "node:crypto";
import { signEnvelope, type DsseEnvelope } from "../../src/evidence/dsse.js";
import { headDocument, signHead } from "../../src/evidence/head.js";
import type { SigningKey } from "../../src/evidence/index.js";
import { makeInput, makeKey, makeRun, makeSnapshot, readEntries, tempDir, writeEntries } from "./fixtures.js";

/** Time `evidence log` measures the gap to: a day after the newest bundle of `workspace()`. */
const NOW = "2026-03-03T10:00:00Z";

function io(cwd: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIO = { stdout: (text) => void out.push(text), stderr: (text) => void err.push(text), env, cwd, isTTY: false };
  return { io: value, stdout: () => out.join(""), stderr: () => err.join("") };
}

/** Builds a bundle as a soc2 version from before heads were signed wrote it: no `signsHead` in the statement. */
async function unsignedHeadBundle(input: ReturnType<typeof makeInput>, key: SigningKey) {
  const { buildBundle } = await import("../../src/evidence/index.js");
  const built = await buildBundle(input, key, null);
  const entries = await readEntries(built.bytes);
  const signature = entries.find((entry) => entry.header.name === "signature.dsse.json")!;
  const envelope = JSON.parse(signature.data.toString()) as DsseEnvelope;
  const statement = JSON.parse(Buffer.from(envelope.payload, "base64").toString());
  delete statement.predicate.signsHead;
  signature.data = Buffer.from(JSON.stringify(signEnvelope(envelope.payloadType, Buffer.from(JSON.stringify(statement)), key.privateKey, key.keyid)));
  const bytes = await writeEntries(entries);
  return { name: built.name, bytes, digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}` };
}

/** Creates a folder with a key pair from `soc2 keygen` and a chain of two bundles in `store/`. */
async function workspace() {
  const dir = await tempDir();
  const keygen = io(dir);
  expect(await run(["keygen", "--out", "signer"], keygen.io)).toBe(0);
  const key = await loadSigningKey({ file: path.join(dir, "signer.key"), env: {} });
  const store = openStore({ kind: "local", path: "store" }, dir, {});
  const first = await writeBundle(makeInput({ runId: "run-1", startedAt: "2026-03-01T10:00:00Z" }), { store, key, newChain: true });
  const second = await writeBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00Z" }), { store, key });
  return { dir, key, store, first, second };
}

describe("soc2 keygen", () => {
  it.each(["ed25519", "p256"] as const)("writes a %s key pair with a private mode", async (type) => {
    const dir = await tempDir();
    const out = io(dir);
    expect(await run(["keygen", "--type", type, "--out", "keys/ci"], out.io)).toBe(0);
    expect((await stat(path.join(dir, "keys/ci.key"))).mode & 0o777).toBe(0o600);
    expect(await readFile(path.join(dir, "keys/ci.pub"), "utf8")).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(await readFile(path.join(dir, "keys/ci.key"), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const key = await loadSigningKey({ file: path.join(dir, "keys/ci.key"), env: {} });
    expect(key.algorithm).toBe(type === "ed25519" ? "ed25519" : "ecdsa-p256");
    expect(out.stdout()).toContain(`key id ${key.keyid}`);
  });

  it("refuses to overwrite a key", async () => {
    const dir = await tempDir();
    expect(await run(["keygen", "--out", "k"], io(dir).io)).toBe(0);
    const before = await readFile(path.join(dir, "k.key"), "utf8");
    const second = io(dir);
    expect(await run(["keygen", "--out", "k"], second.io)).toBe(2);
    expect(second.stderr()).toContain(`error: ${path.join(dir, "k.key")} already exists; keygen does not overwrite keys [SOC2_USAGE]`);
    expect(await readFile(path.join(dir, "k.key"), "utf8")).toBe(before);
  });
});

describe("signing keys", () => {
  it("rejects a private key readable by others", async () => {
    const dir = await tempDir();
    await run(["keygen", "--out", "k"], io(dir).io);
    await chmod(path.join(dir, "k.key"), 0o644);
    await expect(loadSigningKey({ file: path.join(dir, "k.key"), env: {} })).rejects.toThrow(
      `private key ${path.join(dir, "k.key")} is readable by group or others (mode 0644)`,
    );
  });

  it("reads the key from an environment variable as PEM or base64", async () => {
    const dir = await tempDir();
    await run(["keygen", "--out", "k"], io(dir).io);
    const pem = await readFile(path.join(dir, "k.key"), "utf8");
    const fromPem = await loadSigningKey({ envVar: "SOC2_KEY", env: { SOC2_KEY: pem } });
    const fromBase64 = await loadSigningKey({ envVar: "SOC2_KEY", env: { SOC2_KEY: Buffer.from(pem).toString("base64") } });
    expect(fromBase64.keyid).toBe(fromPem.keyid);
  });

  it("names a missing environment variable", async () => {
    await expect(loadSigningKey({ envVar: "SOC2_KEY", env: {} })).rejects.toThrow("environment variable SOC2_KEY with the signing key is not set");
  });

  it("rejects a key of another algorithm", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    await expect(loadSigningKey({ envVar: "K", env: { K: pem } })).rejects.toThrow("private key in K is a rsa key; expected Ed25519 or ECDSA P-256");
  });
});

describe("soc2 verify", () => {
  it("accepts a valid bundle and its chain link", async () => {
    const { dir, first, second } = await workspace();
    const out = io(dir);
    const code = await run(["verify", second.location, "--key", "signer.pub", "--previous", first.location], out.io);
    expect(out.stderr()).toBe("");
    expect(code).toBe(0);
    expect(out.stdout()).toContain(`bundle ${second.name} is valid`);
    expect(out.stdout()).toContain(`follows ${first.name} (${first.digest}): chain link verified`);
  });

  it("exits 2 and names the tampered member", async () => {
    const { dir, second } = await workspace();
    const entries = await readEntries(await readFile(second.location));
    const tampered = await writeEntries(entries.map((entry) => (entry.header.name === "results.json" ? { ...entry, data: Buffer.from("{}") } : entry)));
    await writeFile(second.location, tampered);
    const out = io(dir);
    expect(await run(["verify", second.location, "--key", "signer.pub"], out.io)).toBe(2);
    expect(out.stderr()).toMatch(
      new RegExp(`^error: bundle ${second.location.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is invalid: member results\\.json does not match its signed digest`),
    );
  });

  it("warns when given the private key", async () => {
    const { dir, second } = await workspace();
    const out = io(dir);
    expect(await run(["verify", second.location, "--key", "signer.key"], out.io)).toBe(0);
    expect(out.stdout()).toContain(`bundle ${second.name} is valid`);
    expect(out.stderr()).toBe(
      `warning: ${path.join(dir, "signer.key")} contains the private signing key, not only the public key. Bundles were checked with its public half, but anyone holding this file can sign bundles: give auditors only the .pub file written by soc2 keygen, and rotate the key if this file left the signer's secret store.\n`,
    );
  });

  it("prints no warning for the public key", async () => {
    const { dir, second } = await workspace();
    const out = io(dir);
    expect(await run(["verify", second.location, "--key", "signer.pub"], out.io)).toBe(0);
    expect(out.stderr()).toBe("");
  });

  it("exits 2 on a broken chain link", async () => {
    const { dir, first, second } = await workspace();
    const out = io(dir);
    expect(await run(["verify", first.location, "--key", "signer.pub", "--previous", second.location], out.io)).toBe(2);
    expect(out.stderr()).toContain(`starts a new chain; it records no previous bundle, but ${second.name} was given`);
  });
});

describe("soc2 evidence log", () => {
  it("lists an intact chain oldest first", async () => {
    const { dir, first, second } = await workspace();
    const out = io(dir);
    expect(await run(["evidence", "log", "--now", NOW, "--store", "store", "--key", "signer.pub"], out.io)).toBe(0);
    const text = out.stdout();
    expect(text.indexOf(first.name)).toBeLessThan(text.indexOf(`   2  ${second.name}`));
    expect(text).toContain("2 bundles, chain intact");
  });

  it("flags a missing bundle", async () => {
    const { dir, store, key, first } = await workspace();
    await writeBundle(makeInput({ runId: "run-3", startedAt: "2026-03-03T10:00:00Z" }), { store, key });
    const { rm } = await import("node:fs/promises");
    await rm(path.join(dir, "store", "20260302T100000Z-run-2.tar.gz"));
    const out = io(dir);
    expect(await run(["evidence", "log", "--now", NOW, "--store", "store", "--key", "signer.pub"], out.io)).toBe(2);
    expect(out.stdout()).toContain("missing: 20260302T100000Z-run-2.tar.gz is missing from the store (named by 20260303T100000Z-run-3.tar.gz)");
    expect(out.stdout()).toContain(`unlinked: ${first.name} is not on the chain from the head (it starts a separate chain)`);
  });

  it("flags an altered bundle", async () => {
    const { dir, first } = await workspace();
    const bytes = await readFile(first.location);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
    await writeFile(first.location, bytes);
    const out = io(dir);
    expect(await run(["evidence", "log", "--now", NOW, "--store", "store"], out.io)).toBe(2);
    expect(out.stdout()).toMatch(new RegExp(`altered: ${first.name.replace(/\./g, "\\.")} is sha256:[0-9a-f]{64}, but 20260302T100000Z-run-2\\.tar\\.gz records ${first.digest}`));
    expect(out.stdout()).toContain(`invalid: ${first.name} is invalid: the archive`);
  });

  it("flags a fork and a reordered run", async () => {
    const { dir, key, first, store } = await workspace();
    // A second writer that read the head before run-2 was written: both follow run-1.
    const { buildBundle } = await import("../../src/evidence/index.js");
    const fork = await buildBundle(makeInput({ runId: "run-fork", startedAt: "2026-02-01T10:00:00Z" }), key, { name: first.name, digest: first.digest });
    await store.putBundle(fork.name, fork.bytes);
    await store.writeHead(signHead({ name: fork.name, digest: fork.digest }, key), undefined);

    const out = io(dir);
    expect(await run(["evidence", "log", "--now", NOW, "--store", "store", "--key", "signer.pub"], out.io)).toBe(2);
    expect(out.stdout()).toContain(`forked: the chain forks after ${first.name}: 20260201T100000Z-run-fork.tar.gz and 20260302T100000Z-run-2.tar.gz both follow it`);
    expect(out.stdout()).toContain(`reordered: 20260201T100000Z-run-fork.tar.gz (started 2026-02-01T10:00:00Z) follows ${first.name}, which started later (2026-03-01T10:00:00Z)`);
  });

  it("accepts overlapping runs in either order", async () => {
    const { dir, store, key } = await workspace();
    await writeBundle(makeInput({ runId: "run-late", startedAt: "2026-03-03T10:00:02Z" }), { store, key });
    await writeBundle(makeInput({ runId: "run-early", startedAt: "2026-03-03T10:00:00Z" }), { store, key });
    const out = io(dir);
    expect(await run(["evidence", "log", "--now", NOW, "--store", "store", "--key", "signer.pub"], out.io)).toBe(0);
    expect(out.stdout()).toContain("4 bundles, chain intact");
  });

  it("flags an unsigned head that cuts the chain", async () => {
    const { dir, first, second } = await workspace();
    const { rm } = await import("node:fs/promises");
    await rm(second.location);
    await writeFile(path.join(dir, "store", "HEAD.json"), JSON.stringify({ name: first.name, digest: first.digest }));
    const out = io(dir);
    expect(await run(["evidence", "log", "--now", NOW, "--store", "store", "--key", "signer.pub"], out.io)).toBe(2);
    expect(out.stdout()).toContain(`head: HEAD.json is unsigned, but ${first.name} was written by a soc2 version that signs the head, so the head was rewritten`);
  });

  it("flags a head signed by another key", async () => {
    const { dir, first, second } = await workspace();
    const { rm } = await import("node:fs/promises");
    await rm(second.location);
    await writeFile(path.join(dir, "store", "HEAD.json"), headDocument(signHead({ name: first.name, digest: first.digest }, makeKey())));
    const out = io(dir);
    expect(await run(["evidence", "log", "--now", NOW, "--store", "store", "--key", "signer.pub"], out.io)).toBe(2);
    expect(out.stdout()).toMatch(/head: HEAD\.json is not signed by key [0-9a-f]{64}: the signature does not verify with key [0-9a-f]{64}\n/);
  });

  it("shows a cut tail as a gap to now", async () => {
    const { dir, key, store, first, second } = await workspace();
    const { rm } = await import("node:fs/promises");
    await rm(second.location);
    await store.writeHead(signHead({ name: first.name, digest: first.digest }, key), undefined);
    const out = io(dir);
    const code = await run(["evidence", "log", "--now", "2026-03-20T10:00:00Z", "--store", "store", "--key", "signer.pub"], out.io);
    expect(out.stdout()).toContain("newest bundle started 2026-03-01T10:00:00Z, 19.0 days ago");
    expect(out.stdout()).toContain(`gap: 19.0 days since the newest bundle ${first.name} (more than 7): runs stopped, or the newest bundles were removed`);
    expect(code).toBe(1);
  });

  it("reads an unsigned head from before heads were signed", async () => {
    const dir = await tempDir();
    await run(["keygen", "--out", "signer"], io(dir).io);
    const key = await loadSigningKey({ file: path.join(dir, "signer.key"), env: {} });
    const store = openStore({ kind: "local", path: "store" }, dir, {});
    const old = await unsignedHeadBundle(makeInput({ runId: "run-1", startedAt: "2026-03-01T10:00:00Z" }), key);
    await store.putBundle(old.name, old.bytes);
    await store.writeHead({ name: old.name, digest: old.digest, envelope: null }, undefined);

    const out = io(dir);
    expect(await run(["evidence", "log", "--now", "2026-03-02T10:00:00Z", "--store", "store", "--key", "signer.pub"], out.io)).toBe(0);
    expect(out.stdout()).toContain("warning: HEAD.json is unsigned (written before soc2 signed the chain head), so a rewritten head cannot be detected; the next bundle written signs it");
    expect(out.stdout()).toContain("1 bundle, chain intact");

    const next = await writeBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00Z" }), { store, key });
    const head = await store.readHead();
    expect(head?.name).toBe(next.name);
    expect(head?.envelope?.signatures[0]?.keyid).toBe(key.keyid);
  });

  it("warns when given the private key", async () => {
    const { dir } = await workspace();
    const out = io(dir);
    expect(await run(["evidence", "log", "--now", NOW, "--store", "store", "--key", "signer.key"], out.io)).toBe(0);
    expect(out.stderr()).toContain(`warning: ${path.join(dir, "signer.key")} contains the private signing key`);
    expect(out.stdout()).toContain("2 bundles, chain intact");
  });

  it("flags a gap in time and exits 1", async () => {
    const dir = await tempDir();
    await run(["keygen", "--out", "signer"], io(dir).io);
    const key = await loadSigningKey({ file: path.join(dir, "signer.key"), env: {} });
    const store = openStore({ kind: "local", path: "store" }, dir, {});
    await writeBundle(makeInput({ runId: "run-1", startedAt: "2026-03-01T10:00:00Z" }), { store, key, newChain: true });
    await writeBundle(makeInput({ runId: "run-2", startedAt: "2026-03-11T10:00:00Z" }), { store, key });
    const out = io(dir);
    expect(await run(["evidence", "log", "--now", NOW, "--store", "store", "--key", "signer.pub", "--max-gap-days", "7"], out.io)).toBe(1);
    expect(out.stdout()).toContain("gap: 10.0 days between 20260301T100000Z-run-1.tar.gz and 20260311T100000Z-run-2.tar.gz (more than 7)");
  });

  it("flags a store without a head", async () => {
    const dir = await tempDir();
    const out = io(dir);
    expect(await run(["evidence", "log", "--store", "empty", "--format", "json"], out.io)).toBe(2);
    expect(JSON.parse(out.stdout()).problems).toEqual([{ kind: "head", bundle: null, message: "the store has no chain head (HEAD.json)" }]);
  });
});

describe("soc2 evidence pack", () => {
  it("packs a finished run into the configured store", async () => {
    const dir = await tempDir();
    await run(["keygen", "--out", "signer"], io(dir).io);
    await mkdir(path.join(dir, "controls/confidentiality"), { recursive: true });
    await mkdir(path.join(dir, "policies"));
    await writeFile(path.join(dir, "controls/confidentiality/s3-encrypted.yaml"), "id: s3-encrypted\n");
    await writeFile(path.join(dir, "policies/access-control.md"), "# Access control\n");
    await writeFile(path.join(dir, "results.json"), JSON.stringify(makeRun()));
    await writeFile(path.join(dir, "snapshot.json"), JSON.stringify(makeSnapshot()));
    await writeFile(path.join(dir, "soc2.config.yaml"), "version: 1\nevidence:\n  store: { kind: local, path: bundles }\n  signing_key_file: signer.key\n");

    const out = io(dir);
    const code = await run(["evidence", "pack", "--from", "results.json", "--snapshot", "snapshot.json", "--run-id", "ci-42", "--new-chain"], out.io);
    expect(out.stderr()).toBe("");
    expect(code).toBe(0);
    expect(out.stdout()).toContain("wrote bundle 20260301T100000Z-ci-42.tar.gz");

    const verify = io(dir);
    expect(await run(["verify", "bundles/20260301T100000Z-ci-42.tar.gz", "--key", "signer.pub"], verify.io)).toBe(0);
    const { openBundle } = await import("../../src/evidence/index.js");
    const opened = await openBundle(path.join(dir, "bundles/20260301T100000Z-ci-42.tar.gz"), { publicKey: path.join(dir, "signer.pub") });
    expect(opened.controls).toEqual([{ path: "controls/confidentiality/s3-encrypted.yaml", content: "id: s3-encrypted\n" }]);
    expect(opened.policies).toEqual([{ path: "policies/access-control.md", content: "# Access control\n" }]);
    expect(opened.metadata.runId).toBe("ci-42");
    expect(opened.reportText.length).toBeGreaterThan(0);
  });

  it("rejects --new-chain when the store has a chain", async () => {
    const { dir } = await workspace();
    await writeFile(path.join(dir, "results.json"), JSON.stringify({ ...makeRun("2026-03-03T10:00:00.000Z", "2026-03-03T10:00:04.000Z"), controls: [] }));
    await writeFile(path.join(dir, "snapshot.json"), JSON.stringify(makeSnapshot()));
    const out = io(dir);
    const args = ["evidence", "pack", "--from", "results.json", "--snapshot", "snapshot.json", "--signing-key", "signer.key", "--store", "store", "--new-chain"];
    expect(await run(args, out.io)).toBe(2);
    expect(out.stderr()).toContain(
      `error: evidence store ${path.join(dir, "store")} already has a chain ending at 20260302T100000Z-run-2.tar.gz, and --new-chain applies only when the store has no readable chain head [SOC2_USAGE]`,
    );
    expect((await readdir(path.join(dir, "store"))).filter((name) => name.endsWith(".tar.gz"))).toHaveLength(2);
  });

  it("refuses to start a chain silently", async () => {
    const dir = await tempDir();
    await run(["keygen", "--out", "signer"], io(dir).io);
    await writeFile(path.join(dir, "results.json"), JSON.stringify({ ...makeRun(), controls: [] }));
    await writeFile(path.join(dir, "snapshot.json"), JSON.stringify(makeSnapshot()));
    const out = io(dir);
    expect(await run(["evidence", "pack", "--from", "results.json", "--snapshot", "snapshot.json", "--signing-key", "signer.key", "--store", "b"], out.io)).toBe(2);
    expect(out.stderr()).toContain(`error: evidence store ${path.join(dir, "b")} has no chain head (HEAD.json) [SOC2_STORE_FAILED]`);
  });
});
