import { readdir } from "node:fs/promises";
import path from "node:path";
import { isScalar } from "yaml";
import type { ObjectType } from "../collectors/schema.js";
import { collectorKey } from "../collectors/snapshot.js";
import type { Collector } from "../collectors/types.js";
import type { Registry } from "../collectors/registry.js";
import { compileExpression, type CompiledExpression } from "../engine/cel.js";
import type { CheckIssue } from "../engine/cel-check.js";
import { Soc2Error, type Problem } from "../errors.js";
import { formatPath, locate, readYamlFile, zodProblems, type ParsedYaml } from "../yaml-file.js";
import { controlSchema, type ControlSpec } from "./control-schema.js";
import { CRITERIA_BY_ID } from "./criteria.js";

/** The collector policy controls read when they name none. */
export const POLICY_COLLECTOR = "files.policies";

export interface CompiledAssertion {
  expression: CompiledExpression;
  message: string;
}

/** A control that passed every load check, ready for the engine. */
export interface LoadedControl {
  spec: ControlSpec;
  /** Path relative to the repository root, as reports show it. */
  file: string;
  /** Line of the control's `id` key, where reports point. */
  line: number;
  /** The file's text exactly as evaluated; evidence bundles carry it. */
  source: string;
  params: Record<string, unknown>;
  collector?: { id: string; args: unknown; key: string; schema: ObjectType };
  where?: CompiledExpression;
  assertions: CompiledAssertion[];
}

export interface LoadOptions {
  registry: Registry;
  /** Folder paths in problems are shown relative to. */
  rootDir: string;
  /** Parameter overrides from the configuration, by control id. */
  paramOverrides?: Record<string, Record<string, unknown>>;
}

/**
 * Loads every `*.yaml` control under `dir`. All problems in all files are collected first and
 * thrown together as one Soc2Error, so a user fixes a catalog in one pass.
 */
export async function loadControls(dir: string, options: LoadOptions): Promise<LoadedControl[]> {
  const files = await findControlFiles(dir);
  const problems: Problem[] = [];
  const loaded: LoadedControl[] = [];
  const seen = new Map<string, string>();

  if (files.length === 0) {
    problems.push({ file: path.relative(options.rootDir, dir) || dir, message: "no control files (*.yaml) found" });
  }

  for (const file of files) {
    const display = path.relative(options.rootDir, file) || file;
    const { parsed, problems: yamlProblems } = await readYamlFile(file, display);
    problems.push(...yamlProblems);
    if (!parsed) continue;

    const control = checkControl(parsed, file, options, problems);
    if (!control) continue;

    const previous = seen.get(control.spec.id);
    if (previous) {
      problems.push({ file: display, ...locate(parsed, ["id"]), field: "id", message: `duplicate control id "${control.spec.id}" (also in ${previous})` });
      continue;
    }
    seen.set(control.spec.id, display);
    loaded.push(control);
  }

  for (const id of Object.keys(options.paramOverrides ?? {})) {
    if (!seen.has(id)) problems.push({ file: "soc2.config.yaml", field: `params.${id}`, message: `parameters given for unknown control "${id}"` });
  }

  if (problems.length > 0) {
    throw new Soc2Error("SOC2_CONTROL_INVALID", `${problems.length} problem${problems.length === 1 ? "" : "s"} in control files`, {
      problems,
      hint: "Fix the listed fields; `soc2 validate` re-checks the catalog without collecting anything.",
    });
  }
  return loaded.sort((a, b) => a.spec.id.localeCompare(b.spec.id));
}

async function findControlFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw new Soc2Error("SOC2_CONTROL_INVALID", `cannot read the controls folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: "Pass --controls DIR or set `controls` in soc2.config.yaml.",
    });
  }
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

function checkControl(parsed: ParsedYaml, file: string, options: LoadOptions, problems: Problem[]): LoadedControl | undefined {
  const result = controlSchema.safeParse(parsed.value, { reportInput: true });
  if (!result.success) {
    problems.push(...zodProblems(parsed, result.error));
    return undefined;
  }
  const spec = result.data;
  const before = problems.length;
  const at = (fieldPath: Array<string | number>, message: string): void => {
    problems.push({ file: parsed.file, ...locate(parsed, fieldPath), field: formatPath(fieldPath), message });
  };

  const expectedId = path.basename(file).replace(/\.ya?ml$/, "");
  if (spec.id !== expectedId) at(["id"], `id "${spec.id}" differs from the file name "${expectedId}"`);

  const linked = new Set<string>();
  spec.criteria.forEach((criterion, index) => {
    if (!CRITERIA_BY_ID.has(criterion.id)) at(["criteria", index, "id"], `unknown criterion "${criterion.id}" (use AICPA ids such as CC6.1, A1.2, P4.2)`);
    if (linked.has(criterion.id)) at(["criteria", index, "id"], `criterion "${criterion.id}" is listed twice`);
    linked.add(criterion.id);
  });

  checkTypeRules(spec, at);
  const params = { ...spec.params, ...(options.paramOverrides?.[spec.id] ?? {}) };
  const collector = resolveCollector(spec, options.registry, at);

  let where: CompiledExpression | undefined;
  const assertions: CompiledAssertion[] = [];
  if (collector) {
    const scope = { resource: collector.schema, params, expectBool: true };
    if (spec.where) where = compileAt(parsed, ["where"], spec.where, scope, problems);
    const asserts = spec.assert ?? (spec.type === "policy" ? [DEFAULT_POLICY_ASSERTION] : []);
    asserts.forEach((assertion, index) => {
      const compiled = compileAt(parsed, spec.assert ? ["assert", index, "expr"] : ["type"], assertion.expr, scope, problems);
      if (compiled) assertions.push({ expression: compiled, message: assertion.message });
    });
  }

  if (problems.length > before) return undefined;
  return {
    spec,
    file: path.relative(options.rootDir, file) || file,
    line: locate(parsed, ["id"], true).line,
    source: parsed.text,
    params,
    collector,
    where,
    assertions,
  };
}

const DEFAULT_POLICY_ASSERTION = { expr: 'resource.status == "approved"', message: "policy is not approved" };

function checkTypeRules(spec: ControlSpec, at: (fieldPath: Array<string | number>, message: string) => void): void {
  if (spec.type === "automated") {
    if (!spec.collector) at(["collector"], "automated controls need a collector");
    if (!spec.assert) at(["assert"], "automated controls need at least one assertion");
  }
  if (spec.type === "manual") {
    if (!spec.attestation) at(["attestation"], "manual controls need `attestation: { kind, every }`");
    for (const field of ["collector", "where", "assert", "expect", "policies"] as const) {
      if (spec[field] !== undefined) at([field], `manual controls take no ${field}; they are satisfied by attestations`);
    }
  }
  if (spec.type === "policy" && !spec.policies) at(["policies"], "policy controls need the list of required policies");
  if (spec.type !== "manual" && spec.attestation) at(["attestation"], "only manual controls take an attestation");
  if (spec.type !== "policy" && spec.policies) at(["policies"], "only policy controls list policies");
}

function resolveCollector(
  spec: ControlSpec,
  registry: Registry,
  at: (fieldPath: Array<string | number>, message: string) => void,
): LoadedControl["collector"] {
  if (spec.type === "manual") return undefined;
  const reference = spec.collector ?? (spec.type === "policy" ? POLICY_COLLECTOR : undefined);
  if (!reference) return undefined;

  const id = typeof reference === "string" ? reference : reference.id;
  const fieldPath = typeof reference === "string" ? ["collector"] : ["collector", "id"];
  const collector: Collector | undefined = registry.collectors.get(id);
  if (!collector) {
    const known = [...registry.collectors.keys()].sort().join(", ");
    at(fieldPath, `unknown collector "${id}" (registered: ${known || "none"})`);
    return undefined;
  }

  let args: unknown = undefined;
  if (collector.args) {
    const given = typeof reference === "string" ? undefined : reference.with;
    const parsedArgs = collector.args.safeParse(given);
    if (!parsedArgs.success) {
      for (const issue of parsedArgs.error.issues) at(["collector", "with", ...(issue.path as Array<string | number>)], issue.message);
      return undefined;
    }
    args = parsedArgs.data;
  } else if (typeof reference !== "string") {
    at(["collector", "with"], `collector "${id}" takes no arguments`);
    return undefined;
  }

  const schema = typeof collector.schema === "function" ? collector.schema(args) : collector.schema;
  return { id, args, key: collectorKey(id, args), schema };
}

function compileAt(
  parsed: ParsedYaml,
  fieldPath: Array<string | number>,
  source: string,
  scope: Parameters<typeof compileExpression>[1],
  problems: Problem[],
): CompiledExpression | undefined {
  const result = compileExpression(source, scope);
  if (result.compiled) return result.compiled;
  for (const issue of result.issues) {
    problems.push({ file: parsed.file, ...locateInExpression(parsed, fieldPath, source, issue), field: formatPath(fieldPath), message: `CEL ${issue.message}` });
  }
  return undefined;
}

/** Maps an offset inside an expression to a file position where the YAML scalar allows it. */
function locateInExpression(parsed: ParsedYaml, fieldPath: Array<string | number>, source: string, issue: CheckIssue): { line: number; column: number } {
  const base = locate(parsed, fieldPath);
  const node = parsed.document.getIn(fieldPath, true);
  if (issue.offset === undefined || !isScalar(node) || !node.range) return base;
  const style = node.type;
  if (style === "PLAIN" || style === "QUOTE_DOUBLE" || style === "QUOTE_SINGLE") {
    if (source.includes("\n")) return base;
    const quote = style === "PLAIN" ? 0 : 1;
    const position = parsed.lines.linePos(node.range[0] + quote + issue.offset);
    return { line: position.line, column: position.col };
  }
  const before = source.slice(0, issue.offset);
  const lineInScalar = before.split("\n").length;
  return { line: base.line + lineInScalar, column: base.column };
}
