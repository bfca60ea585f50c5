import { execFile } from "node:child_process";
import { mkdtemp, mkdir, readFile, writeFile, cp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";
import { captureIO } from "../helpers/cli.js";
import type { CliIO } from "../../src/cli/context.js";

const root = path.resolve(import.meta.dirname, "../..");
const execFileAsync = promisify(execFile);

describe("soc2 CLI", () => {
  it("lists the 61 criteria by series", async () => {
    const io = captureIO(root);
    expect(await run(["criteria"], io)).toBe(0);
    expect(io.out()).toMatch(/^CC1 Control environment \(security\)$/m);
    expect(io.out()).toMatch(/^ {2}P8\.1 {3}/m);
    expect(io.out()).toMatch(/61 criteria\n$/);
  });

  it("validates the shipped catalog", async () => {
    const io = captureIO(root);
    expect(await run(["validate"], io)).toBe(0);
    expect(io.out()).toMatch(/^\d+ controls valid in scope/);
  });

  it("exits 2 with file, line and field for a malformed control", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "soc2-cli-"));
    await writeFile(path.join(dir, "broken.yaml"), "id: broken\ntitle: 5\n");
    const io = captureIO(root);
    expect(await run(["validate", "--controls", dir], io)).toBe(2);
    expect(io.err()).toMatch(/error: \d+ problems in control files \[SOC2_CONTROL_INVALID\]/);
    expect(io.err()).toContain("broken.yaml:2:8: title: expected string, got number");
    expect(io.out()).toBe("");
  });

  it("exits 2 on an unknown option", async () => {
    const io = captureIO(root);
    expect(await run(["check", "--frobnicate"], io)).toBe(2);
    expect(io.err()).toMatch(/unknown option '--frobnicate'/);
  });

  it.each([
    [["check", "--now", "2026-02-30"], /2026-02-30 is not a calendar date/],
    [["check", "--now", "yesterday"], /expected an ISO-8601 date or time/],
    [["check", "--only", ""], /expected at least one name/],
    [["check", "--only", ","], /expected at least one name/],
    [["check", "--bundle", "--snapshot", "demo/recorded/aws.snapshot.json"], /--bundle cannot be combined with --snapshot/],
    [["check", "--output-dir", "README.md", "--format", "json,junit"], /--output-dir README.md exists and is not a folder/],
    [["check", "--format", "json,junit"], /several formats need --output-dir/],
    [["check", "--format", "yaml"], /unknown format yaml/],
  ])("rejects check %j with exit 2 before evaluating", async (argv, message) => {
    const io = captureIO(root);
    expect(await run(argv, io)).toBe(2);
    expect(io.err()).toMatch(message);
    expect(io.out()).toBe("");
  });

  it("exits 2 on an unknown config key, naming it", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "soc2-cli-"));
    await writeFile(path.join(dir, "soc2.config.yaml"), "version: 1\nsources:\n  postgres:\n    password: hunter2\n");
    const io = captureIO(dir);
    expect(await run(["validate", "--controls", path.join(root, "controls")], io)).toBe(2);
    expect(io.err()).toContain('soc2.config.yaml:4:5: sources.postgres.password: unknown key "password"');
    expect(io.err()).not.toContain("hunter2");
  });

  it("loads no SDK or database driver for --help", async () => {
    const log = path.join(await mkdtemp(path.join(os.tmpdir(), "soc2-imports-")), "imports.txt");
    await writeFile(log, "");
    await execFileAsync(process.execPath, ["--import", path.join(import.meta.dirname, "fixtures/record-imports.mjs"), path.join(root, "bin/soc2.js"), "--help"], {
      env: { ...process.env, SOC2_IMPORT_LOG: log },
    });
    const imported = await readFile(log, "utf8");
    expect(imported).toContain("dist/cli/main.js");
    for (const heavy of ["node_modules/pg/", "@aws-sdk", "@clerk/backend", "@bufbuild/cel", "tar-stream", "node_modules/zod/"]) {
      expect(imported, heavy).not.toContain(heavy);
    }
  });

  it("loads a collector module from the configuration and evaluates its controls", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "soc2-plugin-"));
    await cp(path.join(import.meta.dirname, "fixtures/inventory-source.mjs"), path.join(dir, "inventory-source.mjs"));
    await mkdir(path.join(dir, "controls"));
    await writeFile(path.join(dir, "soc2.config.yaml"), [
      "version: 1",
      "collector_modules: [./inventory-source.mjs]",
      "sources:",
      "  inventory: { file_env: LAPTOPS }",
    ].join("\n"));
    await cp(path.join(import.meta.dirname, "fixtures/laptops-encrypted.yaml"), path.join(dir, "controls/laptops-encrypted.yaml"));
    const io = captureIO(dir, { LAPTOPS: JSON.stringify([{ id: "mac-1", diskEncrypted: true }, { id: "mac-2", diskEncrypted: false }]) });
    expect(await run(["check", "--format", "json"], io)).toBe(1);
    const result = JSON.parse(io.out());
    expect(result.controls[0].status).toBe("fail");
    expect(result.controls[0].findings).toEqual([
      { resource: "mac-1", status: "pass" },
      { resource: "mac-2", status: "fail", message: "disk is not encrypted", assertion: "resource.diskEncrypted", fields: { diskEncrypted: false } },
    ]);
  });
});

describe("colour", () => {
  it.each([
    [{ isTTY: true, env: {} }, true],
    [{ isTTY: false, env: {} }, false],
    [{ isTTY: true, env: { NO_COLOR: "1" } }, false],
    [{ isTTY: true, env: { NO_COLOR: "" } }, true],
    [{ isTTY: true, env: { TERM: "dumb" } }, false],
  ])("useColor(%j) is %s", async (io, expected) => {
    const { useColor } = await import("../../src/cli/options.js");
    expect(useColor({ ...captureIO(root, io.env), isTTY: io.isTTY })).toBe(expected);
  });
});
