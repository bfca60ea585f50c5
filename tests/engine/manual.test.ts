import { describe, expect, it } from "vitest";
import type { Resource } from "../../src/collectors/types.js";
import { evaluateManual } from "../../src/engine/manual.js";

function attestation(kind: string, date: string, options: { tampered?: boolean; id?: string; recordedAt?: string } = {}): Resource {
  const tampered = options.tampered ?? false;
  return {
    id: options.id ?? `${kind}/${date}-0000abcd`,
    classes: [],
    kind,
    control: null,
    by: "security-officer",
    date: `${date}T00:00:00.000Z`,
    recordedAt: options.recordedAt ?? `${date}T12:00:00.000Z`,
    note: null,
    files: [{ name: "report.pdf", sha256: "a".repeat(64), intact: !tampered }],
    tampered,
  };
}

const control = (every: "monthly" | "quarterly" | "annual") => ({ id: "restore-test-monthly", attestation: { kind: "restore-test", every } });

describe("evaluateManual", () => {
  const cases: Array<{ name: string; every: "monthly" | "quarterly" | "annual"; attested: string; now: string; status: string; dueAt: string }> = [
    { name: "monthly attested this month", every: "monthly", attested: "2026-12-01", now: "2026-12-04T09:00:00Z", status: "pass", dueAt: "2027-01-31" },
    { name: "monthly attested last month", every: "monthly", attested: "2026-11-30", now: "2026-12-31T23:59:59Z", status: "pass", dueAt: "2026-12-31" },
    { name: "monthly from last month after its due day", every: "monthly", attested: "2026-11-30", now: "2027-01-01T00:00:00Z", status: "fail", dueAt: "2026-12-31" },
    { name: "monthly three months old", every: "monthly", attested: "2026-09-02", now: "2026-12-04T09:00:00Z", status: "fail", dueAt: "2026-10-31" },
    { name: "quarterly on the last day of Q3", every: "quarterly", attested: "2026-09-30", now: "2026-12-31T23:59:59Z", status: "pass", dueAt: "2026-12-31" },
    { name: "quarterly from Q3 in the new year", every: "quarterly", attested: "2026-09-30", now: "2027-01-01T00:00:00Z", status: "fail", dueAt: "2026-12-31" },
    { name: "quarterly from Q4 across the year boundary", every: "quarterly", attested: "2026-12-31", now: "2027-03-31T12:00:00Z", status: "pass", dueAt: "2027-03-31" },
    { name: "quarterly on the first day of a quarter", every: "quarterly", attested: "2026-10-01", now: "2026-12-04T09:00:00Z", status: "pass", dueAt: "2027-03-31" },
    { name: "annual from last year", every: "annual", attested: "2025-01-01", now: "2026-12-31T23:59:59Z", status: "pass", dueAt: "2026-12-31" },
    { name: "annual from two years ago", every: "annual", attested: "2025-12-31", now: "2027-01-01T00:00:00Z", status: "fail", dueAt: "2026-12-31" },
    { name: "monthly on leap day", every: "monthly", attested: "2028-02-29", now: "2028-03-31T23:00:00Z", status: "pass", dueAt: "2028-03-31" },
    { name: "monthly due at the end of a leap February", every: "monthly", attested: "2028-01-15", now: "2028-02-29T23:59:59Z", status: "pass", dueAt: "2028-02-29" },
    { name: "monthly overdue the day after leap day", every: "monthly", attested: "2028-01-15", now: "2028-03-01T00:00:00Z", status: "fail", dueAt: "2028-02-29" },
  ];

  for (const testCase of cases) {
    it(`${testCase.name} is ${testCase.status}`, () => {
      const result = evaluateManual(control(testCase.every), [attestation("restore-test", testCase.attested)], new Date(testCase.now));
      expect(result.status).toBe(testCase.status);
      expect(result.dueAt).toBe(testCase.dueAt);
    });
  }

  it("overdue reason names the day it became overdue", () => {
    const result = evaluateManual(control("monthly"), [attestation("restore-test", "2026-09-02")], new Date("2026-12-04T09:00:00Z"));
    expect(result.reason).toContain("overdue since 2026-11-01");
    expect(result.reason).toContain("last attested on 2026-09-02");
    expect(result.findings).toEqual([expect.objectContaining({ resource: "restore-test/2026-09-02-0000abcd", status: "fail" })]);
  });

  it("no attestation is pending until period end", () => {
    const result = evaluateManual(control("annual"), [attestation("background-check", "2026-11-01")], new Date("2026-12-04T09:00:00Z"));
    expect(result.status).toBe("pending");
    expect(result.dueAt).toBe("2026-12-31");
    expect(result.reason).toContain("no restore-test attestation recorded yet");
  });

  it("latest attestation decides, not the first", () => {
    const records = [attestation("restore-test", "2026-06-01"), attestation("restore-test", "2026-11-15"), attestation("restore-test", "2026-03-01")];
    const result = evaluateManual(control("monthly"), records, new Date("2026-12-04T09:00:00Z"));
    expect(result.status).toBe("pass");
    expect(result.findings[0]!.resource).toBe("restore-test/2026-11-15-0000abcd");
  });

  it("attestation dated after today does not count", () => {
    const result = evaluateManual(control("monthly"), [attestation("restore-test", "2026-12-05")], new Date("2026-12-04T23:59:59Z"));
    expect(result.status).toBe("pending");
  });

  it("attestation dated today counts", () => {
    const result = evaluateManual(control("monthly"), [attestation("restore-test", "2026-12-04")], new Date("2026-12-04T00:00:00Z"));
    expect(result.status).toBe("pass");
  });

  it("tampered latest attestation fails", () => {
    const result = evaluateManual(control("monthly"), [attestation("restore-test", "2026-12-01", { tampered: true })], new Date("2026-12-04T09:00:00Z"));
    expect(result.status).toBe("fail");
    expect(result.reason).toContain("attached file report.pdf changed after recording");
    expect(result.findings[0]!.status).toBe("fail");
  });

  it("tampered older attestation does not fail a current one", () => {
    const records = [attestation("restore-test", "2026-10-01", { tampered: true, id: "restore-test/old" }), attestation("restore-test", "2026-12-01")];
    const result = evaluateManual(control("monthly"), records, new Date("2026-12-04T09:00:00Z"));
    expect(result.status).toBe("pass");
    expect(result.reason).toContain("1 earlier attestation(s) have attached files changed after recording");
  });

  it("same-day attestations order by recording time", () => {
    const records = [
      attestation("restore-test", "2026-12-01", { id: "restore-test/later", recordedAt: "2026-12-02T10:00:00.000Z", tampered: true }),
      attestation("restore-test", "2026-12-01", { id: "restore-test/earlier", recordedAt: "2026-12-01T10:00:00.000Z" }),
    ];
    const result = evaluateManual(control("monthly"), records, new Date("2026-12-04T09:00:00Z"));
    expect(result.findings[0]!.resource).toBe("restore-test/later");
    expect(result.status).toBe("fail");
  });

  it("unreadable attestation of the kind is an error", () => {
    const broken: Resource = { ...attestation("restore-test", "2026-12-01"), _error: { code: "EACCES", message: "permission denied" } };
    const result = evaluateManual(control("monthly"), [broken], new Date("2026-12-04T09:00:00Z"));
    expect(result.status).toBe("error");
    expect(result.dueAt).toBeNull();
  });
});
