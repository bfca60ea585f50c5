import { describe, expect, it } from "vitest";
import type { ControlResult, RunResult } from "../../src/engine/types.js";
import { summarize } from "../../src/engine/summary.js";
import { Soc2Error } from "../../src/errors.js";
import { periodReport, renderPeriodReport } from "../../src/reports/period.js";
import { control } from "./fixtures.js";

function runAt(startedAt: string, controls: ControlResult[]): RunResult {
  return { tool: { name: "soc2", version: "0.1.0" }, startedAt, finishedAt: startedAt, now: startedAt, controls, summary: summarize(controls, "low"), coverage: [], warnings: [] };
}

const waiver = "waived until 2026-02-01: migration (ticket SEC-1, approved by cto)";
const runs = [
  runAt("2025-12-31T10:00:00.000Z", [control({ id: "a", status: "fail" })]),
  runAt("2026-01-01T10:00:00.000Z", [control({ id: "a", status: "pass" }), control({ id: "m", type: "manual", status: "pending" })]),
  runAt("2026-01-02T10:00:00.000Z", [control({ id: "a", status: "fail" }), control({ id: "m", type: "manual", status: "pass", findings: [{ resource: "att-1", status: "pass" }] })]),
  runAt("2026-01-02T18:00:00.000Z", [control({ id: "a", status: "fail" }), control({ id: "m", type: "manual", status: "pass", findings: [{ resource: "att-1", status: "pass" }] })]),
  runAt("2026-01-04T10:00:00.000Z", [control({ id: "a", status: "waived", findings: [{ resource: "r1", status: "waived", message: waiver }] }), control({ id: "m", type: "manual", status: "pass", findings: [{ resource: "att-2", status: "pass" }] })]),
  runAt("2026-01-05T10:00:00.000Z", [control({ id: "a", status: "error" })]),
  runAt("2026-01-06T10:00:00.000Z", [control({ id: "a", status: "fail" })]),
];

describe("periodReport", () => {
  const report = periodReport(runs, "2026-01-01", "2026-01-07");
  const a = report.controls.find((item) => item.id === "a")!;
  const m = report.controls.find((item) => item.id === "m")!;

  it("keeps only runs in the period", () => {
    expect(report.runs).toBe(6);
    expect(report.days).toBe(7);
  });

  it("counts days without any run", () => {
    expect(report.daysWithoutRun).toBe(2);
  });

  it("counts runs and outcomes per control", () => {
    expect(a).toMatchObject({ runs: 6, passed: 1, waived: 1, failed: 3, errors: 1 });
    expect(m).toMatchObject({ runs: 4, passed: 3, failed: 1 });
  });

  it("finds the longest failing streak", () => {
    expect(a.longestFailingStreak).toEqual({ runs: 2, from: "2026-01-02T10:00:00.000Z", to: "2026-01-02T18:00:00.000Z" });
  });

  it("counts days a control went untested", () => {
    expect(a.daysWithoutRun).toBe(2);
    expect(m.daysWithoutRun).toBe(4);
  });

  it("lists exceptions in force", () => {
    expect(a.exceptions).toEqual([{ resource: "r1", message: waiver, firstSeen: "2026-01-04T10:00:00.000Z", lastSeen: "2026-01-04T10:00:00.000Z" }]);
  });

  it("lists attestations recorded", () => {
    expect(m.attestations).toEqual([{ id: "att-1", firstSeen: "2026-01-02T10:00:00.000Z" }, { id: "att-2", firstSeen: "2026-01-04T10:00:00.000Z" }]);
  });

  it("rejects an invalid date", () => {
    expect(() => periodReport(runs, "2026-02-30", "2026-03-01")).toThrow(Soc2Error);
  });

  it("rejects an inverted period", () => {
    expect(() => periodReport(runs, "2026-02-01", "2026-01-01")).toThrow(/--to 2026-01-01 is before --from 2026-02-01/);
  });

  it("renders a Markdown table", () => {
    const markdown = renderPeriodReport(report);
    expect(markdown).toContain("6 runs over 7 days; 2 days without any run.");
    expect(markdown).toContain("| `a` | automated | 6 | 1 | 1 | 3 | 1 | 2 (2026-01-02 to 2026-01-02) | 2 | 1 | 0 |");
    expect(markdown).toContain("| `m` | `att-2` | 2026-01-04 |");
  });
});
