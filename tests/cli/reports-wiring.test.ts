import type { KeyObject } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/context.js";
import { run } from "../../src/cli/main.js";
import { captureIO } from "../helpers/cli.js";
import { buildBundle, openStore, writeBundle, type SigningKey } from "../../src/evidence/index.js";
import { loadHistory } from "../../src/reports/history.js";
import { makeInput, makeKey } from "../evidence/fixtures.js";
import { FakeS3 } from "../fakes/s3-store/server.js";

/** The plug-in control the CLI tests share, next to the plug-in source it reads. */
const LAPTOP_CONTROL = await readFile(path.join(import.meta.dirname, "fixtures/laptops-encrypted.yaml"), "utf8");

/** A manual control with no attestation recorded: pending, so in scope but not evaluated. */
const REVIEW_CONTROL = [
  "id: device-review",
  "title: Devices are reviewed every quarter",
  "description: A person confirms that every laptop still belongs to a current employee.",
  "type: manual",
  "criteria: [{ id: CC6.2, link: direct, why: removes devices of people who left }]",
  "category: security",
  "severity: low",
  "owner: it",
  "frequency: quarterly",
  "attestation: { kind: device-review, every: quarterly }",
].join("\n");

/** Creates a repository with the inventory plug-in source and the given controls. */
async function workspace(controls: Record<string, string> = { "laptops-encrypted": LAPTOP_CONTROL }, extraConfig: string[] = []): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "soc2-wiring-"));
  await cp(path.join(import.meta.dirname, "fixtures/inventory-source.mjs"), path.join(dir, "inventory-source.mjs"));
  await mkdir(path.join(dir, "controls"));
  await writeFile(path.join(dir, "soc2.config.yaml"), [
    "version: 1",
    "collector_modules: [./inventory-source.mjs]",
    "sources:",
    "  inventory: { file_env: LAPTOPS }",
    ...extraConfig,
  ].join("\n"));
  for (const [id, text] of Object.entries(controls)) await writeFile(path.join(dir, `controls/${id}.yaml`), text);
  return dir;
}

function laptops(encrypted: Record<string, boolean>): Record<string, string> {
  return { LAPTOPS: JSON.stringify(Object.entries(encrypted).map(([id, diskEncrypted]) => ({ id, diskEncrypted }))) };
}

/** Writes the JSON results of a run over these laptops to `previous.json` and returns its path. */
async function writeBaseline(dir: string, encrypted: Record<string, boolean>): Promise<string> {
  const io = captureIO(dir, laptops(encrypted));
  await run(["check", "--format", "json", "--output", "previous.json"], io);
  return path.join(dir, "previous.json");
}

describe("check --baseline", () => {
  it("exits 1 when a passing control now fails", async () => {
    const dir = await workspace();
    await writeBaseline(dir, { "mac-1": true, "mac-2": true });

    const io = captureIO(dir, laptops({ "mac-1": true, "mac-2": false }));
    expect(await run(["check", "--baseline", "previous.json"], io)).toBe(1);
    expect(io.err()).toContain("1 regression against the baseline previous.json:\n  laptops-encrypted: was pass, now fail\n");
  });

  it("exits 0 when the same resources already failed", async () => {
    const dir = await workspace();
    await writeBaseline(dir, { "mac-1": true, "mac-2": false });

    const io = captureIO(dir, laptops({ "mac-1": true, "mac-2": false }));
    expect(await run(["check", "--baseline", "previous.json"], io)).toBe(0);
    expect(io.err()).toContain("no regressions against the baseline previous.json\n");
    expect(io.out()).toContain("laptops-encrypted");
  });

  it("exits 1 on a newly failing resource", async () => {
    const dir = await workspace();
    await writeBaseline(dir, { "mac-1": true, "mac-2": false });

    const io = captureIO(dir, laptops({ "mac-1": true, "mac-2": false, "mac-3": false }));
    expect(await run(["check", "--baseline", "previous.json"], io)).toBe(1);
    expect(io.err()).toContain("  laptops-encrypted / mac-3: newly failing (was absent)\n");
    expect(io.err()).not.toContain("mac-2");
  });

  it("exits 3 when a control errors", async () => {
    const dir = await workspace();
    await writeBaseline(dir, { "mac-1": true, "mac-2": false });

    const io = captureIO(dir, {});
    expect(await run(["check", "--baseline", "previous.json"], io)).toBe(3);
    expect(io.err()).toContain("no regressions against the baseline previous.json\n");
  });

  it("does not block on a regression below --fail-on", async () => {
    const dir = await workspace();
    await writeBaseline(dir, { "mac-1": true });

    const io = captureIO(dir, laptops({ "mac-1": false }));
    expect(await run(["check", "--baseline", "previous.json", "--fail-on", "high"], io)).toBe(0);
    expect(io.err()).toContain("  laptops-encrypted: was pass, now fail (medium: below --fail-on high)\n");
  });

  it("exits 2 for a file without the results format", async () => {
    const dir = await workspace();
    await writeFile(path.join(dir, "results.sarif"), JSON.stringify({ version: "2.1.0", runs: [] }));

    const io = captureIO(dir, laptops({ "mac-1": true }));
    expect(await run(["check", "--baseline", "results.sarif"], io)).toBe(2);
    expect(io.err()).toContain('error: baseline results.sarif is not soc2 results JSON: it has no "format" field, expected "soc2.results/v1" [SOC2_INPUT_INVALID]');
    expect(io.out()).toBe("");
  });

  it("exits 2 for another results format version", async () => {
    const dir = await workspace();
    await writeFile(path.join(dir, "old.json"), JSON.stringify({ format: "soc2.results/v0", controls: [] }));

    const io = captureIO(dir, laptops({ "mac-1": true }));
    expect(await run(["check", "--baseline", "old.json"], io)).toBe(2);
    expect(io.err()).toContain('its "format" is "soc2.results/v0", expected "soc2.results/v1"');
  });

  it("exits 2 naming the field of malformed results", async () => {
    const dir = await workspace();
    await writeFile(path.join(dir, "broken.json"), JSON.stringify({ format: "soc2.results/v1", controls: [{ id: "x", status: "passed", findings: [] }] }));

    const io = captureIO(dir, laptops({ "mac-1": true }));
    expect(await run(["check", "--baseline", "broken.json"], io)).toBe(2);
    expect(io.err()).toContain("error: baseline broken.json is not valid soc2 results JSON [SOC2_INPUT_INVALID]");
    expect(io.err()).toMatch(/broken\.json: controls\[0\]\.status: /);
  });

  it("exits 2 for invalid JSON", async () => {
    const dir = await workspace();
    await writeFile(path.join(dir, "truncated.json"), '{"format": "soc2.results/v1", "controls": [');

    const io = captureIO(dir, laptops({ "mac-1": true }));
    expect(await run(["check", "--baseline", "truncated.json"], io)).toBe(2);
    expect(io.err()).toContain("error: cannot read baseline truncated.json: ");
  });

  it("exits 2 for a missing baseline file", async () => {
    const dir = await workspace();
    const io = captureIO(dir, laptops({ "mac-1": true }));
    expect(await run(["check", "--baseline", "nowhere.json"], io)).toBe(2);
    expect(io.err()).toContain("error: cannot read baseline nowhere.json: ENOENT");
  });
});

describe("check on GitHub Actions", () => {
  it("writes annotations after the table and appends the summary", async () => {
    const dir = await workspace();
    const summaryFile = path.join(dir, "step-summary.md");
    await writeFile(summaryFile, "# Earlier step\n");

    const io = captureIO(dir, { ...laptops({ "mac-1": true, "mac-2": false }), GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summaryFile });
    expect(await run(["check"], io)).toBe(1);

    const lines = io.out().trimEnd().split("\n");
    expect(lines.at(-1)).toBe("::error file=controls/laptops-encrypted.yaml,line=1,title=soc2 laptops-encrypted (CC6.1%2C medium)::mac-2: disk is not encrypted");
    expect(lines.filter((line) => line.startsWith("::"))).toHaveLength(1);
    expect(io.out().indexOf("::error")).toBeGreaterThan(io.out().indexOf("laptops-encrypted"));

    const summary = await readFile(summaryFile, "utf8");
    expect(summary.startsWith("# Earlier step\n")).toBe(true);
    expect(summary).toContain("laptops-encrypted");
    expect(summary).toContain("mac-2");
  });

  it("notes a missing GITHUB_STEP_SUMMARY and keeps the exit code", async () => {
    const dir = await workspace();
    const io = captureIO(dir, { ...laptops({ "mac-1": false }), GITHUB_ACTIONS: "true" });
    expect(await run(["check"], io)).toBe(1);
    expect(io.err()).toContain("GitHub step summary not written: GITHUB_STEP_SUMMARY is not set\n");
    expect(io.out()).toContain("::error file=controls/laptops-encrypted.yaml");
  });

  it("keeps JSON on stdout free of annotations", async () => {
    const dir = await workspace();
    const summaryFile = path.join(dir, "step-summary.md");
    const io = captureIO(dir, { ...laptops({ "mac-1": false }), GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summaryFile });
    expect(await run(["check", "--format", "json"], io)).toBe(1);
    expect(JSON.parse(io.out()).controls[0].status).toBe("fail");
    expect(io.err()).toContain("GitHub annotations not written because stdout carries the json report. Write the report with --output or --output-dir to get them.\n");
    expect(await readFile(summaryFile, "utf8")).toContain("laptops-encrypted");
  });

  it("writes no workflow commands elsewhere", async () => {
    const dir = await workspace();
    const io = captureIO(dir, laptops({ "mac-1": false }));
    expect(await run(["check"], io)).toBe(1);
    expect(io.out()).not.toContain("::error");
    expect(io.err()).not.toContain("GitHub");
  });
});

describe("check --min-evaluated", () => {
  const controls = { "laptops-encrypted": LAPTOP_CONTROL, "device-review": REVIEW_CONTROL };

  it("exits 3 below the bound when nothing blocks", async () => {
    const dir = await workspace(controls);
    const io = captureIO(dir, laptops({ "mac-1": true }));
    expect(await run(["check", "--fail-on", "medium", "--min-evaluated", "0.9"], io)).toBe(3);
    expect(io.err()).toContain("evaluated share 50.0% is below --min-evaluated 90.0%\n");
  });

  it("exits 0 without the bound", async () => {
    const dir = await workspace(controls);
    const io = captureIO(dir, laptops({ "mac-1": true }));
    expect(await run(["check", "--fail-on", "medium"], io)).toBe(0);
  });

  it("exits 0 at the bound", async () => {
    const dir = await workspace(controls);
    const io = captureIO(dir, laptops({ "mac-1": true }));
    expect(await run(["check", "--fail-on", "medium", "--min-evaluated", "0.5"], io)).toBe(0);
    expect(io.err()).not.toContain("--min-evaluated");
  });

  it("keeps exit 1 for a blocking failure", async () => {
    const dir = await workspace(controls);
    const io = captureIO(dir, laptops({ "mac-1": false }));
    expect(await run(["check", "--fail-on", "medium", "--min-evaluated", "0.9"], io)).toBe(1);
  });

  it("applies after a baseline finds no regression", async () => {
    const dir = await workspace(controls);
    await writeBaseline(dir, { "mac-1": true });
    const io = captureIO(dir, laptops({ "mac-1": true }));
    expect(await run(["check", "--fail-on", "medium", "--baseline", "previous.json", "--min-evaluated", "0.9"], io)).toBe(3);
  });

  it("exits 2 for a bound outside 0..1", async () => {
    const dir = await workspace(controls);
    const io = captureIO(dir, laptops({ "mac-1": true }));
    expect(await run(["check", "--min-evaluated", "1.5"], io)).toBe(2);
    expect(io.err()).toContain("--min-evaluated must be a share between 0 and 1");
  });
});

/** Writes a public key as PEM into `dir` and returns the file. */
async function writePublicKey(dir: string, key: SigningKey, name = "signer.pub"): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, key.publicKey.export({ type: "spki", format: "pem" }) as string);
  return file;
}

/** Writes one chained bundle per start time into a local store with the real writer, and returns its folder. */
async function storeWithRuns(startTimes: string[], key: SigningKey, dir?: string): Promise<string> {
  const storeDir = dir ?? await mkdtemp(path.join(os.tmpdir(), "soc2-store-"));
  const store = openStore({ kind: "local", path: storeDir }, storeDir, {});
  for (const [index, startedAt] of startTimes.entries()) {
    await writeBundle(makeInput({ runId: `run-${index + 1}`, startedAt }), { store, key, newChain: index === 0 });
  }
  return storeDir;
}

const MARCH_RUNS = ["2026-03-01T10:00:00.000Z", "2026-03-02T10:00:00.000Z", "2026-03-05T10:00:00.000Z", "2026-04-01T10:00:00.000Z"];

describe("soc2 report", () => {
  it("summarizes the verified runs of the period", async () => {
    const key = makeKey();
    const storeDir = await storeWithRuns(MARCH_RUNS, key);
    const publicKey = await writePublicKey(storeDir, key);

    const io = captureIO(storeDir);
    expect(await run(["report", "--from", "2026-03-01", "--to", "2026-03-31", "--store", storeDir, "--key", publicKey], io)).toBe(0);
    expect(io.out()).toContain("## SOC 2 operating effectiveness, 2026-03-01 to 2026-03-31\n");
    expect(io.out()).toContain("3 runs over 31 days; 28 days without any run.\n");
    expect(io.out()).toContain("| `s3-encrypted` | automated | 3 | 0 | 0 | 3 | 0 | 3 (2026-03-01 to 2026-03-05) | 28 | 0 | 0 |\n");
    expect(io.err()).toContain(`verified 4 bundles in ${storeDir}, of which 3 started between 2026-03-01 and 2026-03-31\n`);
  });

  it("writes JSON to a file", async () => {
    const key = makeKey();
    const storeDir = await storeWithRuns(MARCH_RUNS, key);
    const publicKey = await writePublicKey(storeDir, key);

    const io = captureIO(storeDir);
    const args = ["report", "--from", "2026-03-02", "--to", "2026-04-01", "--store", storeDir, "--key", publicKey, "--format", "json", "--output", "out/period.json"];
    expect(await run(args, io)).toBe(0);
    expect(io.out()).toBe("");
    const report = JSON.parse(await readFile(path.join(storeDir, "out/period.json"), "utf8"));
    expect(report.runs).toBe(3);
    expect(report.days).toBe(31);
    expect(report.controls).toHaveLength(1);
    expect(report.controls[0].id).toBe("s3-encrypted");
    expect(report.controls[0].failed).toBe(3);
    expect(report.controls[0].longestFailingStreak).toEqual({ runs: 3, from: "2026-03-02T10:00:00.000Z", to: "2026-04-01T10:00:00.000Z" });
  });

  it("reads the store named by the configuration", async () => {
    const key = makeKey();
    const dir = await mkdtemp(path.join(os.tmpdir(), "soc2-report-"));
    await writeFile(path.join(dir, "soc2.config.yaml"), "version: 1\nevidence:\n  store: { kind: local, path: audit/bundles }\n");
    await storeWithRuns(MARCH_RUNS.slice(0, 2), key, path.join(dir, "audit/bundles"));
    const publicKey = await writePublicKey(dir, key);

    const io = captureIO(dir);
    expect(await run(["report", "--from", "2026-03-01", "--to", "2026-03-01", "--key", publicKey], io)).toBe(0);
    expect(io.out()).toContain("1 runs over 1 days; 0 days without any run.\n");
  });

  it("exits 2 naming a bundle signed by another key", async () => {
    const key = makeKey();
    const storeDir = await storeWithRuns(MARCH_RUNS.slice(0, 2), key);
    const store = openStore({ kind: "local", path: storeDir }, storeDir, {});
    // The writer refuses to extend a head signed by another key, so the intruder's bundle is put
    // into the store directly, as someone with write access to it could.
    const intruder = await buildBundle(makeInput({ runId: "intruder", startedAt: "2026-03-03T10:00:00.000Z" }), makeKey(), null);
    await store.putBundle(intruder.name, intruder.bytes);
    const publicKey = await writePublicKey(storeDir, key);

    const io = captureIO(storeDir);
    expect(await run(["report", "--from", "2026-03-01", "--to", "2026-03-31", "--store", storeDir, "--key", publicKey], io)).toBe(2);
    expect(io.err()).toContain(`error: bundle ${storeDir}/20260303T100000Z-intruder.tar.gz is invalid: `);
    expect(io.err()).toContain("[SOC2_BUNDLE_INVALID]");
    expect(io.out()).toBe("");
  });

  it("exits 2 naming an altered bundle", async () => {
    const key = makeKey();
    const storeDir = await storeWithRuns(MARCH_RUNS.slice(0, 2), key);
    const name = "20260302T100000Z-run-2.tar.gz";
    const bytes = await readFile(path.join(storeDir, name));
    const offset = bytes.length - 10;
    bytes.writeUInt8(bytes.readUInt8(offset) ^ 0xff, offset);
    await writeFile(path.join(storeDir, name), bytes);
    const publicKey = await writePublicKey(storeDir, key);

    const io = captureIO(storeDir);
    expect(await run(["report", "--from", "2026-03-01", "--to", "2026-03-31", "--store", storeDir, "--key", publicKey], io)).toBe(2);
    expect(io.err()).toContain(`error: bundle ${storeDir}/${name} is invalid: `);
  });

  it("exits 2 without --key", async () => {
    const io = captureIO(os.tmpdir());
    expect(await run(["report", "--from", "2026-03-01", "--to", "2026-03-31", "--store", os.tmpdir()], io)).toBe(2);
    expect(io.err()).toContain("required option '--key <file>' not specified");
  });

  it("exits 2 for a period that ends before it starts", async () => {
    const key = makeKey();
    const storeDir = await storeWithRuns(MARCH_RUNS.slice(0, 1), key);
    const publicKey = await writePublicKey(storeDir, key);
    const io = captureIO(storeDir);
    expect(await run(["report", "--from", "2026-03-31", "--to", "2026-03-01", "--store", storeDir, "--key", publicKey], io)).toBe(2);
    expect(io.err()).toContain("error: --to 2026-03-01 is before --from 2026-03-31 [SOC2_USAGE]");
  });

  it("warns about an empty store", async () => {
    const key = makeKey();
    const dir = await mkdtemp(path.join(os.tmpdir(), "soc2-report-"));
    const publicKey = await writePublicKey(dir, key);
    const io = captureIO(dir);
    expect(await run(["report", "--from", "2026-03-01", "--to", "2026-03-02", "--store", path.join(dir, "nothing"), "--key", publicKey], io)).toBe(0);
    expect(io.out()).toContain("0 runs over 2 days; 2 days without any run.\n");
    expect(io.err()).toContain(`warning: evidence store ${path.join(dir, "nothing")} has no bundles. Check --store, or evidence.store in the configuration.\n`);
  });
});

describe("soc2 report over S3", () => {
  const s3 = new FakeS3();
  let env: Record<string, string>;

  beforeAll(async () => {
    const endpoint = await s3.start();
    env = { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: "AKIDFAKEFAKEFAKE", AWS_SECRET_ACCESS_KEY: "fake-secret", AWS_REGION: "eu-west-1", AWS_EC2_METADATA_DISABLED: "true" };
  });
  afterAll(() => s3.stop());

  it("reads every bundle under the prefix", async () => {
    s3.bucket("period-evidence");
    const key = makeKey();
    const store = openStore({ kind: "s3", bucket: "period-evidence", prefix: "soc2" }, "/", env);
    for (const [index, startedAt] of MARCH_RUNS.entries()) {
      await writeBundle(makeInput({ runId: `run-${index + 1}`, startedAt }), { store, key, newChain: index === 0 });
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), "soc2-report-"));
    const publicKey = await writePublicKey(dir, key);

    const io = captureIO(dir, env);
    expect(await run(["report", "--from", "2026-03-01", "--to", "2026-03-31", "--store", "s3://period-evidence/soc2", "--key", publicKey], io)).toBe(0);
    expect(io.out()).toContain("3 runs over 31 days; 28 days without any run.\n");
    expect(io.err()).toContain("verified 4 bundles in s3://period-evidence/soc2, of which 3 started between 2026-03-01 and 2026-03-31\n");
  });

  it("exits 2 when the bucket denies access, printing no report", async () => {
    s3.bucket("denied-evidence");
    const dir = await mkdtemp(path.join(os.tmpdir(), "soc2-report-"));
    const publicKey = await writePublicKey(dir, makeKey());
    s3.failWith = { status: 403, code: "AccessDenied" };
    try {
      const io = captureIO(dir, env);
      expect(await run(["report", "--from", "2026-03-01", "--to", "2026-03-31", "--store", "s3://denied-evidence", "--key", publicKey], io)).toBe(2);
      expect(io.err()).toContain("error: evidence store s3://denied-evidence: listing bundles failed (AccessDenied: injected failure) [SOC2_STORE_FAILED]");
      expect(io.out()).toBe("");
    } finally {
      s3.failWith = null;
    }
  });
});

describe("loadHistory", () => {
  it("returns score and counts oldest first", async () => {
    const key = makeKey();
    const storeDir = await storeWithRuns(MARCH_RUNS.slice(0, 2), key);
    const history = await loadHistory(openStore({ kind: "local", path: storeDir }, storeDir, {}), key.publicKey);
    expect(history).toEqual([
      { at: "2026-03-01T10:00:04.000Z", score: 0, counts: { pass: 0, fail: 1, waived: 0, error: 0, pending: 0, "not-applicable": 0, skipped: 0 } },
      { at: "2026-03-02T10:00:04.000Z", score: 0, counts: { pass: 0, fail: 1, waived: 0, error: 0, pending: 0, "not-applicable": 0, skipped: 0 } },
    ]);
  });

  it("skips unreadable bundles with a warning", async () => {
    const key = makeKey();
    const storeDir = await storeWithRuns(MARCH_RUNS.slice(0, 2), key);
    await writeFile(path.join(storeDir, "20260303T100000Z-garbage.tar.gz"), "not a bundle");
    const warnings: string[] = [];
    const history = await loadHistory(openStore({ kind: "local", path: storeDir }, storeDir, {}), null, { warn: (message) => warnings.push(message) });
    expect(history.map((point) => point.at)).toEqual(["2026-03-01T10:00:04.000Z", "2026-03-02T10:00:04.000Z"]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`skipped bundle 20260303T100000Z-garbage.tar.gz of ${storeDir} in the trend: `);
  });

  it("skips bundles signed by another key", async () => {
    const storeDir = await storeWithRuns(MARCH_RUNS.slice(0, 2), makeKey());
    const warnings: string[] = [];
    const other: KeyObject = makeKey().publicKey;
    const history = await loadHistory(openStore({ kind: "local", path: storeDir }, storeDir, {}), other, { warn: (message) => warnings.push(message) });
    expect(history).toEqual([]);
    expect(warnings).toHaveLength(2);
  });

  it("reads only the newest bundles up to the limit", async () => {
    const storeDir = await storeWithRuns(MARCH_RUNS, makeKey());
    const history = await loadHistory(openStore({ kind: "local", path: storeDir }, storeDir, {}), null, { limit: 2 });
    expect(history.map((point) => point.at)).toEqual(["2026-03-05T10:00:04.000Z", "2026-04-01T10:00:04.000Z"]);
  });

  it("returns no points for a missing store folder", async () => {
    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), "soc2-history-")), "absent");
    expect(await loadHistory(openStore({ kind: "local", path: dir }, dir, {}))).toEqual([]);
  });
});

describe("check --format html trend", () => {
  it("shows earlier runs from the evidence store", async () => {
    const dir = await workspace();
    await storeWithRuns(MARCH_RUNS.slice(0, 2), makeKey(), path.join(dir, "evidence/bundles"));

    const io = captureIO(dir, laptops({ "mac-1": true }));
    expect(await run(["check", "--format", "table,html", "--output-dir", "reports"], io)).toBe(0);
    const html = await readFile(path.join(dir, "reports/soc2.html"), "utf8");
    expect(html).toContain("Trend over 3 runs");
    expect(html).toContain("<td>2026-03-01T10:00:04.000Z</td>");
    expect(html).toContain("<td>2026-03-02T10:00:04.000Z</td>");
    expect(io.err()).not.toContain("warning");
  });

  it("shows only this run without a store", async () => {
    const dir = await workspace();
    const io = captureIO(dir, laptops({ "mac-1": true }));
    expect(await run(["check", "--format", "html", "--output", "dashboard.html"], io)).toBe(0);
    expect(await readFile(path.join(dir, "dashboard.html"), "utf8")).toContain("Trend over 1 run</h2>");
    expect(io.err()).toBe("");
  });

  it("warns and shows only this run when the store cannot be listed", async () => {
    const dir = await workspace(undefined, ["evidence:", "  store: { kind: local, path: not-a-folder }"]);
    await writeFile(path.join(dir, "not-a-folder"), "a file where the store should be");

    const io = captureIO(dir, laptops({ "mac-1": false }));
    expect(await run(["check", "--format", "html", "--output", "dashboard.html"], io)).toBe(1);
    expect(await readFile(path.join(dir, "dashboard.html"), "utf8")).toContain("Trend over 1 run</h2>");
    expect(io.err()).toMatch(/^warning: the dashboard has no trend because evidence store .*not-a-folder: listing bundles failed \(ENOTDIR: /m);
  });
});
