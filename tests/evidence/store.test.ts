import { createHash } from "node:crypto";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectChain, openStore, writeBundle, type EvidenceStore } from "../../src/evidence/index.js";
import { headSignatureProblem, parseHead, signHead, type ChainHead } from "../../src/evidence/head.js";
import { HeadChangedError } from "../../src/evidence/store.js";
import { HEAD_UPDATE_ATTEMPTS } from "../../src/evidence/write.js";
import { FakeS3 } from "../fakes/s3-store/server.js";
import { DeletingS3Proxy } from "./s3-delete-proxy.js";
import { makeInput, makeKey, tempDir, verifyBundle } from "./fixtures.js";

const key = makeKey();

/** Wraps a store so that every head update loses the race to another run, and records each delete. */
function alwaysRacedStore(inner: EvidenceStore): EvidenceStore & { deleted: string[] } {
  const deleted: string[] = [];
  return {
    deleted,
    describe: () => inner.describe(),
    readHead: () => inner.readHead(),
    writeHead: async () => {
      throw new HeadChangedError(inner.describe());
    },
    putBundle: (name, bytes) => inner.putBundle(name, bytes),
    deleteBundle: async (name) => {
      deleted.push(name);
      await inner.deleteBundle(name);
    },
    getBundle: (name) => inner.getBundle(name),
    listBundles: () => inner.listBundles(),
  };
}

/** Inputs of `count` runs started a tenth of a second apart, so all of them overlap in time. */
function concurrentInputs(count: number) {
  return Array.from({ length: count }, (_, index) =>
    makeInput({ runId: `ci-${index + 1}`, startedAt: new Date(Date.parse("2026-03-02T10:00:00Z") + index * 100).toISOString() }),
  );
}

describe("local evidence store", () => {
  it("refuses a first bundle without --new-chain", async () => {
    const store = openStore({ kind: "local", path: "bundles" }, await tempDir(), {});
    await expect(writeBundle(makeInput(), { store, key })).rejects.toThrow(/has no chain head \(HEAD\.json\)$/);
  });

  it("chains each bundle to the head and moves the head", async () => {
    const dir = await tempDir();
    const store = openStore({ kind: "local", path: "bundles" }, dir, {});
    const first = await writeBundle(makeInput({ runId: "run-1", startedAt: "2026-03-01T10:00:00Z" }), { store, key, newChain: true });
    const second = await writeBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00Z" }), { store, key });

    expect(first.location).toBe(path.join(dir, "bundles", "20260301T100000Z-run-1.tar.gz"));
    const head = parseHead(await readFile(path.join(dir, "bundles", "HEAD.json"), "utf8"));
    expect(head).toMatchObject({ name: second.name, digest: second.digest });
    expect(headSignatureProblem(head as ChainHead, key.publicKey)).toBeNull();

    const bytes = await readFile(second.location);
    expect(`sha256:${createHash("sha256").update(bytes).digest("hex")}`).toBe(second.digest);
    const opened = await verifyBundle(bytes, key);
    expect(opened.previous).toEqual({ name: first.name, digest: first.digest });
    expect((await readdir(path.join(dir, "bundles"))).sort()).toEqual([first.name, second.name, "HEAD.json"].sort());
  });

  it("fails when the head is corrupt", async () => {
    const dir = await tempDir();
    const store = openStore({ kind: "local", path: "." }, dir, {});
    await writeFile(path.join(dir, "HEAD.json"), "{ not json");
    await expect(writeBundle(makeInput(), { store, key })).rejects.toThrow(`chain head ${path.join(dir, "HEAD.json")} is corrupt: it is not valid JSON`);
  });

  it("fails when the head names a missing bundle", async () => {
    const dir = await tempDir();
    const store = openStore({ kind: "local", path: "." }, dir, {});
    const digest = `sha256:${"0".repeat(64)}`;
    await writeFile(path.join(dir, "HEAD.json"), JSON.stringify({ name: "20260101T000000Z-gone.tar.gz", digest }));
    await expect(writeBundle(makeInput(), { store, key })).rejects.toThrow(`chain head names bundle 20260101T000000Z-gone.tar.gz, which is not in ${dir}`);
  });

  it("fails when the head bundle was replaced", async () => {
    const dir = await tempDir();
    const store = openStore({ kind: "local", path: "." }, dir, {});
    const first = await writeBundle(makeInput({ runId: "run-1" }), { store, key, newChain: true });
    await writeFile(first.location, "replaced");
    await expect(writeBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00Z" }), { store, key })).rejects.toThrow(
      /^bundle 20260301T100000Z-run-1\.tar\.gz is sha256:[0-9a-f]{64}, but the chain head records sha256:/,
    );
  });

  it("rejects a head signed by another key", async () => {
    const dir = await tempDir();
    const store = openStore({ kind: "local", path: "." }, dir, {});
    const first = await writeBundle(makeInput({ runId: "run-1" }), { store, key, newChain: true });
    const other = makeKey();
    await store.writeHead(signHead({ name: first.name, digest: first.digest }, other), undefined);

    await expect(writeBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00Z" }), { store, key })).rejects.toThrow(
      `chain head in ${dir} is not signed by this signing key (key id ${key.keyid}): the signature does not verify with key ${key.keyid}`,
    );
    const restarted = await writeBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00Z" }), { store, key, newChain: true });
    expect((await verifyBundle((await store.getBundle(restarted.name))!, key)).previous).toBeNull();
  });

  it("rejects an unsigned head naming a bundle whose writer signs heads", async () => {
    const dir = await tempDir();
    const store = openStore({ kind: "local", path: "." }, dir, {});
    const first = await writeBundle(makeInput({ runId: "run-1" }), { store, key, newChain: true });
    await writeFile(path.join(dir, "HEAD.json"), JSON.stringify({ name: first.name, digest: first.digest }));

    await expect(writeBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00Z" }), { store, key })).rejects.toThrow(
      `chain head in ${dir} is unsigned, but the bundle it names (${first.name}) was written by a soc2 version that signs the head`,
    );
  });

  it("starts a new chain over an unreadable head when told to", async () => {
    const dir = await tempDir();
    const store = openStore({ kind: "local", path: "." }, dir, {});
    await writeFile(path.join(dir, "HEAD.json"), "garbage");
    const written = await writeBundle(makeInput(), { store, key, newChain: true });
    expect((await verifyBundle(await readFile(written.location), key)).previous).toBeNull();
  });

  it("rejects a new chain over a readable head", async () => {
    const dir = await tempDir();
    const store = openStore({ kind: "local", path: "." }, dir, {});
    const first = await writeBundle(makeInput({ runId: "run-1" }), { store, key, newChain: true });
    const refused = writeBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00Z" }), { store, key, newChain: true });

    await expect(refused).rejects.toThrow(
      `evidence store ${dir} already has a chain ending at ${first.name}, and --new-chain applies only when the store has no readable chain head`,
    );
    await expect(refused).rejects.toMatchObject({ code: "SOC2_USAGE" });
    expect(await store.listBundles()).toEqual([first.name]);
    expect((await store.readHead())?.name).toBe(first.name);
  });

  it("starts a new chain over a head naming a missing bundle", async () => {
    const dir = await tempDir();
    const store = openStore({ kind: "local", path: "." }, dir, {});
    await writeFile(path.join(dir, "HEAD.json"), JSON.stringify({ name: "20260101T000000Z-gone.tar.gz", digest: `sha256:${"0".repeat(64)}` }));
    const written = await writeBundle(makeInput(), { store, key, newChain: true });
    expect((await verifyBundle(await readFile(written.location), key)).previous).toBeNull();
    expect((await store.readHead())?.name).toBe(written.name);
  });

  it("starts a new chain over a head naming an altered bundle", async () => {
    const dir = await tempDir();
    const store = openStore({ kind: "local", path: "." }, dir, {});
    const first = await writeBundle(makeInput({ runId: "run-1" }), { store, key, newChain: true });
    await writeFile(first.location, "replaced");
    const written = await writeBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00Z" }), { store, key, newChain: true });
    expect((await store.readHead())?.name).toBe(written.name);
  });

  it("never overwrites an existing bundle", async () => {
    const dir = await tempDir();
    const store = openStore({ kind: "local", path: "." }, dir, {});
    const first = await writeBundle(makeInput(), { store, key, newChain: true });
    await rm(path.join(dir, "HEAD.json"));
    await expect(writeBundle(makeInput(), { store, key, newChain: true })).rejects.toThrow(`bundle ${first.name} already exists in ${dir}`);
  });

  it("leaves no partial file when storing fails", async () => {
    const dir = await tempDir();
    const store = openStore({ kind: "local", path: "." }, dir, {});
    await writeBundle(makeInput(), { store, key, newChain: true });
    await rm(path.join(dir, "HEAD.json"));
    await expect(writeBundle(makeInput(), { store, key, newChain: true })).rejects.toThrow("already exists");
    expect((await readdir(dir)).filter((name) => name.startsWith(".tmp-"))).toEqual([]);
  });
});

describe("concurrent runs on a local store", () => {
  it("land one after another on the chain", async () => {
    const dir = await tempDir();
    const store = openStore({ kind: "local", path: "." }, dir, {});
    const first = await writeBundle(makeInput({ runId: "run-1" }), { store, key, newChain: true });
    const written = await Promise.all(concurrentInputs(HEAD_UPDATE_ATTEMPTS).map((input) => writeBundle(input, { store, key })));

    const report = await inspectChain(store, { publicKey: key.publicKey, maxGapDays: 7, now: new Date("2026-03-03T10:00:00Z") });
    expect(report.problems).toEqual([]);
    expect(report.unlinked).toEqual([]);
    expect(report.chain.map((entry) => entry.name).sort()).toEqual([first.name, ...written.map((bundle) => bundle.name)].sort());
    expect((await readdir(dir)).filter((name) => !name.endsWith(".tar.gz"))).toEqual(["HEAD.json"]);
  });

  it("leave no orphan when some run out of attempts", async () => {
    const dir = await tempDir();
    const store = openStore({ kind: "local", path: "." }, dir, {});
    await writeBundle(makeInput({ runId: "run-1" }), { store, key, newChain: true });
    const outcomes = await Promise.allSettled(concurrentInputs(12).map((input) => writeBundle(input, { store, key })));

    for (const outcome of outcomes) {
      if (outcome.status === "rejected") expect(String(outcome.reason)).toMatch(/changed while this bundle was written, 5 times in a row\. Bundle \S+ was removed/);
    }
    const landed = outcomes.filter((outcome) => outcome.status === "fulfilled").length;
    const report = await inspectChain(store, { publicKey: key.publicKey, maxGapDays: 7, now: new Date("2026-03-03T10:00:00Z") });
    expect(report.problems).toEqual([]);
    expect(report.chain).toHaveLength(landed + 1);
    expect(await store.listBundles()).toHaveLength(landed + 1);
  });

  it("removes its bundle after the last attempt", async () => {
    const dir = await tempDir();
    const inner = openStore({ kind: "local", path: "." }, dir, {});
    const first = await writeBundle(makeInput({ runId: "run-1" }), { store: inner, key, newChain: true });
    const store = alwaysRacedStore(inner);

    await expect(writeBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00Z" }), { store, key })).rejects.toThrow(
      `chain head in ${dir} changed while this bundle was written, ${HEAD_UPDATE_ATTEMPTS} times in a row. Bundle 20260302T100000Z-run-2.tar.gz was removed, so the chain has no trace of this run`,
    );
    expect(store.deleted).toEqual(Array(HEAD_UPDATE_ATTEMPTS).fill("20260302T100000Z-run-2.tar.gz"));
    expect(await inner.listBundles()).toEqual([first.name]);
  });
});

describe("S3 evidence store", () => {
  const s3 = new FakeS3();
  const proxy = new DeletingS3Proxy(s3);
  let env: Record<string, string>;

  beforeAll(async () => {
    const endpoint = await proxy.start();
    env = { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: "AKIDFAKEFAKEFAKE", AWS_SECRET_ACCESS_KEY: "fake-secret", AWS_REGION: "eu-west-1", AWS_EC2_METADATA_DISABLED: "true" };
  });
  afterAll(() => proxy.stop());

  it("writes bundles with a SHA-256 checksum and an Object Lock retention", async () => {
    const bucket = s3.bucket("locked-evidence", { objectLock: { enabled: true, defaultMode: "GOVERNANCE", defaultDays: 1 } });
    const store = openStore({ kind: "s3", bucket: "locked-evidence", prefix: "soc2/", retention_days: 400 }, "/", env);
    const before = Date.now();
    const written = await writeBundle(makeInput(), { store, key, newChain: true });

    expect(written.location).toBe("s3://locked-evidence/soc2/20260301T100000Z-run-1.tar.gz");
    const object = bucket.objects.get("soc2/20260301T100000Z-run-1.tar.gz")!;
    expect(object.checksumSha256).toBe(createHash("sha256").update(object.body).digest("base64"));
    expect(object.lockMode).toBe("GOVERNANCE");
    const retainedDays = (Date.parse(object.retainUntil!) - before) / 86_400_000;
    expect(retainedDays).toBeGreaterThan(399.9);
    expect(retainedDays).toBeLessThan(400.1);
    expect(parseHead(bucket.objects.get("soc2/HEAD.json")!.body.toString())).toMatchObject({ name: written.name, digest: written.digest });
    expect(bucket.objects.get("soc2/HEAD.json")!.lockMode).toBeUndefined();
  });

  it("uses COMPLIANCE when the bucket has no default retention", async () => {
    const bucket = s3.bucket("lock-no-default", { objectLock: { enabled: true } });
    const store = openStore({ kind: "s3", bucket: "lock-no-default", prefix: "", retention_days: 30 }, "/", env);
    await writeBundle(makeInput(), { store, key, newChain: true });
    expect(bucket.objects.get("20260301T100000Z-run-1.tar.gz")!.lockMode).toBe("COMPLIANCE");
  });

  it("writes without retention to a bucket without Object Lock", async () => {
    const bucket = s3.bucket("plain-evidence");
    const store = openStore({ kind: "s3", bucket: "plain-evidence", prefix: "", retention_days: 30 }, "/", env);
    await writeBundle(makeInput(), { store, key, newChain: true });
    expect(bucket.objects.get("20260301T100000Z-run-1.tar.gz")!.lockMode).toBeUndefined();
  });

  it("extends the chain from the stored head and lists every page", async () => {
    s3.bucket("chain-evidence");
    s3.pageSize = 1;
    try {
      const store = openStore({ kind: "s3", bucket: "chain-evidence", prefix: "p" }, "/", env);
      const first = await writeBundle(makeInput({ runId: "run-1" }), { store, key, newChain: true });
      const second = await writeBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00Z" }), { store, key });
      expect(await store.listBundles()).toEqual([first.name, second.name]);
      const opened = await verifyBundle((await store.getBundle(second.name))!, key);
      expect(opened.previous).toEqual({ name: first.name, digest: first.digest });
    } finally {
      s3.pageSize = 1000;
    }
  });

  it("fails instead of starting a chain when the store is unreachable", async () => {
    s3.bucket("down-evidence");
    const store = openStore({ kind: "s3", bucket: "down-evidence", prefix: "" }, "/", env);
    s3.failWith = { status: 403, code: "AccessDenied" };
    try {
      await expect(writeBundle(makeInput(), { store, key })).rejects.toThrow(
        "evidence store s3://down-evidence: reading HEAD.json failed (AccessDenied: injected failure)",
      );
    } finally {
      s3.failWith = null;
    }
  });

  it("rejects a new chain over a readable head", async () => {
    const bucket = s3.bucket("chained-evidence");
    const store = openStore({ kind: "s3", bucket: "chained-evidence", prefix: "" }, "/", env);
    const first = await writeBundle(makeInput({ runId: "run-1" }), { store, key, newChain: true });
    await expect(writeBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00Z" }), { store, key, newChain: true })).rejects.toThrow(
      `evidence store s3://chained-evidence already has a chain ending at ${first.name}`,
    );
    expect([...bucket.objects.keys()].sort()).toEqual([first.name, "HEAD.json"]);
  });

  it("fails when the bucket has no chain head", async () => {
    s3.bucket("empty-evidence");
    const store = openStore({ kind: "s3", bucket: "empty-evidence", prefix: "" }, "/", env);
    await expect(writeBundle(makeInput(), { store, key })).rejects.toThrow("evidence store s3://empty-evidence has no chain head (HEAD.json)");
  });

  it("rejects a head that changed during the write", async () => {
    const bucket = s3.bucket("race-evidence");
    const store = openStore({ kind: "s3", bucket: "race-evidence", prefix: "" }, "/", env);
    const first = await writeBundle(makeInput({ runId: "run-1" }), { store, key, newChain: true });
    const head = (await store.readHead())!;
    bucket.objects.get("HEAD.json")!.etag = '"changed-by-another-run"';
    await expect(store.writeHead(signHead({ name: first.name, digest: first.digest }, key), head)).rejects.toThrow(
      "chain head in s3://race-evidence changed while this bundle was written",
    );
  });

  it("lands concurrent runs one after another", async () => {
    s3.bucket("busy-evidence", { objectLock: { enabled: true, defaultMode: "COMPLIANCE", defaultDays: 1 } });
    const store = openStore({ kind: "s3", bucket: "busy-evidence", prefix: "soc2", retention_days: 30 }, "/", env);
    const first = await writeBundle(makeInput({ runId: "run-1" }), { store, key, newChain: true });
    const written = await Promise.all(concurrentInputs(HEAD_UPDATE_ATTEMPTS).map((input) => writeBundle(input, { store, key })));

    const report = await inspectChain(store, { publicKey: key.publicKey, maxGapDays: 7, now: new Date("2026-03-03T10:00:00Z") });
    expect(report.problems).toEqual([]);
    expect(report.chain.map((entry) => entry.name).sort()).toEqual([first.name, ...written.map((bundle) => bundle.name)].sort());
  });

  it("hides a locked bundle that lost every race behind a delete marker", async () => {
    s3.bucket("raced-evidence", { objectLock: { enabled: true, defaultMode: "COMPLIANCE", defaultDays: 1 } });
    const inner = openStore({ kind: "s3", bucket: "raced-evidence", prefix: "", retention_days: 30 }, "/", env);
    const first = await writeBundle(makeInput({ runId: "run-1" }), { store: inner, key, newChain: true });

    const store = alwaysRacedStore(inner);
    await expect(writeBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00Z" }), { store, key })).rejects.toThrow(
      `${HEAD_UPDATE_ATTEMPTS} times in a row. Bundle 20260302T100000Z-run-2.tar.gz was removed`,
    );
    expect(proxy.deletes.filter((entry) => entry === "/raced-evidence/20260302T100000Z-run-2.tar.gz")).toHaveLength(HEAD_UPDATE_ATTEMPTS);
    expect(proxy.noncurrent.get("raced-evidence/20260302T100000Z-run-2.tar.gz")?.lockMode).toBe("COMPLIANCE");
    const report = await inspectChain(inner, { publicKey: key.publicKey, maxGapDays: 7, now: new Date("2026-03-03T10:00:00Z") });
    expect(report.problems).toEqual([]);
    expect(report.chain.map((entry) => entry.name)).toEqual([first.name]);
  });

  it("names the bundle it could not remove", async () => {
    const bucket = s3.bucket("no-delete-evidence");
    const inner = openStore({ kind: "s3", bucket: "no-delete-evidence", prefix: "" }, "/", env);
    await writeBundle(makeInput({ runId: "run-1" }), { store: inner, key, newChain: true });

    proxy.denyDelete = true;
    try {
      await expect(writeBundle(makeInput({ runId: "run-2", startedAt: "2026-03-02T10:00:00Z" }), { store: alwaysRacedStore(inner), key })).rejects.toThrow(
        "chain head in s3://no-delete-evidence changed while this bundle was written, and removing the bundle failed, so 20260302T100000Z-run-2.tar.gz is left in s3://no-delete-evidence off the chain (evidence store s3://no-delete-evidence: deleting 20260302T100000Z-run-2.tar.gz failed (AccessDenied: not authorized to perform: s3:DeleteObject))",
      );
    } finally {
      proxy.denyDelete = false;
    }
    expect(bucket.objects.has("20260302T100000Z-run-2.tar.gz")).toBe(true);
  });

  it("treats a conflicting concurrent head write as a lost race", async () => {
    const store = openStore({ kind: "s3", bucket: "race-evidence", prefix: "" }, "/", env);
    const head = (await store.readHead())!;
    s3.failWith = { status: 409, code: "ConditionalRequestConflict" };
    try {
      await expect(store.writeHead(head, head)).rejects.toBeInstanceOf(HeadChangedError);
    } finally {
      s3.failWith = null;
    }
  });
});
