import { mkdtemp, readdir, readFile, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/context.js";
import { run } from "../../src/cli/main.js";

function io(cwd: string, now: string): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text), env: {}, cwd, isTTY: false, now: () => new Date(now) };
}

/** Creates a fresh repository with `soc2 init`, so the commands run against the shipped catalog. */
async function repository(): Promise<string> {
  const parent = await mkdtemp(path.join(os.tmpdir(), "soc2-cli-"));
  expect(await run(["init", "repo"], io(parent, "2026-12-04T10:00:00Z"))).toBe(0);
  return path.join(parent, "repo");
}

async function status(dir: string, now: string): Promise<{ due: Array<{ id: string; state: string; dueAt: string | null; detail: string }> }> {
  const cli = io(dir, now);
  expect(await run(["status", "--json", "--within", "0"], cli)).toBe(0);
  return JSON.parse(cli.out.join(""));
}

describe("soc2 attest", () => {
  it("records an attestation the status then counts", async () => {
    const dir = await repository();
    await writeFile(path.join(dir, "restore.log"), "restore finished in 130 minutes\n");
    const cli = io(dir, "2026-12-04T10:00:00Z");
    const code = await run(["attest", "restore-test-monthly", "--by", "infrastructure-lead", "--date", "2026-12-02", "--file", "restore.log", "--metric", "rto_minutes=130", "--metric", "rpo_minutes=20", "--note", "isolated instance"], cli);

    expect(cli.err.join("")).toBe("");
    expect(code).toBe(0);
    expect(cli.out.join("")).toMatch(/^recorded evidence\/attestations\/restore-test\/2026-12-02-[0-9a-f]{8}\.yaml for restore-test-monthly \(monthly restore-test, 1 file\(s\) hashed and stored\)\n$/);
    const record = await readFile(path.join(dir, cli.out.join("").split(" ")[1]!), "utf8");
    expect(record).toContain("rto_minutes: 130");

    const report = await status(dir, "2026-12-04T10:00:00Z");
    expect(report.due.find((item) => item.id === "restore-test-monthly")).toBeUndefined();
  });

  it("status turns overdue after the next period ends", async () => {
    const dir = await repository();
    expect(await run(["attest", "restore-test-monthly", "--by", "x", "--date", "2026-12-02"], io(dir, "2026-12-04T10:00:00Z"))).toBe(0);

    const lastDay = await status(dir, "2027-01-31T23:59:59Z");
    expect(lastDay.due.find((item) => item.id === "restore-test-monthly")).toMatchObject({ state: "due-soon", dueAt: "2027-01-31" });
    const dayAfter = await status(dir, "2027-02-01T00:00:00Z");
    expect(dayAfter.due.find((item) => item.id === "restore-test-monthly")).toMatchObject({ state: "overdue", dueAt: "2027-01-31" });
  });

  it("status shows a tampered attachment", async () => {
    const dir = await repository();
    await writeFile(path.join(dir, "tabletop.md"), "scenario: ransomware on the database\n");
    const cli = io(dir, "2026-12-04T10:00:00Z");
    expect(await run(["attest", "incident-tabletop-annual", "--by", "security-officer", "--date", "2026-11-12", "--file", "tabletop.md"], cli)).toBe(0);
    const stored = (await readFile(path.join(dir, cli.out.join("").split(" ")[1]!), "utf8")).match(/stored: (\S+)/)![1]!;
    await writeFile(path.join(dir, stored), "scenario: a different one\n");

    const report = await status(dir, "2026-12-04T10:00:00Z");
    expect(report.due.find((item) => item.id === "incident-tabletop-annual")).toMatchObject({ state: "overdue", detail: expect.stringContaining("attached file tabletop.md changed after recording") });
  });

  it("status shows a missing attachment", async () => {
    const dir = await repository();
    await writeFile(path.join(dir, "tabletop.md"), "scenario: ransomware on the database\n");
    const cli = io(dir, "2026-12-04T10:00:00Z");
    expect(await run(["attest", "incident-tabletop-annual", "--by", "security-officer", "--date", "2026-11-12", "--file", "tabletop.md"], cli)).toBe(0);
    const stored = (await readFile(path.join(dir, cli.out.join("").split(" ")[1]!), "utf8")).match(/stored: (\S+)/)![1]!;
    await unlink(path.join(dir, stored));

    const report = await status(dir, "2026-12-04T10:00:00Z");
    const item = report.due.find((entry) => entry.id === "incident-tabletop-annual");
    expect(item).toMatchObject({ state: "overdue", detail: expect.stringContaining("attached file tabletop.md missing from the evidence store") });
    expect(item!.detail).not.toContain("changed after recording");
  });

  const invalidOptions: Array<[string, string[], RegExp]> = [
    ["empty --by", ["--by", ""], /--by is empty/],
    ["blank --by", ["--by", "  "], /--by is empty/],
    ["empty --note", ["--by", "x", "--note", ""], /--note is empty/],
    ["unreadable second --file", ["--by", "x", "--file", "absent.log"], /--file .*absent\.log could not be read/],
  ];
  for (const [name, options, message] of invalidOptions) {
    it(`rejects ${name} and stores nothing`, async () => {
      const dir = await repository();
      await writeFile(path.join(dir, "x.log"), "restore finished\n");
      const cli = io(dir, "2026-12-04T10:00:00Z");
      const code = await run(["attest", "restore-test-monthly", "--date", "2026-12-01", "--file", "x.log", ...options], cli);

      expect(code).toBe(2);
      expect(cli.err.join("")).toMatch(message);
      expect(cli.err.join("")).not.toContain("internal error");
      const stored = await readdir(path.join(dir, "evidence", "attestations"));
      expect(stored.filter((name) => name !== ".gitkeep")).toEqual([]);
    });
  }

  const rejected: Array<[string, string[], RegExp]> = [
    ["unknown control", ["attest", "no-such-control", "--by", "x", "--date", "2026-12-01"], /control "no-such-control" not found/],
    ["automated control", ["attest", "incident-response-times", "--by", "x", "--date", "2026-12-01"], /is automated, not manual/],
    ["future date", ["attest", "restore-test-monthly", "--by", "x", "--date", "2026-12-05"], /is in the future \(today is 2026-12-04 UTC\)/],
    ["impossible date", ["attest", "restore-test-monthly", "--by", "x", "--date", "2026-11-31"], /is not a real calendar date/],
    ["malformed metric", ["attest", "restore-test-monthly", "--by", "x", "--date", "2026-12-01", "--metric", "RTO=fast"], /--metric RTO=fast is invalid/],
  ];
  for (const [name, argv, message] of rejected) {
    it(`rejects ${name}`, async () => {
      const dir = await repository();
      const cli = io(dir, "2026-12-04T10:00:00Z");
      expect(await run(argv, cli)).toBe(2);
      expect(cli.err.join("")).toMatch(message);
    });
  }
});

describe("soc2 incident record", () => {
  it("writes a record under evidence/incidents", async () => {
    const dir = await repository();
    const cli = io(dir, "2026-12-04T10:00:00Z");
    const code = await run(["incident", "record", "--severity", "1", "--detected", "2026-11-20T08:00:00Z", "--responded", "2026-11-20T08:50:00Z", "--notified", "customers,regulators", "--breach", "--summary", "credential stuffing"], cli);
    expect(cli.err.join("")).toBe("");
    expect(code).toBe(0);
    expect(cli.out.join("")).toMatch(/^recorded evidence\/incidents\/2026-11-20-[0-9a-f]{8}\.yaml \(severity 1, responded after 50 min\)\n$/);
  });

  it("rejects severity 4", async () => {
    const dir = await repository();
    const cli = io(dir, "2026-12-04T10:00:00Z");
    expect(await run(["incident", "record", "--severity", "4", "--detected", "2026-11-20T08:00:00Z", "--responded", "2026-11-20T08:50:00Z", "--summary", "x"], cli)).toBe(2);
    expect(cli.err.join("")).toContain("expected 1 (breach or compromise)");
  });
});

describe("soc2 coverage", () => {
  it("lists all criteria as JSON", async () => {
    const dir = await repository();
    const cli = io(dir, "2026-12-04T10:00:00Z");
    expect(await run(["coverage", "--json"], cli)).toBe(0);
    const coverage = JSON.parse(cli.out.join(""));
    expect(coverage.criteria).toHaveLength(61);
    expect(coverage.inScope).toBe(61);
    expect(coverage.percent).toBe(Math.floor((coverage.covered * 1000) / 61) / 10);
  });

  it("exits 1 below the minimum", async () => {
    const dir = await repository();
    const cli = io(dir, "2026-12-04T10:00:00Z");
    await writeFile(path.join(dir, "soc2.config.yaml"), "version: 1\nscope: [security]\n");
    expect(await run(["coverage", "--controls", "controls/people", "--min", "100"], cli)).toBe(1);
    expect(cli.out.join("")).toMatch(/of 33 criteria in scope have at least one control/);
  });
});
