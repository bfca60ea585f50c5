import type { ControlResult, RunResult } from "../../src/engine/types.js";
import { summarize } from "../../src/engine/summary.js";
import type { ReportContext } from "../../src/reports/types.js";

export const ROOT = "/repo";

export function control(overrides: Partial<ControlResult> & Pick<ControlResult, "id" | "status">): ControlResult {
  return {
    title: `Title of ${overrides.id}`,
    type: "automated",
    category: "security",
    severity: "high",
    criteria: [{ id: "CC6.1", link: "direct", why: "access" }],
    collector: "aws.s3.buckets",
    reason: `${overrides.id} is ${overrides.status}`,
    warnOnly: false,
    findings: [],
    file: `${ROOT}/controls/security/${overrides.id}.yaml`,
    line: 1,
    ...overrides,
  };
}

/** A run with every status, a waived finding, a warn-only failure, errors and hostile text. */
export function sampleRun(): RunResult {
  const controls: ControlResult[] = [
    control({
      id: "s3-encrypted",
      status: "pass",
      category: "confidentiality",
      criteria: [{ id: "CC6.1", link: "supporting", why: "layer" }, { id: "C1.1", link: "direct", why: "at rest" }],
      findings: [{ resource: "arn:aws:s3:::bucket-a", status: "pass" }],
    }),
    control({
      id: "rds-storage-encrypted",
      status: "fail",
      severity: "critical",
      line: 3,
      remediation: "Restore from an encrypted snapshot.",
      reason: "2 of 3 instances fail",
      findings: [
        { resource: "arn:aws:rds:eu-west-1:123456789012:db:prod", status: "fail", message: "storage encryption is off", assertion: "resource.storageEncrypted", fields: { storageEncrypted: false } },
        { resource: "arn:aws:rds:eu-west-1:123456789012:db:a,b:c%d", status: "fail", message: "storage encryption is off\nsecond line <b>&amp;</b> | pipe" },
        { resource: "arn:aws:rds:eu-west-1:123456789012:db:ok", status: "pass" },
      ],
    }),
    control({
      id: "pg-rls-forced",
      status: "waived",
      category: "confidentiality",
      criteria: [{ id: "C1.1", link: "direct", why: "rls" }],
      reason: "1 failing finding(s) waived: waived until 2026-03-01: migration pending (ticket SEC-12, approved by cto)",
      findings: [
        { resource: "public.notes", status: "waived", message: "waived until 2026-03-01: migration pending (ticket SEC-12, approved by cto)" },
        { resource: "public.messages", status: "pass" },
      ],
    }),
    control({
      id: "clerk-mfa",
      status: "error",
      severity: "medium",
      collector: "clerk.users",
      criteria: [{ id: "CC6.2", link: "direct", why: "mfa" }],
      reason: "the source could not answer",
      findings: [{ resource: "clerk.users", status: "error", message: "SOC2_CREDENTIALS_MISSING: CLERK_SECRET_KEY is not set" }],
    }),
    control({
      id: "restore-test",
      status: "pending",
      type: "manual",
      category: "availability",
      criteria: [{ id: "A1.3", link: "direct", why: "recovery testing" }],
      reason: "no restore-test attestation recorded yet; the monthly one for 2026-01 is due by 2026-01-31",
      findings: [{ resource: "restore-test", status: "pending", message: "no restore-test attestation recorded" }],
    }),
    control({
      id: "access-review",
      status: "fail",
      type: "manual",
      criteria: [{ id: "CC6.3", link: "direct", why: "review" }],
      reason: "quarterly access-review overdue since 2026-01-01",
      findings: [{ resource: "att-2025-q3", status: "fail", message: "quarterly access-review overdue since 2026-01-01" }],
    }),
    control({
      id: "incident-policy",
      status: "pass",
      type: "policy",
      criteria: [{ id: "CC7.4", link: "direct", why: "policy" }],
      findings: [{ resource: "incident-response", status: "pass" }],
    }),
    control({
      id: "trail-multiregion",
      status: "fail",
      severity: "low",
      warnOnly: true,
      criteria: [{ id: "CC7.2", link: "direct", why: "monitoring" }],
      reason: "no trail is multi-region",
      findings: [],
    }),
    control({
      id: "backup-bucket-versioned",
      status: "not-applicable",
      category: "availability",
      criteria: [{ id: "A1.2", link: "direct", why: "backup" }],
      reason: "no backup bucket is classified",
    }),
    control({
      id: "pi-input-checks",
      status: "skipped",
      category: "processing-integrity",
      criteria: [{ id: "PI1.2", link: "direct", why: "input" }],
      reason: "source postgres is not configured",
    }),
    control({
      id: "hostile-text",
      status: "fail",
      severity: "medium",
      category: "privacy",
      criteria: [{ id: "P4.2", link: "direct", why: "retention" }],
      title: "Title with </script><script>alert(1)</script> & \u0001 control char",
      reason: "bad \u0000 bytes \uD800 and </script>",
      findings: [{ resource: "res\u0007ource </script>", status: "fail", message: "value \u001b[31m red \u2028 sep" }],
    }),
  ];
  const summary = summarize(controls, "low");
  return {
    tool: { name: "soc2", version: "0.1.0" },
    startedAt: "2026-01-15T10:00:00.000Z",
    finishedAt: "2026-01-15T10:00:02.500Z",
    now: "2026-01-15T10:00:00.000Z",
    controls,
    summary,
    coverage: [],
    warnings: [],
  };
}

export function sampleContext(overrides: Partial<ReportContext> = {}): ReportContext {
  return { color: false, rootDir: ROOT, ...overrides };
}
