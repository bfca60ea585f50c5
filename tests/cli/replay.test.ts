import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";
import { openBundle } from "../../src/evidence/index.js";
import { postgresServer } from "../helpers/postgres.js";
import { captureIO } from "../helpers/cli.js";

const root = path.resolve(import.meta.dirname, "../..");
const NOW = "2026-12-04T12:00:00Z";

/** The demo's configuration with absolute paths and a bundle store in a temp folder. */
async function demoWorkspace(): Promise<{ dir: string; store: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "soc2-replay-test-"));
  const store = path.join(dir, "bundles");
  const demo = await readFile(path.join(root, "demo/soc2.config.yaml"), "utf8");
  const config = demo
    .replace("controls: ../controls", `controls: ${path.join(root, "controls")}`)
    .replace("policies: ../policies", `policies: ${path.join(root, "policies")}`)
    .replace("exceptions: ../exceptions", `exceptions: ${path.join(root, "exceptions")}`)
    .replace("attestations: ../evidence/attestations", `attestations: ${path.join(root, "evidence/attestations")}`)
    .replace("path: ../evidence/bundles", `path: ${store}`)
    .replace("recorded/aws.snapshot.json", path.join(root, "demo/recorded/aws.snapshot.json"))
    .replace("recorded/clerk.snapshot.json", path.join(root, "demo/recorded/clerk.snapshot.json"));
  await writeFile(path.join(dir, "soc2.config.yaml"), config);
  const io = captureIO(dir);
  expect(await run(["keygen", "--out", path.join(dir, "signing")], io)).toBe(0);
  return { dir, store };
}

describe("replaying an evidence bundle", () => {
  it("gives exactly the results recorded in the demo bundle", async () => {
    const { dir, store } = await demoWorkspace();
    const checkIO = captureIO(dir, { DATABASE_URL: postgresServer().readerUrl });
    const exit = await run(["check", "--now", NOW, "--format", "json", "--bundle", "--signing-key", path.join(dir, "signing.key"), "--new-chain"], checkIO);
    expect(checkIO.err()).toMatch(/^wrote evidence bundle \S+\.tar\.gz \(sha256:[0-9a-f]{64}\)/);
    expect(exit).toBe(1);
    const live = JSON.parse(checkIO.out());
    const [bundle] = (await readdir(store)).filter((name) => name.endsWith(".tar.gz"));
    expect(bundle).toBeDefined();
    const opened = await openBundle(path.join(store, bundle!), { publicKey: path.join(dir, "signing.pub") });
    expect(opened.members).toContain("report.html");
    expect(opened.members).toContain("config/soc2.config.yaml");

    const replayIO = captureIO(root, {});
    const replayExit = await run(["check", "--snapshot", path.join(store, bundle!), "--key", path.join(dir, "signing.pub"), "--format", "json"], replayIO);
    expect(replayIO.err()).toBe("");
    expect(replayExit).toBe(exit);
    const replayed = JSON.parse(replayIO.out());
    expect(replayed.now).toBe(live.now);
    expect(replayed.controls.length).toBeGreaterThan(60);
    expect(replayed.controls).toEqual(live.controls);
    expect(replayed.summary).toEqual(live.summary);
  });

  it("rejects a tampered bundle before evaluating anything", async () => {
    const { dir, store } = await demoWorkspace();
    const checkIO = captureIO(dir, { DATABASE_URL: postgresServer().readerUrl });
    expect(await run(["check", "--now", NOW, "--only", "postgres", "--format", "json", "--bundle", "--signing-key", path.join(dir, "signing.key"), "--new-chain"], checkIO), checkIO.err()).toBe(1);
    const [bundle] = (await readdir(store)).filter((name) => name.endsWith(".tar.gz"));
    const tar = gunzipSync(await readFile(path.join(store, bundle!)));
    const text = tar.toString("latin1");
    const at = text.indexOf('"status": "fail"');
    expect(at).toBeGreaterThan(0);
    const tampered = Buffer.from(text.slice(0, at) + '"status": "pass"' + text.slice(at + 16), "latin1");
    const tamperedFile = path.join(dir, "tampered.tar.gz");
    await writeFile(tamperedFile, gzipSync(tampered));

    const io = captureIO(root, {});
    expect(await run(["check", "--snapshot", tamperedFile, "--key", path.join(dir, "signing.pub"), "--format", "json"], io)).toBe(2);
    expect(io.err()).toMatch(/SOC2_BUNDLE_INVALID/);
    expect(io.err()).toMatch(/digest/);
    expect(io.out()).toBe("");
  });
});
