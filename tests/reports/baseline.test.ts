import { describe, expect, it } from "vitest";
import type { ControlResult, RunResult } from "../../src/engine/types.js";
import { summarize } from "../../src/engine/summary.js";
import { baselineExitCode, compareToBaseline } from "../../src/reports/baseline.js";
import { control } from "./fixtures.js";

function runOf(controls: ControlResult[]): RunResult {
  return {
    tool: { name: "soc2", version: "0.1.0" },
    startedAt: "2026-01-15T10:00:00.000Z",
    finishedAt: "2026-01-15T10:00:01.000Z",
    now: "2026-01-15T10:00:00.000Z",
    controls,
    summary: summarize(controls, "low"),
    coverage: [],
    warnings: [],
  };
}

const failing = (id: string, resources: string[], extra: Partial<ControlResult> = {}): ControlResult =>
  control({ id, status: "fail", findings: resources.map((resource) => ({ resource, status: "fail" as const, message: "bad" })), ...extra });

describe("compareToBaseline", () => {
  it("finds a control that passed and now fails", () => {
    const previous = runOf([control({ id: "a", status: "pass" })]);
    const current = runOf([failing("a", ["r1"])]);
    expect(compareToBaseline(current, previous)).toEqual({ regressions: [{ control: "a", was: "pass", now: "fail" }], newControls: [] });
  });

  it("finds a new failing resource of a failing control", () => {
    const previous = runOf([failing("a", ["r1"])]);
    const current = runOf([failing("a", ["r1", "r2"])]);
    expect(compareToBaseline(current, previous).regressions).toEqual([{ control: "a", resource: "r2", was: "absent", now: "fail" }]);
  });

  it("finds a resource that passed and now fails", () => {
    const previous = runOf([control({ id: "a", status: "fail", findings: [{ resource: "r1", status: "fail" }, { resource: "r2", status: "pass" }] })]);
    const current = runOf([failing("a", ["r1", "r2"])]);
    expect(compareToBaseline(current, previous).regressions).toEqual([{ control: "a", resource: "r2", was: "pass", now: "fail" }]);
  });

  it("ignores failures already in the baseline", () => {
    const previous = runOf([failing("a", ["r1", "r2"])]);
    const current = runOf([failing("a", ["r1"])]);
    expect(compareToBaseline(current, previous).regressions).toEqual([]);
  });

  it("counts overdue manual evidence as a regression", () => {
    const previous = runOf([control({ id: "m", type: "manual", status: "pass" })]);
    const current = runOf([control({ id: "m", type: "manual", status: "pending" })]);
    expect(compareToBaseline(current, previous).regressions).toEqual([{ control: "m", was: "pass", now: "pending" }]);
  });

  it("treats an error in the baseline as not failing", () => {
    const previous = runOf([control({ id: "a", status: "error" })]);
    const current = runOf([failing("a", ["r1"])]);
    expect(compareToBaseline(current, previous).regressions).toEqual([{ control: "a", was: "error", now: "fail" }]);
  });

  it("reports new controls and their failures", () => {
    const previous = runOf([]);
    const current = runOf([control({ id: "new-ok", status: "pass" }), failing("new-bad", ["r1"])]);
    expect(compareToBaseline(current, previous)).toEqual({
      regressions: [{ control: "new-bad", was: "absent", now: "fail" }],
      newControls: ["new-ok", "new-bad"],
    });
  });
});

describe("baselineExitCode", () => {
  it("returns 1 for a regression", () => {
    const current = runOf([failing("a", ["r1"])]);
    expect(baselineExitCode(current, compareToBaseline(current, runOf([control({ id: "a", status: "pass" })])))).toBe(1);
  });

  it("returns 0 for known failures only", () => {
    const current = runOf([failing("a", ["r1"])]);
    expect(baselineExitCode(current, compareToBaseline(current, current))).toBe(0);
  });

  it("returns 3 when errors remain", () => {
    const current = runOf([failing("a", ["r1"]), control({ id: "e", status: "error" })]);
    expect(baselineExitCode(current, compareToBaseline(current, current))).toBe(3);
  });

  it("lets warn-only regressions pass", () => {
    const current = runOf([failing("a", ["r1"], { warnOnly: true })]);
    expect(baselineExitCode(current, compareToBaseline(current, runOf([])))).toBe(0);
  });

  it("respects the fail-on threshold", () => {
    const current = runOf([failing("a", ["r1"], { severity: "low" })]);
    const comparison = compareToBaseline(current, runOf([]));
    expect(baselineExitCode(current, comparison, "high")).toBe(0);
    expect(baselineExitCode(current, comparison, "low")).toBe(1);
  });
});
