import type { CompiledAssertion, LoadedControl } from "../catalog/load.js";
import type { ObjectType } from "../collectors/schema.js";
import type { CollectorRecord, Snapshot } from "../collectors/snapshot.js";
import type { Resource } from "../collectors/types.js";
import { celTimestamp, fromJson, toCelValue, type EvaluationOutcome } from "./cel.js";
import { evaluateManual } from "./manual.js";
import type { ControlResult, Finding } from "./types.js";

/** Snapshot key of the attestation records manual controls are judged by. */
export const ATTESTATIONS_KEY = "files.attestations";

export interface EvaluateOptions {
  now: Date;
}

/** A resource converted to CEL values once, shared by every control that reads its collector. */
type Prepared = { resource: Resource; value: Record<string, unknown> } | { resource: Resource; problem: string };

/**
 * Evaluates every control over a snapshot. Pure and synchronous: the same controls, snapshot
 * and clock give the same results, which is what makes replaying a bundle meaningful.
 */
export function evaluateControls(controls: LoadedControl[], snapshot: Snapshot, options: EvaluateOptions): ControlResult[] {
  const prepared = new Map<string, Prepared[]>();
  const now = celTimestamp(options.now);
  // Controls are evaluated grouped by the collector they read, and a collector's converted
  // resources are dropped after its last control, so only one collector's CEL copies exist at a
  // time (with 50,000 users, tens of megabytes). Results keep the controls' order.
  const keyOf = (control: LoadedControl): string => (control.spec.type === "manual" ? "" : control.collector?.key ?? "");
  const order = controls.map((control, index) => ({ control, index, key: keyOf(control) }));
  order.sort((a, b) => a.key.localeCompare(b.key) || a.index - b.index);

  const results = new Array<ControlResult>(controls.length);
  order.forEach(({ control, index, key }, position) => {
    results[index] = evaluateControl(control, snapshot, prepared, now, options.now);
    if (order[position + 1]?.key !== key) prepared.delete(key);
  });
  return results;
}

function evaluateControl(
  control: LoadedControl,
  snapshot: Snapshot,
  cache: Map<string, Prepared[]>,
  now: unknown,
  clock: Date,
): ControlResult {
  const spec = control.spec;
  const base: ControlResult = {
    id: spec.id,
    title: spec.title,
    type: spec.type,
    category: spec.category,
    severity: spec.severity,
    criteria: spec.criteria,
    collector: control.collector?.id,
    status: "error",
    reason: "",
    warnOnly: spec.effective_from !== undefined && clock < new Date(`${spec.effective_from}T00:00:00Z`),
    remediation: spec.remediation,
    findings: [],
    file: control.file,
    line: control.line,
  };

  if (spec.type === "manual") return { ...base, ...judgeManual(control, snapshot, clock) };

  const collector = control.collector!;
  const record = snapshot.collectors[collector.key];
  const unavailable = recordProblem(record, collector.id);
  if (unavailable) return { ...base, ...unavailable };

  const prepared = prepare(collector.key, (record as Extract<CollectorRecord, { status: "ok" }>).resources, collector.schema, cache);
  const params = fromJson(control.params);
  return { ...base, ...judgeResources(control, prepared, params, now) };
}

function recordProblem(record: CollectorRecord | undefined, collectorId: string): Pick<ControlResult, "status" | "reason"> | undefined {
  if (!record) return { status: "error", reason: `collector ${collectorId} has no output in this snapshot` };
  if (record.status === "skipped") return { status: "skipped", reason: `${collectorId}: ${record.reason}` };
  if (record.status === "error") return { status: "error", reason: `${collectorId} could not be read: ${record.error.code}: ${record.error.message}` };
  return undefined;
}

function judgeManual(control: LoadedControl, snapshot: Snapshot, clock: Date): Pick<ControlResult, "status" | "reason" | "findings"> {
  const record = snapshot.collectors[ATTESTATIONS_KEY];
  const unavailable = recordProblem(record, ATTESTATIONS_KEY);
  if (unavailable) return { ...unavailable, findings: [] };
  const attestations = (record as Extract<CollectorRecord, { status: "ok" }>).resources;
  const outcome = evaluateManual({ id: control.spec.id, attestation: control.spec.attestation! }, attestations, clock);
  return { status: outcome.status, reason: outcome.reason, findings: outcome.findings };
}

function prepare(key: string, resources: Resource[], schema: ObjectType, cache: Map<string, Prepared[]>): Prepared[] {
  let prepared = cache.get(key);
  if (prepared) return prepared;
  prepared = resources.map((resource) => {
    try {
      return { resource, value: toCelValue(resource, schema, "") as Record<string, unknown> };
    } catch (error) {
      return { resource, problem: `collector output does not match its schema: ${(error as Error).message}` };
    }
  });
  cache.set(key, prepared);
  return prepared;
}

function judgeResources(
  control: LoadedControl,
  prepared: Prepared[],
  params: unknown,
  now: unknown,
): Pick<ControlResult, "status" | "reason" | "findings"> {
  const spec = control.spec;
  const requiredPolicies = spec.type === "policy" ? new Set(spec.policies) : undefined;
  // Each resource is an early error, selected, or left out by `where`. Assertions run in a
  // second pass, because `resources` must be the whole selected set.
  const outcomes: Array<{ finding: Finding } | { selected: { resource: Resource; value: Record<string, unknown> } }> = [];

  for (const item of prepared) {
    if (requiredPolicies && !requiredPolicies.has(item.resource.id)) continue;
    let failure: string | undefined;
    if (item.resource._error) failure = `${item.resource._error.code}: ${item.resource._error.message}`;
    else if ("problem" in item) failure = item.problem;
    if (failure) {
      // A resource that could not be read completely is reported, never dropped: its `where`
      // may not be decidable, and dropping it could turn an incomplete read into a pass.
      outcomes.push({ finding: { resource: item.resource.id, status: "error", message: failure } });
      continue;
    }
    const value = (item as { value: Record<string, unknown> }).value;
    if (control.where) {
      const outcome = control.where.evaluate({ resource: value, params, now });
      if (!outcome.ok) {
        outcomes.push({ finding: { resource: item.resource.id, status: "error", message: `where: ${outcome.error}`, assertion: control.where.source } });
        continue;
      }
      if (outcome.value !== true) continue;
    }
    outcomes.push({ selected: { resource: item.resource, value } });
  }

  const resources = outcomes.flatMap((outcome) => ("selected" in outcome ? [outcome.selected.value] : []));
  // A set-level assertion that never names `resource` has one value for the whole set: it is
  // evaluated once, not once per resource.
  const setLevel = new Map<CompiledAssertion, EvaluationOutcome>();
  const findings = outcomes.map((outcome) => ("finding" in outcome ? outcome.finding : judgeOne(control, outcome.selected, resources, params, now, setLevel)));

  if (requiredPolicies) {
    const present = new Set(prepared.map((item) => item.resource.id));
    for (const id of spec.policies!) {
      if (!present.has(id)) findings.push({ resource: id, status: "fail", message: `policy "${id}" not found in the policies folder` });
    }
  }

  return summarize(control, findings, prepared.length);
}

function judgeOne(
  control: LoadedControl,
  item: { resource: Resource; value: Record<string, unknown> },
  resources: Array<Record<string, unknown>>,
  params: unknown,
  now: unknown,
  setLevel: Map<CompiledAssertion, EvaluationOutcome>,
): Finding {
  const bindings = { resource: item.value, resources, params, now };
  for (const assertion of control.assertions) {
    let outcome = setLevel.get(assertion);
    if (!outcome) {
      outcome = assertion.expression.evaluate(bindings);
      if (!assertion.expression.readsResource) setLevel.set(assertion, outcome);
    }
    const fields = pick(item.resource, assertion.expression.fieldsRead);
    if (!outcome.ok) {
      return { resource: item.resource.id, status: "error", message: `evaluation failed: ${outcome.error}`, assertion: assertion.expression.source, fields };
    }
    if (typeof outcome.value !== "boolean") {
      return { resource: item.resource.id, status: "error", message: "assertion did not evaluate to a bool", assertion: assertion.expression.source, fields };
    }
    if (!outcome.value) {
      return { resource: item.resource.id, status: "fail", message: assertion.message, assertion: assertion.expression.source, fields };
    }
  }
  return { resource: item.resource.id, status: "pass" };
}

function summarize(control: LoadedControl, findings: Finding[], collected: number): Pick<ControlResult, "status" | "reason" | "findings"> {
  const spec = control.spec;
  const count = (status: Finding["status"]): number => findings.filter((finding) => finding.status === status).length;
  const passed = count("pass");
  const failed = count("fail");
  const errors = count("error");
  const judged = passed + failed;

  if (findings.length === 0) {
    const what = `collector ${control.collector!.id} returned ${collected} resource${collected === 1 ? "" : "s"}`;
    const why = collected === 0 ? what : `${what}, none selected by where: ${spec.where}`;
    if (spec.when_empty === "not-applicable") return { status: "not-applicable", reason: `nothing matched (${why})`, findings };
    return { status: "fail", reason: `nothing matched (${why}); a control with no resource fails unless when_empty is not-applicable`, findings };
  }

  if (spec.expect) {
    const needed = spec.expect.min_passing;
    if (passed >= needed) return { status: "pass", reason: `${passed} resource${passed === 1 ? "" : "s"} pass, at least ${needed} required`, findings };
    if (errors > 0) return { status: "error", reason: `${passed} of at least ${needed} required pass, and ${errors} could not be evaluated`, findings };
    return { status: "fail", reason: `${passed} resource${passed === 1 ? "" : "s"} pass, at least ${needed} required`, findings };
  }

  if (failed > 0) {
    const extra = errors > 0 ? `; ${errors} could not be evaluated` : "";
    return { status: "fail", reason: `${failed} of ${judged + errors} resources fail${extra}`, findings };
  }
  if (errors > 0) return { status: "error", reason: `${errors} of ${judged + errors} resources could not be evaluated`, findings };
  return { status: "pass", reason: `all ${passed} resource${passed === 1 ? "" : "s"} pass`, findings };
}

/** Collects the values of the fields an assertion read, for the finding: what the verdict rests on. */
function pick(resource: Resource, paths: string[]): Record<string, unknown> | undefined {
  if (paths.length === 0) return undefined;
  const fields: Record<string, unknown> = {};
  for (const fieldPath of paths) {
    let value: unknown = resource;
    for (const part of fieldPath.split(".")) {
      value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
    }
    fields[fieldPath] = value ?? null;
  }
  return fields;
}
