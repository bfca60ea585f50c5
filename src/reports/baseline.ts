import type { Severity } from "../catalog/control-schema.js";
import type { ControlResult, RunResult, Status } from "../engine/types.js";
import { atOrAbove } from "../engine/summary.js";
import { FAILING, hasError } from "./common.js";

export interface Regression {
  control: string;
  /** Set when the control already failed and this resource is newly failing. */
  resource?: string;
  /** The status in the baseline, or `absent` when the control or resource was not in it. */
  was: Status | "absent";
  now: Status;
}

export interface BaselineComparison {
  regressions: Regression[];
  /** Controls in the current run that the baseline does not have. */
  newControls: string[];
}

/**
 * Compare a run with a baseline run. A regression is a control that did not fail before and
 * fails now (fail, or a manual control pending or overdue), or a newly failing resource of a
 * control that already failed. A control missing from the baseline that fails counts as a
 * regression too: a new control gets its grace period from `effective_from` (warn only), not
 * from being new. An `error` in the baseline proves nothing passed, so a control that errored
 * then and fails now is a regression.
 */
export function compareToBaseline(current: RunResult, previous: RunResult): BaselineComparison {
  const before = new Map(previous.controls.map((control) => [control.id, control]));
  const regressions: Regression[] = [];
  const newControls: string[] = [];

  for (const control of current.controls) {
    const old = before.get(control.id);
    if (!old) newControls.push(control.id);
    if (!FAILING.has(control.status)) continue;

    if (!old || !FAILING.has(old.status)) {
      regressions.push({ control: control.id, was: old?.status ?? "absent", now: control.status });
      continue;
    }
    regressions.push(...newlyFailingResources(control, old));
  }
  return { regressions, newControls };
}

function newlyFailingResources(control: ControlResult, old: ControlResult): Regression[] {
  const oldStatus = new Map(old.findings.map((finding) => [finding.resource, finding.status]));
  return control.findings
    .filter((finding) => finding.status === "fail" && oldStatus.get(finding.resource) !== "fail")
    .map((finding) => ({ control: control.id, resource: finding.resource, was: oldStatus.get(finding.resource) ?? "absent", now: finding.status }));
}

/**
 * The exit code under `--baseline`: 1 when a regression of a control at or above `failOn` blocks
 * (warn-only controls never block), else 3 when anything could not be evaluated, because errors
 * block whatever the baseline says, else 0.
 */
export function baselineExitCode(current: RunResult, comparison: BaselineComparison, failOn: Severity = "low"): 0 | 1 | 3 {
  const controls = new Map(current.controls.map((control) => [control.id, control]));
  const blocking = comparison.regressions.some((regression) => {
    const control = controls.get(regression.control);
    return control !== undefined && !control.warnOnly && atOrAbove(control.severity, failOn);
  });
  if (blocking) return 1;
  return current.controls.some(hasError) ? 3 : 0;
}
