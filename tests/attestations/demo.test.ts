import { describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/context.js";
import { run } from "../../src/cli/main.js";
import { postgresServer } from "../helpers/postgres.js";

const ONLY = [
  "background-checks-completed",
  "restore-test-monthly",
  "restore-test-within-rto-rpo",
  "incident-tabletop-annual",
  "vendor-soc2-reports-collected",
  "uptime-meets-target",
  "incident-response-times",
  "incident-breach-notification",
  "deleted-accounts-purged",
];

interface ControlOutcome {
  id: string;
  status: string;
  reason: string;
  findings: Array<{ resource: string; status: string; message?: string }>;
}

/** Runs the demo's check over the repository's own evidence as of 2026-12-04. */
async function demoResults(): Promise<Map<string, ControlOutcome>> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: { DATABASE_URL: postgresServer().readerUrl, AWS_EC2_METADATA_DISABLED: "true" },
    cwd: process.cwd(),
    isTTY: false,
  };
  const code = await run(["check", "--config", "demo/soc2.config.yaml", "--only", ONLY.join(","), "--format", "json", "--now", "2026-12-04T10:00:00Z"], io);
  expect(err.join("")).toBe("");
  expect(code).toBe(1);
  const results = JSON.parse(out.join("")) as { controls: ControlOutcome[] };
  return new Map(results.controls.map((control) => [control.id, control]));
}

describe("demo evidence", async () => {
  const results = await demoResults();

  it("background checks this quarter pass", () => {
    expect(results.get("background-checks-completed")).toMatchObject({ status: "pass", reason: expect.stringContaining("attested on 2026-10-20") });
  });

  it("September restore test is overdue", () => {
    expect(results.get("restore-test-monthly")).toMatchObject({ status: "fail", reason: expect.stringContaining("overdue since 2026-11-01") });
  });

  it("September restore test met RTO and RPO", () => {
    expect(results.get("restore-test-within-rto-rpo")!.status).toBe("pass");
  });

  it("tabletop without a record is pending", () => {
    expect(results.get("incident-tabletop-annual")!.status).toBe("pending");
  });

  it("edited vendor review fails", () => {
    expect(results.get("vendor-soc2-reports-collected")).toMatchObject({ status: "fail", reason: expect.stringContaining("vendor-soc2-review-2026.md changed after recording") });
  });

  it("September uptime is waived by its exception", () => {
    const uptime = results.get("uptime-meets-target")!;
    expect(uptime.status).toBe("waived");
    expect(uptime.findings.map((finding) => finding.status).sort()).toEqual(["pass", "waived"]);
  });

  it("incidents meet response targets", () => {
    expect(results.get("incident-response-times")).toMatchObject({ status: "pass", reason: "all 2 resources pass" });
  });

  it("breach without regulator notice fails", () => {
    const notification = results.get("incident-breach-notification")!;
    expect(notification.status).toBe("fail");
    expect(notification.findings[0]!.message).toBe("severity-1 incident does not record regulator notification");
  });

  it("overdue purge fails after its exception expired", () => {
    const purge = results.get("deleted-accounts-purged")!;
    expect(purge.status).toBe("fail");
    expect(purge.findings[0]!.message).toBe("accounts deleted more than 30 days ago are still stored (exception PRIV-58 expired on 2026-11-30)");
  });
});
