import type { Expr } from "@bufbuild/cel-spec/cel/expr/syntax_pb.js";
import { describeType, type FieldType } from "../collectors/schema.js";

/**
 * Static types of CEL expressions over our resource schemas.
 *
 * @bufbuild/cel 0.6 parses and evaluates the whole language, but its checker handles only
 * constants and identifiers. This walks the library's parsed AST instead (no parser of our own).
 * It infers types far enough to reject an unknown field, an operator applied to mismatched
 * types, or a non-boolean assertion at load time, rather than as a silent `false` at run time.
 * Where the static type is unknown (`dyn`) the check stops and the evaluator decides.
 */
export type CelStaticType = FieldType | { kind: "duration"; nullable?: boolean } | { kind: "null"; nullable?: boolean } | { kind: "type"; nullable?: boolean };

export interface CheckIssue {
  message: string;
  /** Character offset in the expression, from the parser's source info. */
  offset?: number;
}

const DYN: CelStaticType = { kind: "dyn" };
const BOOL: CelStaticType = { kind: "bool" };
const INT: CelStaticType = { kind: "int" };
const DOUBLE: CelStaticType = { kind: "double" };
const STRING: CelStaticType = { kind: "string" };
const TIMESTAMP: CelStaticType = { kind: "timestamp" };
const DURATION: CelStaticType = { kind: "duration" };

const NUMERIC = new Set(["int", "double", "uint"]);

/** Functions whose result type does not depend on their arguments. */
const FIXED_RESULT: Record<string, CelStaticType> = {
  size: INT,
  startsWith: BOOL,
  endsWith: BOOL,
  contains: BOOL,
  matches: BOOL,
  int: INT,
  uint: { kind: "int" },
  double: DOUBLE,
  string: STRING,
  bool: BOOL,
  timestamp: TIMESTAMP,
  duration: DURATION,
  type: { kind: "type" },
  dyn: DYN,
  "@not_strictly_false": BOOL,
  lowerAscii: STRING,
  upperAscii: STRING,
  trim: STRING,
  replace: STRING,
  substring: STRING,
  charAt: STRING,
  indexOf: INT,
  lastIndexOf: INT,
  split: { kind: "list", of: STRING },
  join: STRING,
  format: STRING,
  getFullYear: INT,
  getMonth: INT,
  getDate: INT,
  getDayOfMonth: INT,
  getDayOfWeek: INT,
  getDayOfYear: INT,
  getHours: INT,
  getMinutes: INT,
  getSeconds: INT,
  getMilliseconds: INT,
};

/**
 * Calls that never fail by themselves: CEL equality is defined for any two values, and the logic
 * operators and the ternary fail only through an operand, which is checked on its own.
 */
const NEVER_FAILS = new Set(["_&&_", "_||_", "_==_", "_!=_", "_?_:_", "@not_strictly_false"]);

/** Calls that fail only when an operand is null or of an unexpected type at run time. */
const FAILS_ON_NULL_OR_DYN = new Set([
  "!_", "_<_", "_<=_", "_>_", "_>=_", "@in", "size", "startsWith", "endsWith", "contains",
  "lowerAscii", "upperAscii", "trim", "string", "bool",
]);

export class ExpressionChecker {
  readonly issues: CheckIssue[] = [];
  /**
   * Call nodes that can fail at run time even though the expression type-checked, by id.
   * `always`: arithmetic, indexing, conversions, regular expressions, untyped operands.
   * `on-null`: a call that fails only when one of its nullable operands is null.
   */
  readonly fallible = new Map<string, Fallibility>();
  /** Field paths known not to be null where they are read (narrowed by a ternary's null test). */
  private readonly nonNull = new Set<string>();
  private readonly scopes: Array<Map<string, CelStaticType>>;

  constructor(
    variables: Record<string, CelStaticType>,
    private readonly positions: Record<string, number>,
  ) {
    const typeNames = ["int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type"];
    this.scopes = [new Map(typeNames.map((name) => [name, { kind: "type" } as CelStaticType])), new Map(Object.entries(variables))];
  }

  check(expr: Expr): CelStaticType {
    return this.infer(expr);
  }

  private report(expr: Expr, message: string): void {
    this.issues.push({ message, offset: this.positions[String(expr.id)] });
  }

  private lookup(name: string): CelStaticType | undefined {
    for (let index = this.scopes.length - 1; index >= 0; index--) {
      const found = this.scopes[index]!.get(name);
      if (found) return found;
    }
    return undefined;
  }

  private infer(expr: Expr): CelStaticType {
    const kind = expr.exprKind;
    switch (kind.case) {
      case "constExpr":
        return constantType(kind.value.constantKind.case);
      case "identExpr": {
        const found = this.lookup(kind.value.name);
        if (!found) {
          this.report(expr, `unknown variable "${kind.value.name}" (available: resource, resources, params, now)`);
          return DYN;
        }
        return found;
      }
      case "selectExpr":
        return this.inferSelect(expr, kind.value.operand, kind.value.field, kind.value.testOnly);
      case "callExpr":
        return this.inferCall(expr, kind.value.function, kind.value.target, kind.value.args);
      case "listExpr": {
        const elements = kind.value.elements.map((element) => this.infer(element));
        return { kind: "list", of: commonType(elements) } as CelStaticType;
      }
      case "structExpr": {
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === "mapKey") this.infer(entry.keyKind.value);
          if (entry.value) this.infer(entry.value);
        }
        return { kind: "map", of: { kind: "dyn" } };
      }
      case "comprehensionExpr":
        return this.inferComprehension(kind.value);
      default:
        return DYN;
    }
  }

  private inferSelect(expr: Expr, operand: Expr | undefined, field: string, testOnly: boolean): CelStaticType {
    if (!operand) return DYN;
    const base = this.infer(operand);
    // Reading a field fails on a null object, a missing map key and an untyped value; it is
    // marked like a call, so && and || cannot hide that error either.
    if (base.kind === "map" || base.kind === "dyn" || base.kind === "null") this.fallible.set(String(expr.id), "always");
    else if (base.kind === "object" && base.nullable) this.fallible.set(String(expr.id), "on-null");

    if (base.kind === "object") {
      const fieldType = base.fields[field];
      if (!fieldType) {
        const known = Object.keys(base.fields).sort().join(", ");
        this.report(expr, `unknown field "${field}" on ${selectPath(operand) ?? "object"} (fields: ${known})`);
        return DYN;
      }
      if (testOnly) return BOOL;
      const path = selectPath(expr);
      // Inside `x == null ? … : <here>` the field is known not to be null.
      if (fieldType.nullable && path !== undefined && this.nonNull.has(path)) return { ...fieldType, nullable: false } as CelStaticType;
      return fieldType;
    }
    if (base.kind === "map") return testOnly ? BOOL : (base.of as CelStaticType);
    if (base.kind === "dyn") return testOnly ? BOOL : DYN;
    this.report(expr, `cannot read field "${field}" of a ${describeStatic(base)} value`);
    return DYN;
  }

  private inferComprehension(value: Extract<Expr["exprKind"], { case: "comprehensionExpr" }>["value"]): CelStaticType {
    const range = value.iterRange ? this.infer(value.iterRange) : DYN;
    let element: CelStaticType = DYN;
    if (range.kind === "list") element = range.of as CelStaticType;
    else if (range.kind === "map") element = STRING;
    else if (range.kind !== "dyn") {
      this.issues.push({ message: `cannot iterate over a ${describeStatic(range)} value`, offset: value.iterRange ? this.positions[String(value.iterRange.id)] : undefined });
    }

    const initial = value.accuInit ? this.infer(value.accuInit) : DYN;
    const scope = new Map<string, CelStaticType>([[value.iterVar, element], [value.accuVar, initial]]);
    if (value.iterVar2) scope.set(value.iterVar2, range.kind === "map" ? (range.of as CelStaticType) : element);
    this.scopes.push(scope);
    try {
      if (value.loopCondition) this.infer(value.loopCondition);
      const step = value.loopStep ? this.infer(value.loopStep) : initial;
      // The accumulator takes the step's type when the initial value was less specific
      // (an empty list literal for map() and filter()).
      scope.set(value.accuVar, moreSpecific(initial, step));
      return value.result ? this.infer(value.result) : DYN;
    } finally {
      this.scopes.pop();
    }
  }

  private inferCall(expr: Expr, name: string, target: Expr | undefined, args: Expr[]): CelStaticType {
    const targetType = target ? this.infer(target) : undefined;
    const types = name === "_?_:_" ? this.inferConditional(args) : args.map((arg) => this.infer(arg));
    const [left, right] = types;
    const fallibility = canFailAtRunTime(name, targetType ? [targetType, ...types] : types);
    if (fallibility) this.fallible.set(String(expr.id), fallibility);

    switch (name) {
      case "_&&_":
      case "_||_":
      case "!_":
        for (const [index, type] of types.entries()) {
          if (!isAssignable(type, BOOL)) this.report(args[index]!, `operand of ${operatorName(name)} is ${describeStatic(type)}, expected bool`);
        }
        return BOOL;
      case "_==_":
      case "_!=_":
        if (left && right && !comparableForEquality(left, right)) {
          this.report(expr, `cannot compare ${describeStatic(left)} with ${describeStatic(right)}`);
        }
        return BOOL;
      case "_<_":
      case "_<=_":
      case "_>_":
      case "_>=_":
        if (left && right && !orderable(left, right)) {
          this.report(expr, `cannot order ${describeStatic(left)} against ${describeStatic(right)}`);
        }
        return BOOL;
      case "@in":
        if (right && right.kind !== "list" && right.kind !== "map" && right.kind !== "dyn") {
          this.report(expr, `right side of "in" is ${describeStatic(right)}, expected a list or map`);
        }
        if (left && right?.kind === "list" && !comparableForEquality(left, right.of as CelStaticType)) {
          this.report(expr, `cannot look for ${describeStatic(left)} in ${describeStatic(right)}`);
        }
        return BOOL;
      case "_?_:_": {
        if (left && !isAssignable(left, BOOL)) this.report(args[0]!, `condition is ${describeStatic(left)}, expected bool`);
        return commonType(types.slice(1));
      }
      case "_[_]":
        if (left?.kind === "list") return left.of as CelStaticType;
        if (left?.kind === "map") return left.of as CelStaticType;
        if (left && left.kind !== "dyn") this.report(expr, `cannot index a ${describeStatic(left)} value`);
        return DYN;
      case "_+_":
      case "_-_":
      case "_*_":
      case "_/_":
      case "_%_":
      case "-_":
        return this.inferArithmetic(expr, name, types);
      default:
        break;
    }

    if (targetType && name in FIXED_RESULT && ["startsWith", "endsWith", "contains", "matches"].includes(name)) {
      if (!isAssignable(targetType, STRING)) this.report(expr, `${name}() needs a string, got ${describeStatic(targetType)}`);
    }
    const fixed = FIXED_RESULT[name];
    if (fixed) return fixed;
    this.report(expr, `unknown function "${name}"`);
    return DYN;
  }

  /**
   * Infers `cond ? a : b`, narrowing a field the condition compares with null: in the branch
   * where it cannot be null, reading it is typed as not nullable, so a comparison there is not
   * marked as able to fail on null.
   */
  private inferConditional(args: Expr[]): CelStaticType[] {
    const [condition, whenTrue, whenFalse] = args;
    const conditionType = condition ? this.infer(condition) : DYN;
    const test = condition ? nullTest(condition) : undefined;
    const branch = (node: Expr | undefined, narrowed: boolean): CelStaticType => {
      if (!node) return DYN;
      if (!narrowed || test === undefined || this.nonNull.has(test.path)) return this.infer(node);
      this.nonNull.add(test.path);
      try {
        return this.infer(node);
      } finally {
        this.nonNull.delete(test.path);
      }
    };
    return [conditionType, branch(whenTrue, test?.operator === "_!=_"), branch(whenFalse, test?.operator === "_==_")];
  }

  private inferArithmetic(expr: Expr, name: string, types: CelStaticType[]): CelStaticType {
    const [left, right] = types;
    if (!left) return DYN;
    if (name === "-_") return left;
    if (!right || left.kind === "dyn" || right.kind === "dyn") return left.kind === "dyn" ? (right ?? DYN) : left;

    if (NUMERIC.has(left.kind) && NUMERIC.has(right.kind)) {
      if (left.kind !== right.kind) this.report(expr, `cannot mix ${left.kind} and ${right.kind} in arithmetic; convert with int() or double()`);
      return left;
    }
    if (name === "_+_") {
      if (left.kind === "string" && right.kind === "string") return STRING;
      if (left.kind === "list" && right.kind === "list") return moreSpecific(left, right);
      if (left.kind === "timestamp" && right.kind === "duration") return TIMESTAMP;
      if (left.kind === "duration" && right.kind === "timestamp") return TIMESTAMP;
      if (left.kind === "duration" && right.kind === "duration") return DURATION;
    }
    if (name === "_-_") {
      if (left.kind === "timestamp" && right.kind === "duration") return TIMESTAMP;
      if (left.kind === "timestamp" && right.kind === "timestamp") return DURATION;
      if (left.kind === "duration" && right.kind === "duration") return DURATION;
    }
    this.report(expr, `operator ${operatorName(name)} does not apply to ${describeStatic(left)} and ${describeStatic(right)}`);
    return DYN;
  }
}

export type Fallibility = "always" | "on-null";

function canFailAtRunTime(name: string, operands: CelStaticType[]): Fallibility | undefined {
  if (NEVER_FAILS.has(name)) return undefined;
  if (!FAILS_ON_NULL_OR_DYN.has(name)) return "always";
  if (operands.some((type) => type.kind === "dyn" || type.kind === "null")) return "always";
  return operands.some((type) => type.nullable === true) ? "on-null" : undefined;
}

function constantType(kind: string | undefined): CelStaticType {
  switch (kind) {
    case "boolValue":
      return BOOL;
    case "int64Value":
      return INT;
    case "uint64Value":
      return { kind: "int" };
    case "doubleValue":
      return DOUBLE;
    case "stringValue":
      return STRING;
    case "nullValue":
      return { kind: "null" };
    case "durationValue":
      return DURATION;
    case "timestampValue":
      return TIMESTAMP;
    default:
      return DYN;
  }
}

function operatorName(name: string): string {
  return name.replace(/^_|_$/g, "").replace(/_/g, "") || name;
}

export function describeStatic(type: CelStaticType): string {
  if (type.kind === "duration" || type.kind === "null" || type.kind === "type") return type.kind;
  return describeType(type);
}

/** `path == null` or `path != null` (either side), for narrowing a ternary's branches. */
function nullTest(expr: Expr): { path: string; operator: "_==_" | "_!=_" } | undefined {
  if (expr.exprKind.case !== "callExpr") return undefined;
  const { function: operator, args } = expr.exprKind.value;
  if ((operator !== "_==_" && operator !== "_!=_") || args.length !== 2) return undefined;
  const [left, right] = args as [Expr, Expr];
  const isNull = (node: Expr) => node.exprKind.case === "constExpr" && node.exprKind.value.constantKind.case === "nullValue";
  const path = isNull(right) ? selectPath(left) : isNull(left) ? selectPath(right) : undefined;
  return path === undefined ? undefined : { path, operator };
}

function selectPath(expr: Expr): string | undefined {
  if (expr.exprKind.case === "identExpr") return expr.exprKind.value.name;
  if (expr.exprKind.case === "selectExpr" && expr.exprKind.value.operand) {
    const base = selectPath(expr.exprKind.value.operand);
    return base ? `${base}.${expr.exprKind.value.field}` : undefined;
  }
  return undefined;
}

function isAssignable(type: CelStaticType, expected: CelStaticType): boolean {
  return type.kind === "dyn" || type.kind === expected.kind;
}

function comparableForEquality(left: CelStaticType, right: CelStaticType): boolean {
  if (left.kind === "dyn" || right.kind === "dyn") return true;
  if (left.kind === "null") return right.nullable === true || right.kind === "null";
  if (right.kind === "null") return left.nullable === true;
  if (NUMERIC.has(left.kind) && NUMERIC.has(right.kind)) return true;
  return left.kind === right.kind;
}

function orderable(left: CelStaticType, right: CelStaticType): boolean {
  if (left.kind === "dyn" || right.kind === "dyn") return true;
  if (NUMERIC.has(left.kind) && NUMERIC.has(right.kind)) return true;
  return left.kind === right.kind && ["string", "timestamp", "duration", "bool"].includes(left.kind);
}

function commonType(types: CelStaticType[]): CelStaticType {
  const known = types.filter((type) => type.kind !== "dyn" && type.kind !== "null");
  const first = known[0];
  if (!first) return DYN;
  const nullable = types.some((type) => type.kind === "null" || type.nullable);
  const same = known.every((type) => type.kind === first.kind);
  if (!same) return DYN;
  return nullable ? ({ ...first, nullable: true } as CelStaticType) : first;
}

function moreSpecific(initial: CelStaticType, step: CelStaticType): CelStaticType {
  if (initial.kind === "list" && step.kind === "list") {
    return (initial.of as CelStaticType).kind === "dyn" ? step : initial;
  }
  return initial.kind === "dyn" ? step : initial;
}

/** Infers a static type from a parameter value as it appears in YAML. */
export function typeOfValue(value: unknown): CelStaticType {
  if (value === null || value === undefined) return { kind: "null" };
  if (typeof value === "boolean") return BOOL;
  if (typeof value === "number") return Number.isInteger(value) ? INT : DOUBLE;
  if (typeof value === "string") return STRING;
  if (Array.isArray(value)) return { kind: "list", of: commonType(value.map(typeOfValue)) } as CelStaticType;
  if (typeof value === "object") {
    const fields: Record<string, FieldType> = {};
    for (const [key, item] of Object.entries(value)) fields[key] = typeOfValue(item) as FieldType;
    return { kind: "object", fields };
  }
  return DYN;
}
