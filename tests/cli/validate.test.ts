import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/context.js";
import { run } from "../../src/cli/main.js";

const NOW = "2026-12-04T10:00:00Z";

function io(cwd: string): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text), env: {}, cwd, isTTY: false, now: () => new Date(NOW) };
}

/** Creates a fresh repository with `soc2 init`, so validate reads the shipped catalog and policy templates. */
async function repository(): Promise<string> {
  const parent = await mkdtemp(path.join(os.tmpdir(), "soc2-validate-"));
  expect(await run(["init", "repo"], io(parent))).toBe(0);
  return path.join(parent, "repo");
}

async function validate(dir: string): Promise<{ code: number; out: string; err: string }> {
  const cli = io(dir);
  const code = await run(["validate"], cli);
  return { code, out: cli.out.join(""), err: cli.err.join("") };
}

const exception = `control: restore-test-monthly
reason: the restore environment is being rebuilt
owner: infrastructure-lead
approver: security-officer
ticket: SEC-7
compensating_control: daily snapshot checks
approved_at: 2026-12-01
expires: 2026-12-31
`;

describe("soc2 validate", () => {
  it("accepts a fresh repository", async () => {
    const dir = await repository();
    await writeFile(path.join(dir, "exceptions", "restore.yaml"), exception);

    const result = await validate(dir);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^\d+ controls valid in scope; configuration valid\. Policy documents, attestation and incident records and exceptions valid\.\n$/);
  });

  it("rejects bad policy front matter at its line", async () => {
    const dir = await repository();
    const file = path.join(dir, "policies", "access-control.md");
    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace(/^review_every: .*$/m, "review_every: weekly"));

    const result = await validate(dir);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/access-control\.md:\d+:\d+: review_every: must be one of: monthly, quarterly, annual/);
  });

  it("rejects a bad exception at its line", async () => {
    const dir = await repository();
    await writeFile(path.join(dir, "exceptions", "future.yaml"), exception.replace("approved_at: 2026-12-01", "approved_at: 2099-01-01"));

    const result = await validate(dir);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`${path.join(dir, "exceptions", "future.yaml")}:7:14: approved_at: 2099-01-01 is after the run's date 2026-12-04`);
  });

  it("rejects a bad attestation record at its line", async () => {
    const dir = await repository();
    await mkdir(path.join(dir, "evidence", "attestations", "restore-test"), { recursive: true });
    const file = path.join(dir, "evidence", "attestations", "restore-test", "2026-12-01-0000abcd.yaml");
    await writeFile(file, "control: restore-test-monthly\nkind: restore-test\nby: x\ndate: 2026-13-01\nrecorded_at: 2026-12-04T10:00:00Z\n");

    const result = await validate(dir);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`${file}:4:7: date: must be a real calendar date YYYY-MM-DD`);
  });

  it("rejects a bad incident record at its line", async () => {
    const dir = await repository();
    await mkdir(path.join(dir, "evidence", "incidents"), { recursive: true });
    const file = path.join(dir, "evidence", "incidents", "2026-11-20-0000abcd.yaml");
    await writeFile(file, "severity: 5\ndetected: 2026-11-20T08:00:00Z\nresponded: 2026-11-20T09:00:00Z\nsummary: x\nrecorded_at: 2026-11-20T10:00:00Z\n");

    const result = await validate(dir);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:1:\\d+: severity: `));
  });

  it("reports problems from every kind of file at once", async () => {
    const dir = await repository();
    await writeFile(path.join(dir, "exceptions", "unknown.yaml"), exception.replace("control: restore-test-monthly", "control: no-such-control"));
    const policy = path.join(dir, "policies", "access-control.md");
    await writeFile(policy, (await readFile(policy, "utf8")).replace(/^owner: .*\n/m, ""));

    const result = await validate(dir);
    expect(result.code).toBe(2);
    expect(result.err).toContain("2 problem(s)");
    expect(result.err).toMatch(/access-control\.md:\d+:\d+: owner: is required/);
    expect(result.err).toMatch(/unknown\.yaml:1:10: control: names unknown control "no-such-control"/);
  });
});
