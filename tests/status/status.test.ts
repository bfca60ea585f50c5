import { describe, expect, it } from "vitest";
import type { Resource } from "../../src/collectors/types.js";
import type { ExceptionRecord } from "../../src/engine/exceptions.js";
import { computeStatus, formatStatus, type StatusControl } from "../../src/status/index.js";

function attestation(kind: string, date: string): Resource {
  return {
    id: `${kind}/${date}-00000000`, classes: [], kind, control: null, by: "hr-lead", date: `${date}T00:00:00.000Z`,
    recordedAt: `${date}T09:00:00.000Z`, note: null, metrics: {}, files: [], tampered: false,
  };
}

function policy(id: string, reviewDueAt: string | null): Resource {
  return { id, classes: [], title: `${id} policy`, reviewDueAt };
}

const controls: StatusControl[] = [
  { id: "background-checks-completed", title: "Background checks", type: "manual", tags: ["phase-1"], attestation: { kind: "background-check", every: "quarterly" } },
  { id: "restore-test-monthly", title: "Restore test", type: "manual", tags: ["phase-2"], attestation: { kind: "restore-test", every: "monthly" } },
  { id: "incident-tabletop-annual", title: "Tabletop", type: "manual", tags: ["phase-1"], attestation: { kind: "tabletop-exercise", every: "annual" } },
  { id: "uptime-reported-monthly", title: "Uptime", type: "manual", tags: ["phase-1"], attestation: { kind: "uptime-report", every: "monthly" } },
  { id: "incident-response-times", title: "Response times", type: "automated", tags: ["phase-1", "operations"] },
  { id: "stale-data-reviewed", title: "Stale data", type: "manual", tags: ["phase-10"], attestation: { kind: "stale-data-review", every: "quarterly" } },
];

const exception = (expires: string): ExceptionRecord => ({
  file: "exceptions/x.yaml", line: 1, control: "incident-response-times", reason: "pager migration", owner: "o", approver: "a",
  ticket: "SEC-9", compensating_control: "manual watch", expires,
});

const attestations = [
  attestation("background-check", "2026-10-15"),
  attestation("restore-test", "2026-09-02"),
  attestation("uptime-report", "2026-11-02"),
];

describe("computeStatus", () => {
  const report = computeStatus({
    controls, attestations, now: new Date("2026-12-04T10:00:00Z"), withinDays: 30,
    policies: [policy("access-control", "2027-06-01T00:00:00.000Z"), policy("incident-response", null), policy("vendor-management", "2026-12-20T00:00:00.000Z"), policy("risk-assessment", "2026-11-30T00:00:00.000Z")],
    exceptions: [exception("2026-12-31"), exception("2026-12-03"), { ...exception("2027-03-01"), ticket: "SEC-10" }],
  });
  const byId = new Map(report.due.map((item) => [item.id, item]));

  it("lists an overdue attestation", () => {
    expect(byId.get("restore-test-monthly")).toMatchObject({ kind: "attestation", state: "overdue", dueAt: "2026-10-31" });
  });

  it("lists a pending attestation", () => {
    expect(byId.get("incident-tabletop-annual")).toMatchObject({ state: "pending", dueAt: "2026-12-31" });
  });

  it("lists an attestation due within the window", () => {
    expect(byId.get("uptime-reported-monthly")).toMatchObject({ state: "due-soon", dueAt: "2026-12-31" });
  });

  it("omits an attestation due later", () => {
    expect(byId.has("background-checks-completed")).toBe(false);
  });

  it("lists policies due for review", () => {
    expect(byId.get("incident-response")).toMatchObject({ kind: "policy-review", state: "overdue", dueAt: null, detail: "never reviewed" });
    expect(byId.get("risk-assessment")).toMatchObject({ state: "overdue", dueAt: "2026-11-30" });
    expect(byId.get("vendor-management")).toMatchObject({ state: "due-soon", dueAt: "2026-12-20" });
    expect(byId.has("access-control")).toBe(false);
  });

  it("lists expired and expiring exceptions", () => {
    const exceptions = report.due.filter((item) => item.kind === "exception");
    expect(exceptions.map((item) => [item.state, item.dueAt])).toEqual([["expired", "2026-12-03"], ["expiring", "2026-12-31"]]);
  });

  it("sorts by due date with never-done first", () => {
    expect(report.due[0]!.dueAt).toBeNull();
    const dates = report.due.map((item) => item.dueAt ?? "");
    expect(dates).toEqual([...dates].sort());
  });

  it("reports progress per phase tag in numeric order", () => {
    expect(report.phases.map((phase) => phase.tag)).toEqual(["phase-1", "phase-2", "phase-10"]);
    expect(report.phases[0]).toEqual({ tag: "phase-1", total: 4, done: 2, counts: { pass: 2, pending: 1, "not-evaluated": 1 }, percent: 50 });
    expect(report.phases[1]).toMatchObject({ tag: "phase-2", total: 1, done: 0, counts: { fail: 1 } });
  });

  it("uses run results when given", () => {
    const withResults = computeStatus({
      controls, attestations, policies: [], exceptions: [], now: new Date("2026-12-04T10:00:00Z"), withinDays: 30,
      results: new Map([["incident-response-times", "waived"], ["restore-test-monthly", "waived"]]),
    });
    expect(withResults.phases[0]).toMatchObject({ done: 3, counts: { pass: 2, waived: 1, pending: 1 } });
    expect(withResults.phases[1]).toMatchObject({ done: 1 });
  });

  it("a quarterly attestation becomes due soon near quarter end", () => {
    const late = computeStatus({ controls, attestations, policies: [], exceptions: [], now: new Date("2027-03-20T10:00:00Z"), withinDays: 14 });
    expect(late.due.find((item) => item.id === "background-checks-completed")).toMatchObject({ state: "due-soon", dueAt: "2027-03-31" });
  });

  it("formats as text", () => {
    const text = formatStatus(report);
    expect(text).toContain("Due on 2026-12-04 or within 30 days:");
    expect(text).toMatch(/overdue +2026-10-31 attestation +restore-test-monthly: monthly restore-test overdue since 2026-11-01/);
    expect(text).toContain("phase-1  2/4 (50%); 1 pending, 1 not-evaluated");
  });
});
