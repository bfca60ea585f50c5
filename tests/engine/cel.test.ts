import { describe, expect, it } from "vitest";
import { resourceSchema, t } from "../../src/collectors/schema.js";
import { celTimestamp, compileExpression, toCelValue } from "../../src/engine/cel.js";

const schema = resourceSchema({
  name: t.string(),
  enabled: t.bool(),
  count: t.int(),
  ratio: t.double(),
  seenAt: t.nullable(t.timestamp()),
  tags: t.list(t.string()),
  block: t.object({ all: t.bool() }),
  members: t.list(t.object({ role: t.string(), active: t.bool() })),
  meta: t.nullable(t.object({ flag: t.bool() })),
  labels: t.map(t.string()),
});

function compile(source: string, params: Record<string, unknown> = {}) {
  return compileExpression(source, { resource: schema, params, expectBool: true });
}

const resource = {
  id: "r1",
  classes: ["production"],
  name: "prod-db",
  enabled: true,
  count: 3,
  ratio: 0.5,
  seenAt: "2026-11-01T00:00:00Z",
  tags: ["a", "b"],
  block: { all: false },
  members: [{ role: "admin", active: true }, { role: "viewer", active: false }],
  meta: null,
  labels: {},
};

function evaluate(source: string, params: Record<string, unknown> = {}, value: Record<string, unknown> = resource) {
  const result = compile(source, params);
  expect(result.issues).toEqual([]);
  const bound = toCelValue(value, schema, "") as Record<string, unknown>;
  return result.compiled!.evaluate({ resource: bound, resources: [bound], params: toCelValue(params, { kind: "dyn" }, ""), now: celTimestamp(new Date("2026-12-04T00:00:00Z")) });
}

describe("compileExpression load-time checks", () => {
  it.each([
    ["resource.nmae == 'x'", /unknown field "nmae" on resource/],
    ["resource.block.any", /unknown field "any" on resource.block/],
    ["resource.members.all(m, m.rol == 'admin')", /unknown field "rol"/],
    ["resource.enabled == 'yes'", /cannot compare bool with string/],
    ["resource.count > 'three'", /cannot order int against string/],
    ["resource.name", /evaluates to string, expected bool/],
    ["resource.count + 1", /evaluates to int, expected bool/],
    ["resource.enabled &&", /does not parse/],
    ["secrets.key == 'x'", /unknown variable "secrets"/],
    ["resource.count * 1.5 > 2.0", /cannot mix int and double/],
    ["frobnicate(resource.name)", /unknown function "frobnicate"/],
    ["resource.seenAt < now - 5", /does not apply to timestamp and int/],
  ])("%s", (source, expected) => {
    const result = compile(source);
    expect(result.compiled).toBeUndefined();
    expect(result.issues.map((issue) => issue.message).join("; ")).toMatch(expected);
  });

  it("accepts well-typed expressions over every binding", () => {
    for (const source of [
      "resource.enabled && resource.count >= params.min",
      '"production" in resource.classes',
      "resource.seenAt == null ? false : resource.seenAt > now - duration(\"720h\")",
      "resource.members.exists(m, m.role == 'admin' && m.active)",
      "size(resources.filter(r, r.enabled)) <= params.max",
      "resource.name.startsWith('prod-') || resource.tags.exists(tag, tag == 'x')",
      "has(resource.block.all)",
    ]) {
      expect(compile(source, { min: 1, max: 3 }).issues, source).toEqual([]);
    }
  });

  it("reports the parameters' own field names", () => {
    expect(compile("resource.count > params.missing", { min: 1 }).issues[0]!.message).toMatch(/unknown field "missing" on params/);
  });

  it("records the resource fields an expression reads", () => {
    const result = compile("resource.enabled && resource.block.all && resource.members.all(m, m.active)");
    expect(result.compiled!.fieldsRead).toEqual(["block.all", "enabled", "members"]);
  });
});

describe("evaluation", () => {
  it("binds integers as CEL ints and timestamps as timestamps", () => {
    expect(evaluate("resource.count == 3 && type(resource.count) == int")).toEqual({ ok: true, value: true });
    expect(evaluate('resource.seenAt > timestamp("2026-10-01T00:00:00Z")')).toEqual({ ok: true, value: true });
    expect(evaluate("resource.seenAt > now")).toEqual({ ok: true, value: false });
  });

  it("binds integral parameters as ints", () => {
    expect(evaluate("resource.count >= params.min", { min: 3 })).toEqual({ ok: true, value: true });
  });

  it("never lets || absorb an evaluation error", () => {
    const outcome = evaluate("resource.enabled || resource.count / 0 == 1");
    expect(outcome.ok).toBe(false);
  });

  it("never lets && absorb an evaluation error either", () => {
    const outcome = evaluate("!resource.enabled && resource.tags[5] == 'x'");
    expect(outcome.ok).toBe(false);
  });

  it.each([
    "resource.seenAt > now || true",
    "resource.seenAt > now || resource.enabled",
    "resource.seenAt > now && false",
    "!resource.enabled && resource.seenAt > now",
  ])("reports a null comparison hidden by a logical operator: %s", (source) => {
    expect(evaluate(source, {}, { ...resource, seenAt: null }).ok).toBe(false);
  });

  it("reports a failing parameter expression hidden by ||", () => {
    expect(evaluate('resource.enabled || duration(params.window) > duration("1h")', { window: "nonsense" }).ok).toBe(false);
  });

  it("passes the same expression with a valid parameter", () => {
    expect(evaluate('resource.enabled || duration(params.window) > duration("1h")', { window: "2h" })).toEqual({ ok: true, value: true });
  });

  it("guards a null field behind a parameter window", () => {
    const source = '(resource.seenAt > now - duration(string(params.days * 24) + "h")) || resource.enabled';
    expect(evaluate(source, { days: 90 }, { ...resource, seenAt: null }).ok).toBe(false);
    expect(evaluate(source, { days: 90 })).toEqual({ ok: true, value: true });
  });

  it("reports a null literal reaching a comparison behind ||", () => {
    expect(evaluate("(resource.enabled ? null : resource.seenAt) < now || true").ok).toBe(false);
  });

  it("passes a ternary null test behind || on a null field", () => {
    expect(evaluate("(resource.seenAt == null ? false : resource.seenAt < now) || resource.enabled", {}, { ...resource, seenAt: null })).toEqual({ ok: true, value: true });
  });

  it.each([
    "resource.enabled || resource.meta.flag",
    "resource.meta.flag || resource.enabled",
    "!(resource.meta.flag && !resource.enabled)",
    'resource.enabled || resource.labels.env == "prod"',
    '{"a": 1}.b == 1 || resource.enabled',
  ])("reports a missing field behind a logical operator: %s", (source) => {
    expect(evaluate(source).ok).toBe(false);
  });

  it("passes a field read behind a null test", () => {
    expect(evaluate("resource.meta == null ? true : resource.meta.flag")).toEqual({ ok: true, value: true });
    expect(evaluate("resource.meta == null ? true : resource.meta.flag", {}, { ...resource, meta: { flag: false } })).toEqual({ ok: true, value: false });
  });

  it("ignores a fallible operand in a ternary branch not taken", () => {
    const source = "resource.count == 0 ? true : (10 / resource.count > 1 || resource.enabled)";
    expect(evaluate(source, {}, { ...resource, count: 0 })).toEqual({ ok: true, value: true });
  });

  it("checks a fallible operand in the ternary branch taken", () => {
    const source = "resource.count != 0 ? true : (10 / resource.count > 1 || resource.enabled)";
    expect(evaluate(source, {}, { ...resource, count: 0 }).ok).toBe(false);
  });

  it("passes a logical expression over typed operands", () => {
    expect(evaluate("resource.enabled || resource.count > 1")).toEqual({ ok: true, value: true });
  });

  it("lets the ternary guard a null timestamp", () => {
    expect(evaluate("resource.seenAt == null ? false : resource.seenAt < now", {}, { ...resource, seenAt: null })).toEqual({ ok: true, value: false });
  });

  it("reports an error for a comparison with null", () => {
    expect(evaluate("resource.seenAt < now", {}, { ...resource, seenAt: null }).ok).toBe(false);
  });
});

describe("toCelValue", () => {
  it("rejects a value that does not fit its declared type", () => {
    expect(() => toCelValue({ ...resource, count: "3" }, schema, "")).toThrow(/count is string but declared int/);
    expect(() => toCelValue({ ...resource, count: 1.5 }, schema, "")).toThrow(/count is number but declared int/);
    expect(() => toCelValue({ ...resource, seenAt: "yesterday" }, schema, "")).toThrow(/seenAt is string but declared timestamp/);
  });

  it("rejects a missing field rather than treating it as false", () => {
    const { enabled: _omitted, ...withoutEnabled } = resource;
    expect(() => toCelValue(withoutEnabled, schema, "")).toThrow(/enabled is missing but declared bool/);
  });
});
