import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Soc2Error } from "../../src/errors.js";
import { applyExceptions, loadExceptions, type ExceptionRecord } from "../../src/engine/exceptions.js";
import type { ControlResult } from "../../src/engine/types.js";

async function exceptionsDir(files: Record<string, string>): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), "soc2-exceptions-")), "exceptions");
  await mkdir(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const valid = `control: s3-public-access-blocked
resource: "bucket/marketing-*"
reason: the marketing site bucket serves public assets
owner: infrastructure-lead
approver: security-officer
ticket: SEC-142
compensating_control: objects are reviewed before upload and hold no customer data
approved_at: 2026-10-01
expires: 2026-12-31
`;

const options = (now: string, maxDays = 180) => ({ knownControls: new Set(["s3-public-access-blocked", "restore-test-monthly"]), maxDays, now: new Date(now) });

async function loadError(dir: string, now: string, maxDays = 180): Promise<Soc2Error> {
  const error = await loadExceptions(dir, options(now, maxDays)).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(Soc2Error);
  return error as Soc2Error;
}

describe("loadExceptions", () => {
  it("reads one exception with its location", async () => {
    const dir = await exceptionsDir({ "marketing.yaml": valid });
    const [exception] = await loadExceptions(dir, options("2026-12-04T10:00:00Z"));
    expect(exception).toEqual({
      file: path.join(dir, "marketing.yaml"),
      line: 1,
      control: "s3-public-access-blocked",
      resource: "bucket/marketing-*",
      reason: "the marketing site bucket serves public assets",
      owner: "infrastructure-lead",
      approver: "security-officer",
      ticket: "SEC-142",
      compensating_control: "objects are reviewed before upload and hold no customer data",
      approved_at: "2026-10-01",
      expires: "2026-12-31",
    });
  });

  it("reads a list of exceptions with item lines", async () => {
    const list = `- ${valid.trimEnd().split("\n").join("\n  ")}\n- ${valid.trimEnd().replace("SEC-142", "SEC-143").split("\n").join("\n  ")}\n`;
    const dir = await exceptionsDir({ "list.yaml": list });
    const exceptions = await loadExceptions(dir, options("2026-12-04T10:00:00Z"));
    expect(exceptions.map((exception) => [exception.ticket, exception.line])).toEqual([["SEC-142", 1], ["SEC-143", 10]]);
  });

  it("missing directory means no exceptions", async () => {
    const dir = await exceptionsDir({});
    expect(await loadExceptions(path.join(dir, "absent"), options("2026-12-04T10:00:00Z"))).toEqual([]);
  });

  it("rejects an unknown key at its line", async () => {
    const dir = await exceptionsDir({ "bad.yaml": `${valid}severity: high\n` });
    const error = await loadError(dir, "2026-12-04T10:00:00Z");
    expect(error.code).toBe("SOC2_INPUT_INVALID");
    expect(error.problems).toEqual([expect.objectContaining({ line: 10, field: "severity", message: 'unknown key "severity"' })]);
  });

  it("rejects a missing expiry and approver", async () => {
    const text = valid.split("\n").filter((line) => !line.startsWith("expires") && !line.startsWith("approver")).join("\n");
    const error = await loadError(await exceptionsDir({ "bad.yaml": text }), "2026-12-04T10:00:00Z");
    expect(error.problems.map((problem) => problem.field).sort()).toEqual(["approver", "expires"]);
  });

  it("rejects an impossible expiry date", async () => {
    const error = await loadError(await exceptionsDir({ "bad.yaml": valid.replace("expires: 2026-12-31", "expires: 2027-02-29") }), "2026-12-04T10:00:00Z");
    expect(error.problems).toEqual([expect.objectContaining({ field: "expires", line: 9 })]);
  });

  it("rejects an unknown control", async () => {
    const error = await loadError(await exceptionsDir({ "bad.yaml": valid.replace("control: s3-public-access-blocked", "control: s3-public") }), "2026-12-04T10:00:00Z");
    expect(error.problems).toEqual([expect.objectContaining({ field: "control", line: 1, message: 'names unknown control "s3-public"' })]);
  });

  it("accepts expiry exactly at the maximum", async () => {
    const dir = await exceptionsDir({ "cap.yaml": valid.replace("approved_at: 2026-10-01", "approved_at: 2026-07-04") });
    const exceptions = await loadExceptions(dir, options("2026-12-04T10:00:00Z"));
    expect(exceptions[0]!.expires).toBe("2026-12-31");
  });

  it("rejects expiry one day past the maximum", async () => {
    const dir = await exceptionsDir({ "cap.yaml": valid.replace("approved_at: 2026-10-01", "approved_at: 2026-07-03") });
    const error = await loadError(dir, "2026-12-04T10:00:00Z");
    expect(error.problems).toEqual([expect.objectContaining({ field: "expires", message: "is 181 days after approval on 2026-07-03, over the maximum of 180 days" })]);
  });

  it("honours a configured maximum", async () => {
    const error = await loadError(await exceptionsDir({ "cap.yaml": valid }), "2026-12-04T10:00:00Z", 30);
    expect(error.problems[0]!.message).toBe("is 91 days after approval on 2026-10-01, over the maximum of 30 days");
  });

  it("caps from today without an approval date", async () => {
    const text = valid.replace("approved_at: 2026-10-01\n", "").replace("expires: 2026-12-31", "expires: 2027-06-03");
    const error = await loadError(await exceptionsDir({ "cap.yaml": text }), "2026-12-04T23:00:00Z");
    expect(error.problems[0]!.message).toBe("is 181 days after today, over the maximum of 180 days");
  });

  it("rejects an approval date in the future", async () => {
    const text = valid.replace("approved_at: 2026-10-01", "approved_at: 2099-01-01").replace("expires: 2026-12-31", "expires: 2099-06-29");
    const error = await loadError(await exceptionsDir({ "future.yaml": text }), "2026-12-04T10:00:00Z");
    expect(error.code).toBe("SOC2_INPUT_INVALID");
    expect(error.problems).toContainEqual(expect.objectContaining({
      file: expect.stringMatching(/future\.yaml$/),
      line: 8,
      field: "approved_at",
      message: "2099-01-01 is after the run's date 2026-12-04, but an exception cannot be approved in the future",
    }));
  });

  it("caps from today when approval lies ahead", async () => {
    const text = valid.replace("approved_at: 2026-10-01", "approved_at: 2026-12-10").replace("expires: 2026-12-31", "expires: 2027-06-03");
    const error = await loadError(await exceptionsDir({ "future.yaml": text }), "2026-12-04T10:00:00Z");
    expect(error.problems).toContainEqual(expect.objectContaining({ line: 9, field: "expires", message: "is 181 days after today, over the maximum of 180 days" }));
  });

  it("accepts an approval dated the run's day", async () => {
    const text = valid.replace("approved_at: 2026-10-01", "approved_at: 2026-12-04");
    const exceptions = await loadExceptions(await exceptionsDir({ "today.yaml": text }), options("2026-12-04T00:00:00Z"));
    expect(exceptions[0]!.approved_at).toBe("2026-12-04");
  });

  it("rejects expiry before approval", async () => {
    const error = await loadError(await exceptionsDir({ "bad.yaml": valid.replace("expires: 2026-12-31", "expires: 2026-09-30") }), "2026-12-04T10:00:00Z");
    expect(error.problems[0]!.message).toBe("is before the approval date 2026-10-01");
  });

  it("reports problems from every file", async () => {
    const dir = await exceptionsDir({ "a.yaml": "control: [", "b.yaml": valid.replace("ticket: SEC-142\n", "") });
    const error = await loadError(dir, "2026-12-04T10:00:00Z");
    expect(error.problems.map((problem) => path.basename(problem.file))).toEqual(["a.yaml", "b.yaml"]);
  });
});

function result(overrides: Partial<ControlResult> & Pick<ControlResult, "id" | "status" | "findings">): ControlResult {
  return {
    title: "Test control",
    type: "automated",
    category: "security",
    severity: "high",
    criteria: [{ id: "CC6.1", link: "direct", why: "test" }],
    reason: "1 of 2 resources fail",
    warnOnly: false,
    file: "controls/test.yaml",
    line: 1,
    ...overrides,
  };
}

const exception: ExceptionRecord = {
  file: "exceptions/marketing.yaml",
  line: 1,
  control: "s3-public-access-blocked",
  resource: "bucket/marketing-*",
  reason: "the marketing site bucket serves public assets",
  owner: "infrastructure-lead",
  approver: "security-officer",
  ticket: "SEC-142",
  compensating_control: "reviewed uploads",
  expires: "2026-12-31",
};

const s3Result = () => result({
  id: "s3-public-access-blocked",
  status: "fail",
  findings: [
    { resource: "bucket/app-uploads", status: "pass" },
    { resource: "bucket/marketing-site", status: "fail", message: "public access is not blocked" },
  ],
});

describe("applyExceptions", () => {
  it("waives a matching failure on its last day", () => {
    const { results, active, expired } = applyExceptions([s3Result()], [exception], new Date("2026-12-31T23:59:59.999Z"));
    expect(results[0]!.status).toBe("waived");
    expect(results[0]!.findings[1]).toEqual({
      resource: "bucket/marketing-site",
      status: "waived",
      message: "waived until 2026-12-31: the marketing site bucket serves public assets (ticket SEC-142, approved by security-officer)",
    });
    expect(active).toEqual([exception]);
    expect(expired).toEqual([]);
  });

  it("fails again the day after expiry", () => {
    const { results, active, expired } = applyExceptions([s3Result()], [exception], new Date("2027-01-01T00:00:00Z"));
    expect(results[0]!.status).toBe("fail");
    expect(results[0]!.findings[1]!.status).toBe("fail");
    expect(results[0]!.findings[1]!.message).toBe("public access is not blocked (exception SEC-142 expired on 2026-12-31)");
    expect(results[0]!.reason).toContain("exception SEC-142 expired on 2026-12-31");
    expect(active).toEqual([]);
    expect(expired).toEqual([exception]);
  });

  it("leaves non-matching resources failing", () => {
    const input = s3Result();
    input.findings.push({ resource: "bucket/exports", status: "fail", message: "public access is not blocked" });
    const { results } = applyExceptions([input], [exception], new Date("2026-12-04T10:00:00Z"));
    expect(results[0]!.status).toBe("fail");
    expect(results[0]!.findings.map((finding) => finding.status)).toEqual(["pass", "waived", "fail"]);
  });

  it("never waives an error", () => {
    const input = result({ id: "s3-public-access-blocked", status: "error", findings: [{ resource: "bucket/marketing-site", status: "error", message: "AccessDenied" }] });
    const { results } = applyExceptions([input], [exception], new Date("2026-12-04T10:00:00Z"));
    expect(results[0]!.status).toBe("error");
    expect(results[0]!.findings[0]!.status).toBe("error");
  });

  it("exception without a resource covers the control", () => {
    const manual = result({ id: "restore-test-monthly", type: "manual", status: "fail", findings: [{ resource: "restore-test/2026-09-02-ab", status: "fail", message: "overdue" }] });
    const { results } = applyExceptions([manual], [{ ...exception, control: "restore-test-monthly", resource: undefined }], new Date("2026-12-04T10:00:00Z"));
    expect(results[0]!.status).toBe("waived");
  });

  it("does not change the input results", () => {
    const input = s3Result();
    applyExceptions([input], [exception], new Date("2026-12-04T10:00:00Z"));
    expect(input.status).toBe("fail");
    expect(input.findings[1]!.status).toBe("fail");
  });
});
