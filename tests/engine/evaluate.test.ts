import { describe, expect, it } from "vitest";
import type { ControlSpec } from "../../src/catalog/control-schema.js";
import type { LoadedControl } from "../../src/catalog/load.js";
import { resourceSchema, t } from "../../src/collectors/schema.js";
import type { CollectorRecord, Snapshot } from "../../src/collectors/snapshot.js";
import { compileExpression } from "../../src/engine/cel.js";
import { evaluateControls } from "../../src/engine/evaluate.js";
import { summarize } from "../../src/engine/summary.js";

const schema = resourceSchema({ encrypted: t.bool(), retentionDays: t.int(), engine: t.string() });
const NOW = new Date("2026-12-04T12:00:00Z");

function control(overrides: Partial<ControlSpec> = {}, asserts = [{ expr: "resource.encrypted", message: "storage is not encrypted" }]): LoadedControl {
  const spec: ControlSpec = {
    id: "db-encrypted",
    title: "Databases are encrypted",
    description: "d",
    type: "automated",
    criteria: [{ id: "C1.1", link: "direct", why: "w" }],
    category: "confidentiality",
    severity: "high",
    owner: "security",
    frequency: "continuous",
    tags: [],
    params: { min: 35 },
    collector: "test.dbs",
    when_empty: "fail",
    ...overrides,
  };
  const compile = (source: string) => {
    const result = compileExpression(source, { resource: schema, params: spec.params, expectBool: true });
    if (!result.compiled) throw new Error(JSON.stringify(result.issues));
    return result.compiled;
  };
  return {
    spec,
    file: "controls/test/db-encrypted.yaml",
    line: 1,
    source: "",
    params: spec.params,
    collector: { id: "test.dbs", args: undefined, key: "test.dbs", schema },
    where: spec.where ? compile(spec.where) : undefined,
    assertions: asserts.map((assertion) => ({ expression: compile(assertion.expr), message: assertion.message })),
  };
}

/** A collector record without its collector id, keeping the union's variants apart. */
type RecordBody = CollectorRecord extends infer Variant ? (Variant extends CollectorRecord ? Omit<Variant, "collector"> : never) : never;

function snapshot(record: RecordBody): Snapshot {
  return { version: 1, takenAt: NOW.toISOString(), collectors: { "test.dbs": { collector: "test.dbs", ...record } as CollectorRecord } };
}

function db(id: string, fields: Partial<{ encrypted: boolean; retentionDays: number; engine: string }> = {}) {
  return { id, classes: [], encrypted: true, retentionDays: 35, engine: "postgres", ...fields };
}

function evaluateOne(loaded: LoadedControl, snap: Snapshot) {
  return evaluateControls([loaded], snap, { now: NOW })[0]!;
}

describe("evaluateControls", () => {
  it("passes when every selected resource passes", () => {
    const result = evaluateOne(control(), snapshot({ status: "ok", resources: [db("a"), db("b")] }));
    expect(result.status).toBe("pass");
    expect(result.findings.map((finding) => finding.status)).toEqual(["pass", "pass"]);
  });

  it("fails with the assertion's message and the fields it read", () => {
    const result = evaluateOne(control(), snapshot({ status: "ok", resources: [db("a"), db("b", { encrypted: false })] }));
    expect(result.status).toBe("fail");
    expect(result.reason).toBe("1 of 2 resources fail");
    expect(result.findings[1]).toEqual({
      resource: "b",
      status: "fail",
      message: "storage is not encrypted",
      assertion: "resource.encrypted",
      fields: { encrypted: false },
    });
  });

  it("fails when the where filter selects nothing, and says so", () => {
    const result = evaluateOne(control({ where: 'resource.engine == "mysql"' }), snapshot({ status: "ok", resources: [db("a")] }));
    expect(result.status).toBe("fail");
    expect(result.reason).toMatch(/nothing matched \(collector test.dbs returned 1 resource, none selected by where: resource.engine == "mysql"\)/);
  });

  it("fails when the collector returned no resource at all", () => {
    const result = evaluateOne(control(), snapshot({ status: "ok", resources: [] }));
    expect(result.status).toBe("fail");
    expect(result.reason).toMatch(/returned 0 resources/);
  });

  it("is not applicable on zero resources only when the control says so", () => {
    const result = evaluateOne(control({ when_empty: "not-applicable" }), snapshot({ status: "ok", resources: [] }));
    expect(result.status).toBe("not-applicable");
  });

  it("is an error with the reason when the collector failed", () => {
    const result = evaluateOne(control(), snapshot({ status: "error", error: { code: "AccessDenied", message: "rds:DescribeDBInstances denied" } }));
    expect(result.status).toBe("error");
    expect(result.reason).toBe("test.dbs could not be read: AccessDenied: rds:DescribeDBInstances denied");
  });

  it("is skipped when the source is not configured", () => {
    const result = evaluateOne(control(), snapshot({ status: "skipped", reason: 'source "test" is not configured' }));
    expect(result.status).toBe("skipped");
  });

  it("reports a resource that could not be read as an error, never drops it", () => {
    const broken = { ...db("b"), _error: { code: "AccessDenied", message: "s3:GetBucketPolicy denied" } };
    const result = evaluateOne(control(), snapshot({ status: "ok", resources: [db("a"), broken] }));
    expect(result.status).toBe("error");
    expect(result.findings[1]).toEqual({ resource: "b", status: "error", message: "AccessDenied: s3:GetBucketPolicy denied" });
  });

  it("keeps a definite failure as fail when another resource errored", () => {
    const broken = { ...db("c"), _error: { code: "Throttling", message: "rate exceeded" } };
    const result = evaluateOne(control(), snapshot({ status: "ok", resources: [db("a", { encrypted: false }), broken] }));
    expect(result.status).toBe("fail");
    expect(result.reason).toBe("1 of 2 resources fail; 1 could not be evaluated");
  });

  it("makes a resource an error when its output does not match the schema", () => {
    const result = evaluateOne(control(), snapshot({ status: "ok", resources: [{ id: "a", classes: [], encrypted: "yes", retentionDays: 35, engine: "postgres" }] }));
    expect(result.status).toBe("error");
    expect(result.findings[0]!.message).toMatch(/encrypted is string but declared bool/);
  });

  it("makes a resource an error when an assertion cannot be evaluated", () => {
    const loaded = control({}, [{ expr: "resource.retentionDays / (resource.retentionDays - 35) > 0 || true", message: "m" }]);
    const result = evaluateOne(loaded, snapshot({ status: "ok", resources: [db("a")] }));
    expect(result.status).toBe("error");
    expect(result.findings[0]!.message).toMatch(/evaluation failed: .*divide by zero/);
  });

  it("passes a set-level control when at least min_passing resources pass", () => {
    const loaded = control({ expect: { min_passing: 1 } });
    const result = evaluateOne(loaded, snapshot({ status: "ok", resources: [db("a", { encrypted: false }), db("b")] }));
    expect(result.status).toBe("pass");
    expect(result.reason).toBe("1 resource pass, at least 1 required");
  });

  it("fails a set-level control below min_passing", () => {
    const loaded = control({ expect: { min_passing: 2 } });
    const result = evaluateOne(loaded, snapshot({ status: "ok", resources: [db("a", { encrypted: false }), db("b")] }));
    expect(result.status).toBe("fail");
  });

  it("binds params for assertions", () => {
    const loaded = control({}, [{ expr: "resource.retentionDays >= params.min", message: "retention below minimum" }]);
    const result = evaluateOne(loaded, snapshot({ status: "ok", resources: [db("a", { retentionDays: 7 })] }));
    expect(result.findings[0]).toMatchObject({ status: "fail", message: "retention below minimum", fields: { retentionDays: 7 } });
  });

  it("evaluates a set-level assertion once per control", () => {
    const loaded = control({}, [{ expr: "size(resources.filter(r, r.encrypted)) >= 2", message: "too few encrypted" }]);
    expect(loaded.assertions[0]!.expression.readsResource).toBe(false);
    let calls = 0;
    const original = loaded.assertions[0]!.expression.evaluate;
    loaded.assertions[0]!.expression.evaluate = (bindings) => {
      calls++;
      return original(bindings);
    };
    const result = evaluateOne(loaded, snapshot({ status: "ok", resources: [db("a"), db("b"), db("c", { encrypted: false })] }));
    expect(result.status).toBe("pass");
    expect(calls).toBe(1);
  });

  it("marks a failure before effective_from as warning only", () => {
    const result = evaluateOne(control({ effective_from: "2027-01-01" }), snapshot({ status: "ok", resources: [db("a", { encrypted: false })] }));
    expect(result.status).toBe("fail");
    expect(result.warnOnly).toBe(true);
    expect(summarize([result], "low").exitCode).toBe(0);
  });
});

describe("summarize", () => {
  const result = (status: "pass" | "fail" | "error" | "pending", severity: "critical" | "high" | "medium" | "low" = "high") =>
    ({ ...evaluateOne(control(), snapshot({ status: "ok", resources: [db("a")] })), status, severity, findings: [] });

  it.each([
    { statuses: [result("pass")], failOn: "low", exit: 0 },
    { statuses: [result("pass"), result("fail")], failOn: "low", exit: 1 },
    { statuses: [result("pending")], failOn: "low", exit: 1 },
    { statuses: [result("fail", "low")], failOn: "high", exit: 0 },
    { statuses: [result("error", "low")], failOn: "critical", exit: 3 },
    { statuses: [result("fail", "low"), result("error", "low")], failOn: "high", exit: 3 },
    { statuses: [result("fail"), result("error")], failOn: "low", exit: 1 },
  ] as const)("exit $exit for $failOn threshold", ({ statuses, failOn, exit }) => {
    expect(summarize([...statuses], failOn).exitCode).toBe(exit);
  });

  it("counts waived as pass in the score and leaves skipped out", () => {
    const results = [result("pass"), { ...result("pass"), status: "waived" as const }, result("fail"), { ...result("pass"), status: "skipped" as const }];
    const summary = summarize(results, "low");
    expect(summary.score).toBeCloseTo(2 / 3);
    expect(summary.evaluatedShare).toBe(1);
  });
});
