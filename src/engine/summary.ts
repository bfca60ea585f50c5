import { SEVERITIES, type Severity } from "../catalog/control-schema.js";
import type { ControlResult, RunSummary, Status, StatusCounts } from "./types.js";

export const STATUSES: Status[] = ["pass", "fail", "waived", "error", "pending", "not-applicable", "skipped"];

export function countStatuses(results: ControlResult[]): StatusCounts {
  const counts = Object.fromEntries(STATUSES.map((status) => [status, 0])) as StatusCounts;
  for (const result of results) counts[result.status]++;
  return counts;
}

/** Whether a severity is at or above the `--fail-on` threshold. */
export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}

/**
 * Counts, score and exit code. Exit 1 when a failing or pending control at or above `failOn`
 * blocks; otherwise 3 when anything could not be evaluated, whatever `failOn` says, because
 * an error means the evidence is incomplete; otherwise 0.
 */
export function summarize(results: ControlResult[], failOn: Severity): RunSummary {
  const counts = countStatuses(results);
  const scored = counts.pass + counts.waived + counts.fail + counts.error + counts.pending;
  const score = scored === 0 ? null : (counts.pass + counts.waived) / scored;
  const inScope = results.filter((result) => result.status !== "skipped" && result.status !== "not-applicable").length;
  const evaluated = counts.pass + counts.fail + counts.waived;
  const evaluatedShare = inScope === 0 ? null : evaluated / inScope;

  const blocking = results.some((result) =>
    (result.status === "fail" || result.status === "pending") && !result.warnOnly && atOrAbove(result.severity, failOn));
  const errors = results.some((result) => result.status === "error" || result.findings.some((finding) => finding.status === "error"));

  const exitCode = blocking ? 1 : errors ? 3 : 0;
  return { counts, score, evaluatedShare, exitCode };
}
