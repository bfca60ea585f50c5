import { createHash } from "node:crypto";
import type { Severity } from "../catalog/control-schema.js";
import type { ControlResult, Finding, RunResult } from "../engine/types.js";
import { repoRelativePath } from "./common.js";
import type { ReportContext, Reporter } from "./types.js";

/**
 * SARIF 2.1.0 for GitHub code scanning. Rules are controls, and a result is a failing, erroring
 * or pending finding; waived findings carry an external suppression. GitHub rejects a whole file
 * when a result lacks a physical location inside the repository, so each result points at the
 * control's YAML file and line. The cloud resource id goes in the message and the properties.
 */
export const reporter: Reporter = {
  id: "sarif",
  extension: "sarif",
  render: (run, context) => `${JSON.stringify(sarifLog(run, context), null, 2)}\n`,
};

/**
 * GitHub's `security-severity` scale: over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium,
 * 0.1–3.9 low. The values sit inside each band.
 */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

const FINGERPRINT_KEY = "soc2ControlResource/v1";

export function sarifLog(run: RunResult, context: ReportContext): Record<string, unknown> {
  const rules = run.controls.map(ruleFor);
  const ruleIndex = new Map(run.controls.map((control, index) => [control.id, index]));
  const results = run.controls.flatMap((control) => resultsFor(control, ruleIndex.get(control.id)!, context));

  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{
      tool: { driver: { name: "soc2", version: run.tool.version, semanticVersion: run.tool.version, rules } },
      automationDetails: { id: "soc2/" },
      invocations: [{
        executionSuccessful: true,
        startTimeUtc: run.startedAt,
        endTimeUtc: run.finishedAt,
        exitCode: run.summary.exitCode,
      }],
      results,
    }],
  };
}

function ruleFor(control: ControlResult): Record<string, unknown> {
  const criteria = control.criteria.map((criterion) => criterion.id);
  return {
    id: control.id,
    name: control.id,
    shortDescription: { text: control.title },
    fullDescription: { text: `${control.title} (${control.type} control, ${control.category}; criteria ${criteria.join(", ")})` },
    help: { text: control.remediation ?? "No remediation is recorded for this control." },
    defaultConfiguration: { level: control.severity === "low" ? "warning" : "error" },
    properties: {
      tags: [...criteria, control.category, `soc2-${control.type}`],
      "security-severity": SECURITY_SEVERITY[control.severity],
      precision: "very-high",
      severity: control.severity,
    },
  };
}

function resultsFor(control: ControlResult, ruleIndex: number, context: ReportContext): Array<Record<string, unknown>> {
  const reported = control.findings.filter((finding) =>
    finding.status === "fail" || finding.status === "error" || finding.status === "pending" || finding.status === "waived");

  // A failing control without per-resource findings (a set-level expectation, no resources
  // selected) still needs a result, or the failure would vanish from code scanning.
  if (reported.length === 0 && (control.status === "fail" || control.status === "error" || control.status === "pending")) {
    reported.push({ resource: control.id, status: control.status, message: control.reason });
  }

  return reported.map((finding) => resultFor(control, ruleIndex, finding, context));
}

function resultFor(control: ControlResult, ruleIndex: number, finding: Finding, context: ReportContext): Record<string, unknown> {
  const level = finding.status === "error" || control.warnOnly || finding.status === "pending" ? "warning" : "error";
  let verb = "fails for";
  if (finding.status === "error") verb = "could not be evaluated for";
  if (finding.status === "pending") verb = "has no evidence recorded for";
  const detail = finding.message ?? control.reason;
  const result: Record<string, unknown> = {
    ruleId: control.id,
    ruleIndex,
    level,
    kind: "fail",
    message: { text: `${control.title}: ${verb} ${finding.resource}: ${detail}` },
    locations: [{
      physicalLocation: {
        artifactLocation: { uri: encodeURI(repoRelativePath(control.file, context.rootDir)), uriBaseId: "%SRCROOT%" },
        region: { startLine: Math.max(1, control.line) },
      },
    }],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(control.id, finding.resource) },
    properties: {
      resource: finding.resource,
      status: finding.status,
      severity: control.severity,
      criteria: control.criteria.map((criterion) => criterion.id),
      warnOnly: control.warnOnly,
      ...(finding.assertion ? { assertion: finding.assertion } : {}),
      ...(finding.fields ? { fields: finding.fields } : {}),
    },
  };
  if (finding.status === "waived") {
    result.suppressions = [{ kind: "external", state: "accepted", justification: finding.message ?? "waived by an approved exception" }];
  }
  return result;
}

/** Hash a control and resource id into a fingerprint that is the same on every run and machine. */
export function fingerprint(controlId: string, resource: string): string {
  return createHash("sha256").update(`${controlId}\u0000${resource}`).digest("hex");
}
