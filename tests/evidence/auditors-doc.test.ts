import { execFile } from "node:child_process";
import { chmod, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { buildBundle } from "../../src/evidence/index.js";
import { makeInput, makeKey, readEntries, tempDir, writeEntries } from "./fixtures.js";

const run = promisify(execFile);

async function scriptFromDocs(dir: string): Promise<string> {
  const doc = await readFile(new URL("../../docs/auditors.md", import.meta.url), "utf8");
  const block = /<!-- verify-script:start -->\n```sh\n([\s\S]*?)```\n<!-- verify-script:end -->/.exec(doc);
  if (!block) throw new Error("docs/auditors.md has no verify script block");
  const file = path.join(dir, "verify-bundle.sh");
  await writeFile(file, block[1]!);
  await chmod(file, 0o755);
  return file;
}

async function bundleFiles(type: "ed25519" | "p256", tamper?: (entries: Awaited<ReturnType<typeof readEntries>>) => typeof entries) {
  const dir = await tempDir();
  const key = makeKey(type);
  const bundle = await buildBundle(makeInput(), key, null);
  const bytes = tamper ? await writeEntries(tamper(await readEntries(bundle.bytes))) : bundle.bytes;
  await writeFile(path.join(dir, bundle.name), bytes);
  await writeFile(path.join(dir, "signer.pub"), key.publicKey.export({ type: "spki", format: "pem" }));
  return { dir, name: bundle.name, script: await scriptFromDocs(dir) };
}

describe("auditors' standard-tools script", () => {
  it.each(["ed25519", "p256"] as const)("verifies a %s bundle", async (type) => {
    const { dir, name, script } = await bundleFiles(type);
    const { stdout } = await run("sh", [script, name, "signer.pub"], { cwd: dir });
    expect(stdout).toContain(`OK: ${name}, previous: none`);
  });

  it("fails on a changed member", async () => {
    const { dir, name, script } = await bundleFiles("ed25519", (entries) =>
      entries.map((entry) => (entry.header.name === "snapshot.json" ? { ...entry, data: Buffer.from("{}\n") } : entry)),
    );
    await expect(run("sh", [script, name, "signer.pub"], { cwd: dir })).rejects.toMatchObject({ stdout: expect.stringContaining("snapshot.json: FAILED") });
  });

  it("fails on a symlink member before extracting", async () => {
    const { dir, name, script } = await bundleFiles("ed25519", (entries) => [
      { header: { name: "evil", type: "symlink", linkname: "/etc/passwd" }, data: Buffer.alloc(0) },
      ...entries,
    ]);
    await expect(run("sh", [script, name, "signer.pub"], { cwd: dir })).rejects.toMatchObject({ stderr: expect.stringContaining("FAIL: archive has a non-regular member") });
  });
});
