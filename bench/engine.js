// Engine figures: one evaluation of every control over the whole snapshot, and the engine's cost
// per resource-assertion evaluation next to the CEL library's own cost for the same expressions.
import { celEnv, parse, plan } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";

/** Evaluates every control once over the snapshot, as `soc2 check` does after collecting. */
export async function timeEvaluation(build, controls, snapshot, now) {
  const { evaluateControls } = await build.load("src/engine/evaluate.js");
  const started = performance.now();
  const results = evaluateControls(controls, snapshot, { now });
  return { ms: performance.now() - started, results };
}

/**
 * Runs at least `target` resource-assertion evaluations through the engine and through bare
 * planned CEL programs, side by side, and splits the engine's time into its steps.
 *
 * The bare loop is what the engine cannot do with less: parse and plan once, convert every
 * resource once, then call each program with the bindings: the where clause for every resource,
 * the assertions for the selected ones. Both loops stop a resource's assertions at the first
 * false one, as the engine does, so both evaluate the same expressions. An assertion that never
 * names `resource` has one value for the whole selected set: both loops evaluate it once per
 * control and pass, as the engine does, and count it once per resource that reads its value.
 */
export async function compareWithRawCel(build, controls, snapshot, now, target) {
  const { evaluateControls } = await build.load("src/engine/evaluate.js");
  const { toCelValue, fromJson, celTimestamp } = await build.load("src/engine/cel.js");
  const env = celEnv({ funcs: strings });
  const celNow = celTimestamp(now);

  // The workload: automated controls whose collector returned resources.
  const work = [];
  for (const control of controls) {
    const record = control.collector ? snapshot.collectors[control.collector.key] : undefined;
    if (control.spec.type === "manual" || record?.status !== "ok" || control.assertions.length === 0) continue;
    const wanted = control.spec.type === "policy" ? new Set(control.spec.policies) : undefined;
    const resources = record.resources.filter((resource) => !resource._error && (!wanted || wanted.has(resource.id)));
    work.push({ control, record, resources, params: fromJson(control.params) });
  }

  // Conversion, once per collector, as the engine caches it within one evaluation.
  const convertStarted = performance.now();
  const converted = new Map();
  for (const item of work) {
    if (!converted.has(item.control.collector.key)) {
      converted.set(item.control.collector.key, item.record.resources.map((resource) => (resource._error ? undefined : toCelValue(resource, item.control.collector.schema, ""))));
    }
  }
  const convertMs = performance.now() - convertStarted;

  for (const item of work) {
    const values = converted.get(item.control.collector.key);
    const byId = new Map(item.record.resources.map((resource, index) => [resource.id, values[index]]));
    item.values = item.resources.map((resource) => byId.get(resource.id));
    const where = item.control.where;
    item.whereRaw = where ? plan(env, parse(where.source)) : undefined;
    item.assertionsRaw = item.control.assertions.map((assertion) => plan(env, parse(assertion.expression.source)));
    item.setLevel = item.control.assertions.map((assertion) => !assertion.expression.readsResource);
  }

  // The selected sets, for counting: the resources each control's where clause keeps.
  for (const item of work) {
    const where = item.control.where;
    item.selected = where ? item.values.filter((value) => item.whereRaw({ resource: value, params: item.params, now: celNow }) === true) : item.values;
  }
  const perPass = work.reduce((sum, item) => sum + countEvaluations(item, celNow), 0);
  const passes = Math.max(1, Math.ceil(target / Math.max(1, perPass)));

  // Bare CEL: planned programs over pre-converted bindings, where clause first, as the engine does.
  let started = performance.now();
  let rawEvaluations = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (const item of work) {
      const itemStarted = performance.now();
      const selected = item.whereRaw ? item.values.filter((value) => item.whereRaw({ resource: value, params: item.params, now: celNow }) === true) : item.values;
      const once = new Map();
      for (const value of selected) {
        const bindings = { resource: value, resources: selected, params: item.params, now: celNow };
        for (let index = 0; index < item.assertionsRaw.length; index++) {
          rawEvaluations += 1;
          if (runOnce(once, index, item.setLevel[index], () => item.assertionsRaw[index](bindings)) !== true) break;
        }
      }
      item.rawMs = (item.rawMs ?? 0) + performance.now() - itemStarted;
    }
  }
  const rawMs = performance.now() - started;
  const slowest = [...work].sort((a, b) => b.rawMs - a.rawMs).slice(0, 3)
    .map((item) => ({ id: item.control.spec.id, ms: item.rawMs, selected: item.selected.length, setLevel: item.setLevel.some(Boolean) }));

  // The engine's compiled expressions (program plus the guards of fallible && and || operands), same loop.
  started = performance.now();
  let compiledEvaluations = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (const item of work) {
      const where = item.control.where;
      const selected = where
        ? item.values.filter((value) => {
          const outcome = where.evaluate({ resource: value, params: item.params, now: celNow });
          return outcome.ok && outcome.value === true;
        })
        : item.values;
      const once = new Map();
      for (const value of selected) {
        const bindings = { resource: value, resources: selected, params: item.params, now: celNow };
        for (let index = 0; index < item.control.assertions.length; index++) {
          compiledEvaluations += 1;
          const outcome = runOnce(once, index, item.setLevel[index], () => item.control.assertions[index].expression.evaluate(bindings));
          if (!outcome.ok || outcome.value !== true) break;
        }
      }
    }
  }
  const compiledMs = performance.now() - started;

  // The whole engine: evaluateControls over the controls of the workload, the same number of passes.
  const engineControls = work.map((item) => item.control);
  started = performance.now();
  for (let pass = 0; pass < passes; pass++) evaluateControls(engineControls, snapshot, { now });
  const engineMs = performance.now() - started;

  return {
    evaluations: rawEvaluations,
    compiledEvaluations,
    passes,
    rawMs,
    compiledMs,
    engineMs,
    convertMs,
    slowest,
  };
}

function countEvaluations(item, now) {
  let count = 0;
  const once = new Map();
  for (const value of item.selected) {
    const bindings = { resource: value, resources: item.selected, params: item.params, now };
    for (let index = 0; index < item.assertionsRaw.length; index++) {
      count += 1;
      if (runOnce(once, index, item.setLevel[index], () => item.assertionsRaw[index](bindings)) !== true) break;
    }
  }
  return count;
}

/** Evaluates a set-level assertion once per control and pass, any other one every time. */
function runOnce(once, index, setLevel, evaluate) {
  if (!setLevel) return evaluate();
  if (!once.has(index)) once.set(index, evaluate());
  return once.get(index);
}
