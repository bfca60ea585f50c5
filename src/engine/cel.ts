import { celEnv, isCelError, parse, plan, type CelEnv } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { ExprSchema, type Expr } from "@bufbuild/cel-spec/cel/expr/syntax_pb.js";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { FieldType, ObjectType } from "../collectors/schema.js";
import { describeStatic, ExpressionChecker, typeOfValue, type CelStaticType, type CheckIssue, type Fallibility } from "./cel-check.js";

type Program = (bindings: Record<string, unknown>) => unknown;

/** An expression parsed, type-checked and planned once, evaluated for every resource. */
export interface CompiledExpression {
  source: string;
  /** Paths under `resource` the expression reads, e.g. `rlsEnabled`, `publicAccessBlock.allBlocked`. */
  fieldsRead: string[];
  /** False when the expression never names `resource`, so its value is the same for every resource. */
  readsResource: boolean;
  evaluate(bindings: Record<string, unknown>): EvaluationOutcome;
}

export type EvaluationOutcome = { ok: true; value: unknown } | { ok: false; error: string };

let sharedEnv: CelEnv | undefined;

function environment(): CelEnv {
  sharedEnv ??= celEnv({ funcs: strings });
  return sharedEnv;
}

export interface CompileScope {
  resource: ObjectType;
  params: Record<string, unknown>;
  /** Whether the expression must yield a bool (where and assert do). */
  expectBool: boolean;
}

export type CompileResult = { compiled: CompiledExpression; issues: [] } | { compiled?: undefined; issues: CheckIssue[] };

export function compileExpression(source: string, scope: CompileScope): CompileResult {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (error) {
    const located = error as { message: string; location?: { start?: { offset?: number } } };
    return { issues: [{ message: `does not parse: ${located.message.replace(/^<input>:\d+:\d+: /, "")}`, offset: located.location?.start?.offset }] };
  }
  if (!parsed.expr) return { issues: [{ message: "expression is empty" }] };

  const positions = Object.fromEntries(Object.entries(parsed.sourceInfo?.positions ?? {}).map(([id, offset]) => [id, Number(offset)]));
  const checker = new ExpressionChecker(variableTypes(scope), positions);
  const resultType = checker.check(parsed.expr);
  if (scope.expectBool && resultType.kind !== "bool" && resultType.kind !== "dyn") {
    checker.issues.push({ message: `evaluates to ${describeStatic(resultType)}, expected bool` });
  }
  if (checker.issues.length > 0) return { issues: checker.issues };

  const env = environment();
  const program = plan(env, parsed) as Program;
  const guards = fallibleOperands(parsed.expr, checker.fallible).map(({ operand, branches }) => guardFor(env, operand, branches, checker.fallible));
  const fieldsRead = [...new Set(resourcePaths(parsed.expr))].sort();
  const readsResource = namesVariable(parsed.expr, "resource");

  return {
    issues: [],
    compiled: {
      source,
      fieldsRead,
      readsResource,
      evaluate(bindings) {
        const value = program(bindings);
        if (isCelError(value)) return { ok: false, error: value.message };
        // CEL lets `true || error` be true. An error hidden that way would let a broken check
        // pass, so operands of && and || that can fail are evaluated on their own as well.
        for (const guard of guards) {
          if (!guard.needed(bindings)) continue;
          const partial = guard.program(bindings);
          if (isCelError(partial)) return { ok: false, error: partial.message };
        }
        return { ok: true, value };
      },
    },
  };
}

function variableTypes(scope: CompileScope): Record<string, CelStaticType> {
  return {
    resource: scope.resource,
    resources: { kind: "list", of: scope.resource },
    params: typeOfValue(scope.params),
    now: { kind: "timestamp" },
  };
}

/** Paths read below the `resource` variable, outermost select chain only. */
function resourcePaths(expr: Expr): string[] {
  const paths: string[] = [];
  const visit = (node: Expr | undefined): void => {
    if (!node) return;
    const kind = node.exprKind;
    if (kind.case === "selectExpr") {
      const chain = selectChain(node);
      if (chain && chain[0] === "resource" && chain.length > 1) {
        paths.push(chain.slice(1).join("."));
        return;
      }
      visit(kind.value.operand);
      return;
    }
    for (const child of children(node)) visit(child);
  };
  visit(expr);
  return paths;
}

function namesVariable(expr: Expr, name: string): boolean {
  if (expr.exprKind.case === "identExpr") return expr.exprKind.value.name === name;
  return children(expr).some((child) => namesVariable(child, name));
}

function selectChain(expr: Expr): string[] | undefined {
  if (expr.exprKind.case === "identExpr") return [expr.exprKind.value.name];
  if (expr.exprKind.case === "selectExpr" && expr.exprKind.value.operand) {
    const base = selectChain(expr.exprKind.value.operand);
    return base ? [...base, expr.exprKind.value.field] : undefined;
  }
  return undefined;
}

function children(expr: Expr): Expr[] {
  const kind = expr.exprKind;
  switch (kind.case) {
    case "selectExpr":
      return kind.value.operand ? [kind.value.operand] : [];
    case "callExpr":
      return [...(kind.value.target ? [kind.value.target] : []), ...kind.value.args];
    case "listExpr":
      return kind.value.elements;
    case "structExpr":
      return kind.value.entries.flatMap((entry) => [
        ...(entry.keyKind.case === "mapKey" ? [entry.keyKind.value] : []),
        ...(entry.value ? [entry.value] : []),
      ]);
    case "comprehensionExpr":
      return [kind.value.iterRange, kind.value.accuInit, kind.value.loopCondition, kind.value.loopStep, kind.value.result]
        .filter((child): child is Expr => child !== undefined);
    default:
      return [];
  }
}

/**
 * NOTE: inside a comprehension (all, exists, filter) CEL still lets a true or false element
 * absorb another element's error, because the iteration variables exist only there and the
 * operand cannot be evaluated on its own. Resource fields are schema-checked before evaluation,
 * so what remains is arithmetic or indexing inside a macro.
 *
 * Operands of && and || (outside comprehensions, whose variables exist only inside them) that
 * contain a call the checker marked as able to fail at run time.
 */
interface Guard {
  program: Program;
  /** Whether the operand can fail for these bindings; false skips evaluating it again. */
  needed(bindings: Record<string, unknown>): boolean;
}

/**
 * Plans one operand for separate evaluation. Two cases keep the common resource at a single
 * evaluation:
 * - a call that fails only on a null field (a comparison with a nullable timestamp, say) makes
 *   the operand worth evaluating again only when a resource field it reads is null;
 * - a fallible part that names neither `resource` nor `resources` (e.g. `duration(string(
 *   params.days * 24) + "h")`) has the same outcome for every resource, so it is evaluated once
 *   per control and parameter set.
 */
function guardFor(env: CelEnv, operand: Expr, branches: Branch[], fallible: ReadonlyMap<string, Fallibility>): Guard {
  const program = plan(env, withinBranches(operand, branches)) as Program;
  const constants: Expr[] = [];
  const onNull: Expr[] = [];
  if (failsOtherThanOnNull(operand, fallible, constants, onNull)) return { program, needed: () => true };

  const constantPrograms = constants.map((part) => plan(env, part) as Program);
  const checked = new WeakMap<object, { now: unknown; failed: boolean }>();
  const constantsFail = (bindings: Record<string, unknown>): boolean => {
    if (constantPrograms.length === 0) return false;
    const key = bindings.params !== null && typeof bindings.params === "object" ? bindings.params : checked;
    const cached = checked.get(key);
    if (cached && cached.now === bindings.now) return cached.failed;
    const failed = constantPrograms.some((part) => isCelError(part(bindings)));
    checked.set(key, { now: bindings.now, failed });
    return failed;
  };

  // Only the fields read by calls that fail on null matter. A field that a ternary already tested
  // for null is typed as not nullable in that branch, so its call is not among them.
  const paths = [...new Set(onNull.flatMap((call) => resourcePaths(call)))].map((path) => path.split("."));
  return {
    program,
    needed: (bindings) => constantsFail(bindings) || paths.some((path) => valueAt(bindings.resource, path) == null),
  };
}

/**
 * Tells whether an operand can fail in a way other than a null resource field. Fallible parts
 * that read no resource go into `constants`, to be checked once. Calls that fail only on null
 * go into `onNull`.
 */
function failsOtherThanOnNull(expr: Expr, fallible: ReadonlyMap<string, Fallibility>, constants: Expr[], onNull: Expr[]): boolean {
  // A null literal or a comprehension can produce the null a call fails on without any resource
  // field being null, so such an operand is always evaluated again.
  if (expr.exprKind.case === "comprehensionExpr") return true;
  if (isNullLiteral(expr)) return true;
  if (fallible.get(String(expr.id)) === "always") {
    if (namesVariable(expr, "resource") || namesVariable(expr, "resources")) return true;
    constants.push(expr);
    return false;
  }
  if (fallible.get(String(expr.id)) === "on-null") onNull.push(expr);
  // `x == null` and `x != null` never fail (CEL equality is defined for any pair of values), so
  // the null literal of such a test cannot reach a fallible call.
  const isEqualityTest = expr.exprKind.case === "callExpr" && (expr.exprKind.value.function === "_==_" || expr.exprKind.value.function === "_!=_");
  const operands = isEqualityTest ? children(expr).filter((child) => !isNullLiteral(child)) : children(expr);
  return operands.some((child) => failsOtherThanOnNull(child, fallible, constants, onNull));
}

function isNullLiteral(expr: Expr): boolean {
  return expr.exprKind.case === "constExpr" && expr.exprKind.value.constantKind.case === "nullValue";
}

function valueAt(root: unknown, path: string[]): unknown {
  let value = root;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A ternary branch that leads to an operand: the condition, and which of its two branches. */
interface Branch {
  condition: Expr;
  /** True for the branch the ternary takes when the condition is true. */
  whenTrue: boolean;
}

function fallibleOperands(expr: Expr, fallible: ReadonlyMap<string, Fallibility>): Array<{ operand: Expr; branches: Branch[] }> {
  const found: Array<{ operand: Expr; branches: Branch[] }> = [];
  const visit = (node: Expr, branches: Branch[]): void => {
    const kind = node.exprKind;
    if (kind.case === "comprehensionExpr") return;
    if (kind.case === "callExpr" && kind.value.function === "_?_:_" && kind.value.args.length === 3) {
      const [condition, whenTrue, whenFalse] = kind.value.args as [Expr, Expr, Expr];
      visit(condition, branches);
      visit(whenTrue, [...branches, { condition, whenTrue: true }]);
      visit(whenFalse, [...branches, { condition, whenTrue: false }]);
      return;
    }
    if (kind.case === "callExpr" && (kind.value.function === "_&&_" || kind.value.function === "_||_")) {
      for (const operand of kind.value.args) {
        if (!isLogical(operand) && canFail(operand, fallible)) found.push({ operand, branches });
        visit(operand, branches);
      }
      return;
    }
    for (const child of children(node)) visit(child, branches);
  };
  visit(expr, []);
  return found;
}

let syntheticId = 1_000_000_000n;

/**
 * Wraps an operand in the ternary conditions that lead to it, so evaluating it alone errs only
 * when its branch is the one taken: `c ? x : y` guards `x` as `c ? x : false`.
 */
function withinBranches(operand: Expr, branches: Branch[]): Expr {
  let wrapped = operand;
  for (const branch of [...branches].reverse()) {
    const neutral = create(ExprSchema, { id: syntheticId++, exprKind: { case: "constExpr", value: { constantKind: { case: "boolValue", value: false } } } });
    const args = branch.whenTrue ? [branch.condition, wrapped, neutral] : [branch.condition, neutral, wrapped];
    wrapped = create(ExprSchema, { id: syntheticId++, exprKind: { case: "callExpr", value: { function: "_?_:_", args } } });
  }
  return wrapped;
}

function isLogical(expr: Expr): boolean {
  return expr.exprKind.case === "callExpr" && (expr.exprKind.value.function === "_&&_" || expr.exprKind.value.function === "_||_");
}

function canFail(expr: Expr, fallible: ReadonlyMap<string, Fallibility>): boolean {
  if (fallible.has(String(expr.id))) return true;
  if (expr.exprKind.case === "comprehensionExpr") return true;
  return children(expr).some((child) => canFail(child, fallible));
}

/**
 * Converts a JSON resource to CEL values through its schema: integers to CEL ints (bigint),
 * ISO-8601 strings to timestamps. Throws on a value that does not fit its declared type, so a
 * collector bug shows as an error rather than a wrong verdict.
 */
export function toCelValue(value: unknown, type: FieldType, path: string): unknown {
  if (value === null || value === undefined) {
    if (type.nullable || type.kind === "dyn") return null;
    throw new TypeError(`${path} is ${value === null ? "null" : "missing"} but declared ${type.kind}`);
  }
  switch (type.kind) {
    case "string":
      if (typeof value !== "string") throw mismatch(path, type.kind, value);
      return value;
    case "bool":
      if (typeof value !== "boolean") throw mismatch(path, type.kind, value);
      return value;
    case "int":
      if (typeof value === "bigint") return value;
      if (typeof value !== "number" || !Number.isInteger(value)) throw mismatch(path, type.kind, value);
      return BigInt(value);
    case "double":
      if (typeof value !== "number") throw mismatch(path, type.kind, value);
      return value;
    case "timestamp": {
      let date: Date | undefined;
      if (typeof value === "string") date = new Date(value);
      else if (value instanceof Date) date = value;
      if (!date || Number.isNaN(date.getTime())) throw mismatch(path, type.kind, value);
      return timestampFromDate(date);
    }
    case "list":
      if (!Array.isArray(value)) throw mismatch(path, type.kind, value);
      return value.map((item, index) => toCelValue(item, type.of, `${path}[${index}]`));
    case "map": {
      if (typeof value !== "object" || Array.isArray(value)) throw mismatch(path, type.kind, value);
      const converted = new Map<string, unknown>();
      for (const [key, item] of Object.entries(value)) converted.set(key, toCelValue(item, type.of, `${path}.${key}`));
      return converted;
    }
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) throw mismatch(path, type.kind, value);
      const converted: Record<string, unknown> = {};
      for (const [key, fieldType] of Object.entries(type.fields)) {
        converted[key] = toCelValue((value as Record<string, unknown>)[key], fieldType, path ? `${path}.${key}` : key);
      }
      return converted;
    }
    case "dyn":
      return fromJson(value);
  }
}

function mismatch(path: string, expected: string, value: unknown): TypeError {
  const actual = Array.isArray(value) ? "array" : typeof value;
  return new TypeError(`${path} is ${actual} but declared ${expected}`);
}

/** Converts untyped parameter values: integral numbers become CEL ints, as in a typed field. */
export function fromJson(value: unknown): unknown {
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(fromJson);
  if (value !== null && typeof value === "object") {
    const converted: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) converted[key] = fromJson(item);
    return converted;
  }
  return value;
}

export function celTimestamp(date: Date): unknown {
  return timestampFromDate(date);
}
