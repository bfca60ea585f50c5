import { createHash } from "node:crypto";
import { mkdtemp, readFile, writeFile, mkdir, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { attestationsCollector } from "../../src/collectors/files/attestations.js";
import type { CollectContext } from "../../src/collectors/types.js";
import { Soc2Error } from "../../src/errors.js";
import { readAttestations, recordAttestation } from "../../src/attestations/store.js";

async function repo(): Promise<{ root: string; dir: string; report: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), "soc2-attest-"));
  const report = path.join(root, "restore-report.txt");
  await writeFile(report, "restored prod snapshot in 2h10m; data loss 20 minutes\n");
  return { root, dir: path.join(root, "evidence", "attestations"), report };
}

const now = new Date("2026-12-04T10:00:00Z");

function context(source: Record<string, unknown>): CollectContext<any> {
  return {
    source,
    args: undefined,
    env: {},
    now,
    classify: () => [],
    shared: async (_key, open) => open(),
    debug: () => {},
    signal: new AbortController().signal,
  };
}

describe("recordAttestation", () => {
  it("writes the record and a hashed copy", async () => {
    const { root, dir, report } = await repo();
    const { file, record } = await recordAttestation({
      rootDir: root, attestationsDir: dir, control: "restore-test-monthly", kind: "restore-test",
      by: "infrastructure-lead", date: "2026-12-01", note: "RTO 2h10m, RPO 20m", metrics: { rto_minutes: 130, rpo_minutes: 20 }, files: [report], now,
    });

    const sha256 = createHash("sha256").update(await readFile(report)).digest("hex");
    expect(path.relative(dir, file)).toMatch(/^restore-test\/2026-12-01-[0-9a-f]{8}\.yaml$/);
    expect(record.files).toEqual([{ name: "restore-report.txt", sha256, stored: `evidence/attestations/files/${sha256}-restore-report.txt` }]);
    expect(await readFile(path.join(root, record.files[0]!.stored), "utf8")).toContain("restored prod snapshot");
    expect(parse(await readFile(file, "utf8"))).toEqual({
      control: "restore-test-monthly", kind: "restore-test", by: "infrastructure-lead", date: "2026-12-01",
      recorded_at: "2026-12-04T10:00:00.000Z", note: "RTO 2h10m, RPO 20m", metrics: { rto_minutes: 130, rpo_minutes: 20 }, files: record.files,
    });
  });

  it("rejects an impossible date", async () => {
    const { root, dir } = await repo();
    await expect(recordAttestation({ rootDir: root, attestationsDir: dir, control: "c", kind: "k", by: "x", date: "2026-02-29", files: [], now }))
      .rejects.toThrow(/real calendar date/);
  });

  it("rejects an unreadable attachment", async () => {
    const { root, dir } = await repo();
    await expect(recordAttestation({ rootDir: root, attestationsDir: dir, control: "c", kind: "k", by: "x", date: "2026-12-01", files: [path.join(root, "absent.pdf")], now }))
      .rejects.toThrow(Soc2Error);
  });
});

describe("files.attestations collector", () => {
  it("returns one resource per record", async () => {
    const { root, dir, report } = await repo();
    const { file } = await recordAttestation({ rootDir: root, attestationsDir: dir, control: "restore-test-monthly", kind: "restore-test", by: "infrastructure-lead", date: "2026-12-01", files: [report], now });

    const { resources } = await attestationsCollector.collect(context({ attestations_dir: dir }));
    expect(resources).toEqual([{
      id: `restore-test/${path.basename(file, ".yaml")}`,
      classes: [],
      kind: "restore-test",
      control: "restore-test-monthly",
      by: "infrastructure-lead",
      date: "2026-12-01T00:00:00.000Z",
      recordedAt: "2026-12-04T10:00:00.000Z",
      note: null,
      metrics: {},
      files: [{ name: "restore-report.txt", sha256: expect.stringMatching(/^[0-9a-f]{64}$/), intact: true, missing: false }],
      tampered: false,
    }]);
  });

  it("detects a stored copy changed after recording", async () => {
    const { root, dir, report } = await repo();
    const { record } = await recordAttestation({ rootDir: root, attestationsDir: dir, control: "c", kind: "restore-test", by: "x", date: "2026-12-01", files: [report], now });
    await writeFile(path.join(root, record.files[0]!.stored), "restored in 1h\n");

    const { resources } = await attestationsCollector.collect(context({ attestations_dir: dir }));
    expect(resources[0]!.tampered).toBe(true);
    expect(resources[0]!.files).toEqual([expect.objectContaining({ name: "restore-report.txt", intact: false, missing: false })]);
  });

  it("treats a missing stored copy as not intact", async () => {
    const { root, dir, report } = await repo();
    const { record } = await recordAttestation({ rootDir: root, attestationsDir: dir, control: "c", kind: "restore-test", by: "x", date: "2026-12-01", files: [report], now });
    await unlink(path.join(root, record.files[0]!.stored));

    const [attestation] = await readAttestations(dir);
    expect(attestation!.tampered).toBe(true);
    expect(attestation!.files).toEqual([expect.objectContaining({ intact: false, missing: true })]);
  });

  it("re-attaching the original restores the copy", async () => {
    const { root, dir, report } = await repo();
    const first = await recordAttestation({ rootDir: root, attestationsDir: dir, control: "c", kind: "restore-test", by: "x", date: "2026-11-01", files: [report], now });
    await writeFile(path.join(root, first.record.files[0]!.stored), "edited\n");
    await recordAttestation({ rootDir: root, attestationsDir: dir, control: "c", kind: "restore-test", by: "x", date: "2026-12-01", files: [report], now });

    const attestations = await readAttestations(dir);
    expect(attestations.map((attestation) => attestation.tampered)).toEqual([false, false]);
  });

  it("no attestations directory yields no resources", async () => {
    const { dir } = await repo();
    const { resources } = await attestationsCollector.collect(context({ attestations_dir: dir }));
    expect(resources).toEqual([]);
  });

  it("rejects a malformed record with its location", async () => {
    const { dir } = await repo();
    await mkdir(path.join(dir, "restore-test"), { recursive: true });
    await writeFile(path.join(dir, "restore-test", "2026-12-01-bad.yaml"), "control: c\nkind: restore-test\nby: x\ndate: 2026-13-01\nrecorded_at: 2026-12-04T10:00:00Z\n");

    const error = await attestationsCollector.collect(context({ attestations_dir: dir })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Soc2Error);
    expect((error as Soc2Error).code).toBe("SOC2_INPUT_INVALID");
    expect((error as Soc2Error).problems).toEqual([expect.objectContaining({ line: 4, field: "date", message: "must be a real calendar date YYYY-MM-DD" })]);
  });

  it("rejects a record filed under another kind", async () => {
    const { dir } = await repo();
    await mkdir(path.join(dir, "tabletop"), { recursive: true });
    await writeFile(path.join(dir, "tabletop", "2026-12-01-x.yaml"), "control: c\nkind: restore-test\nby: x\ndate: 2026-12-01\nrecorded_at: 2026-12-04T10:00:00Z\n");
    await expect(readAttestations(dir)).rejects.toMatchObject({ problems: [expect.objectContaining({ field: "kind" })] });
  });

  it("needs the attestations directory configured", async () => {
    await expect(attestationsCollector.collect(context({}))).rejects.toMatchObject({ name: "CollectorError", code: "SOC2_CONFIG_MISSING" });
  });
});
