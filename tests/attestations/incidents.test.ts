import { mkdtemp, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readdir } from "node:fs/promises";
import { recordIncident, timestampProblem } from "../../src/attestations/incidents.js";
import type { CliIO } from "../../src/cli/context.js";
import { run } from "../../src/cli/main.js";
import { incidentsCollector } from "../../src/collectors/files/incidents.js";
import type { CollectContext } from "../../src/collectors/types.js";
import { Soc2Error } from "../../src/errors.js";

const now = new Date("2026-12-04T10:00:00Z");

function context(source: Record<string, unknown>): CollectContext<any> {
  return { source, args: undefined, env: {}, now, classify: () => [], shared: async (_key, open) => open(), debug: () => {}, signal: new AbortController().signal };
}

async function evidenceDir(): Promise<string> {
  return path.join(await mkdtemp(path.join(os.tmpdir(), "soc2-incidents-")), "evidence");
}

describe("incident register", () => {
  it("records an incident and computes response times", async () => {
    const evidence = await evidenceDir();
    const incidentsDir = path.join(evidence, "incidents");
    const { file } = await recordIncident({
      incidentsDir, severity: 1, detected: "2026-11-20T08:00:00Z", responded: "2026-11-20T08:42:10Z", resolved: "2026-11-20T14:00:00Z",
      notified: ["customers", "regulators"], dataBreach: true, summary: "credential stuffing against the login endpoint", now,
    });
    expect(path.basename(file)).toMatch(/^2026-11-20-[0-9a-f]{8}\.yaml$/);

    const { resources } = await incidentsCollector.collect(context({ attestations_dir: path.join(evidence, "attestations") }));
    expect(resources).toEqual([{
      id: path.basename(file, ".yaml"),
      classes: [],
      severity: 1,
      detectedAt: "2026-11-20T08:00:00.000Z",
      respondedAt: "2026-11-20T08:42:10.000Z",
      resolvedAt: "2026-11-20T14:00:00.000Z",
      responseMinutes: 43,
      resolutionMinutes: 360,
      targetMinutes: 60,
      notified: ["customers", "regulators"],
      dataBreach: true,
    }]);
  });

  it("open incident has null resolution", async () => {
    const incidentsDir = path.join(await evidenceDir(), "incidents");
    await recordIncident({ incidentsDir, severity: 3, detected: "2026-12-03T08:00:00Z", responded: "2026-12-03T20:00:00Z", notified: [], dataBreach: false, summary: "x", now });
    const { resources } = await incidentsCollector.collect(context({ incidents_dir: incidentsDir }));
    expect(resources[0]).toMatchObject({ resolvedAt: null, resolutionMinutes: null, responseMinutes: 720, targetMinutes: 1440 });
  });

  it("rejects a response before detection", async () => {
    const incidentsDir = path.join(await evidenceDir(), "incidents");
    const error = await recordIncident({ incidentsDir, severity: 2, detected: "2026-12-03T08:00:00Z", responded: "2026-12-03T07:00:00Z", notified: [], dataBreach: false, summary: "x", now }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Soc2Error);
    expect((error as Soc2Error).problems).toEqual([expect.objectContaining({ field: "responded", message: "is before the detection time" })]);
  });

  it("rejects an unknown severity", async () => {
    const incidentsDir = path.join(await evidenceDir(), "incidents");
    await expect(recordIncident({ incidentsDir, severity: 4, detected: "2026-12-03T08:00:00Z", responded: "2026-12-03T09:00:00Z", notified: [], dataBreach: false, summary: "x", now }))
      .rejects.toThrow(Soc2Error);
  });

  it("rejects a malformed record on read", async () => {
    const incidentsDir = path.join(await evidenceDir(), "incidents");
    await mkdir(incidentsDir, { recursive: true });
    await writeFile(path.join(incidentsDir, "2026-12-01-bad.yaml"), "severity: 1\ndetected: yesterday\nresponded: 2026-12-01T10:00:00Z\nsummary: x\nrecorded_at: 2026-12-01T10:00:00Z\n");
    await expect(incidentsCollector.collect(context({ incidents_dir: incidentsDir })))
      .rejects.toMatchObject({ code: "SOC2_INPUT_INVALID", problems: [expect.objectContaining({ line: 2, field: "detected" })] });
  });

  const invalidTimes: Array<[string, Record<string, string>, string, string]> = [
    ["impossible day", { detected: "2026-02-30T08:00:00Z" }, "detected", "2026-02-30T08:00:00Z is not a real calendar date"],
    ["hour 24", { detected: "2026-11-20T24:00:00Z" }, "detected", "2026-11-20T24:00:00Z is not a real time of day"],
    ["minute 60", { responded: "2026-11-20T08:60:00Z" }, "responded", "2026-11-20T08:60:00Z is not a real time of day"],
    ["offset hour 24", { resolved: "2026-11-20T10:00:00+24:00" }, "resolved", "2026-11-20T10:00:00+24:00 is not a real time of day"],
    ["missing offset", { detected: "2026-11-20T08:00:00" }, "detected", "2026-11-20T08:00:00 is not an ISO-8601 timestamp with an offset, e.g. 2026-11-20T08:00:00Z"],
    ["future detection", { detected: "2026-12-04T10:00:01Z", responded: "2026-12-04T10:30:00Z" }, "detected", "2026-12-04T10:00:01Z is in the future (now is 2026-12-04T10:00:00.000Z)"],
    ["future resolution", { resolved: "2026-12-05T08:00:00Z" }, "resolved", "2026-12-05T08:00:00Z is in the future (now is 2026-12-04T10:00:00.000Z)"],
  ];
  for (const [name, times, field, message] of invalidTimes) {
    it(`rejects ${name} and writes nothing`, async () => {
      const incidentsDir = path.join(await evidenceDir(), "incidents");
      const options = { incidentsDir, severity: 2, detected: "2026-11-20T08:00:00Z", responded: "2026-11-20T09:00:00Z", notified: [], dataBreach: false, summary: "x", now, ...times };
      const error = await recordIncident(options).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(Soc2Error);
      expect((error as Soc2Error).code).toBe("SOC2_USAGE");
      expect((error as Soc2Error).problems).toContainEqual({ file: "command line", field, message });
      expect(await readdir(incidentsDir).catch(() => "absent")).toBe("absent");
    });
  }

  it("rejects a resolution before detection", async () => {
    const incidentsDir = path.join(await evidenceDir(), "incidents");
    const error = await recordIncident({ incidentsDir, severity: 2, detected: "2026-12-03T08:00:00Z", responded: "2026-12-03T08:10:00Z", resolved: "2026-12-03T07:00:00Z", notified: [], dataBreach: false, summary: "x", now }).catch((caught: unknown) => caught);
    expect((error as Soc2Error).problems).toEqual([expect.objectContaining({ field: "resolved", message: "is before the detection time" })]);
  });

  it("accepts offsets and fractional seconds", () => {
    expect(timestampProblem("2026-11-20T08:00:00.123+05:30")).toBeUndefined();
    expect(timestampProblem("2028-02-29T23:59:59Z")).toBeUndefined();
    expect(timestampProblem("2026-11-20T08:00Z")).toBeUndefined();
  });

  it("rejects an impossible time on read", async () => {
    const incidentsDir = path.join(await evidenceDir(), "incidents");
    await mkdir(incidentsDir, { recursive: true });
    await writeFile(path.join(incidentsDir, "2026-02-30-bad.yaml"), "severity: 1\ndetected: 2026-02-30T08:00:00Z\nresponded: 2026-03-02T10:00:00Z\nsummary: x\nrecorded_at: 2026-03-02T10:00:00Z\n");
    await expect(incidentsCollector.collect(context({ incidents_dir: incidentsDir })))
      .rejects.toMatchObject({ code: "SOC2_INPUT_INVALID", problems: [expect.objectContaining({ line: 2, field: "detected", message: "2026-02-30T08:00:00Z is not a real calendar date" })] });
  });

  it("CLI exits 2 on an impossible detection time", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "soc2-incidents-"));
    const err: string[] = [];
    const io: CliIO = { stdout: () => {}, stderr: (text) => err.push(text), env: {}, cwd: dir, isTTY: false, now: () => now };
    const code = await run(["incident", "record", "--severity", "2", "--detected", "2026-02-30T08:00:00Z", "--responded", "2026-03-02T09:00:00Z", "--summary", "x"], io);

    expect(code).toBe(2);
    expect(err.join("")).toContain("command line: detected: 2026-02-30T08:00:00Z is not a real calendar date");
    expect(await readdir(path.join(dir, "evidence")).catch(() => "absent")).toBe("absent");
  });
});
