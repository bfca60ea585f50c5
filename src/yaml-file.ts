import { readdir, readFile, stat } from "node:fs/promises";
import { Document, isNode, LineCounter, parseDocument, type Node } from "yaml";
import type { z } from "zod";
import type { Problem } from "./errors.js";
import { decodeUtf8, invalidUtf8Message } from "./utf8.js";

/** Input files larger than this are rejected before parsing; controls and configs are small. */
export const MAX_YAML_BYTES = 1024 * 1024;
/** Alias expansions allowed per document; a "billion laughs" file exceeds it and is rejected. */
const MAX_ALIAS_COUNT = 100;

export interface ParsedYaml {
  file: string;
  /** The file's text exactly as read. */
  text: string;
  value: unknown;
  document: Document;
  lines: LineCounter;
}

/**
 * Reads and parses one YAML file; every syntax problem is returned, none thrown. The file must be
 * UTF-8, and a leading byte order mark is dropped.
 */
export async function readYamlFile(file: string, displayName = file): Promise<{ parsed?: ParsedYaml; problems: Problem[] }> {
  const info = await stat(file);
  if (info.size > MAX_YAML_BYTES) {
    return { problems: [{ file: displayName, message: `file is ${info.size} bytes, over the ${MAX_YAML_BYTES}-byte limit for YAML input` }] };
  }
  const { text, invalid } = decodeUtf8(await readFile(file));
  if (invalid) return { problems: [{ file: displayName, line: invalid.line, column: invalid.column, message: invalidUtf8Message(invalid) }] };
  return parseYamlText(text, displayName);
}

/** Names of the `*.yaml` and `*.yml` files directly in `dir`, sorted; none when it does not exist. */
export async function listYamlFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => name.endsWith(".yaml") || name.endsWith(".yml")).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

export function parseYamlText(text: string, file: string): { parsed?: ParsedYaml; problems: Problem[] } {
  if (text.trim() === "") return { problems: [{ file, line: 1, column: 1, message: "file is empty" }] };

  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, version: "1.2" });
  const problems: Problem[] = document.errors.map((error) => {
    const position = lines.linePos(error.pos[0]);
    return { file, line: position.line, column: position.col, message: error.message.split("\n")[0]! };
  });
  if (problems.length > 0) return { problems };

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return { problems: [{ file, line: 1, column: 1, message: `cannot be expanded: ${(error as Error).message} (aliases are limited to prevent alias bombs)` }] };
  }
  if (value === null || value === undefined) return { problems: [{ file, line: 1, column: 1, message: "file has no content" }] };
  return { parsed: { file, text, value, document, lines }, problems: [] };
}

/** Line and column (1-based) of the node at a path, or of its closest existing parent. */
export function locate(parsed: ParsedYaml, path: ReadonlyArray<PropertyKey>, preferKey = false): { line: number; column: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth) as Array<string | number>;
    const node = depth === 0 ? parsed.document.contents : parsed.document.getIn(prefix, true);
    if (isNode(node) && node.range) {
      let offset = (node as Node).range![0];
      if (preferKey && depth === path.length) offset = keyOffset(parsed, prefix) ?? offset;
      const position = parsed.lines.linePos(offset);
      return { line: position.line, column: position.col };
    }
    if (depth === path.length && depth > 0) {
      const offset = keyOffset(parsed, prefix);
      if (offset !== undefined) {
        const position = parsed.lines.linePos(offset);
        return { line: position.line, column: position.col };
      }
    }
  }
  return { line: 1, column: 1 };
}

function keyOffset(parsed: ParsedYaml, path: Array<string | number>): number | undefined {
  if (path.length === 0) return undefined;
  const parent = path.length === 1 ? parsed.document.contents : parsed.document.getIn(path.slice(0, -1), true);
  const items = (parent as { items?: Array<{ key?: unknown }> } | null)?.items;
  if (!Array.isArray(items)) return undefined;
  const last = path[path.length - 1];
  for (const pair of items) {
    const key = pair.key;
    if (isNode(key) && (key as unknown as { value?: unknown }).value === last && key.range) return key.range[0];
  }
  return undefined;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text === "" ? String(part) : `.${String(part)}`;
  }
  return text;
}

/** Turns zod issues into located problems; unknown keys are reported once per key at the key itself. */
export function zodProblems(parsed: ParsedYaml, error: z.ZodError, basePath: Array<string | number> = []): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    const path = [...basePath, ...(issue.path as Array<string | number>)];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const keyPath = [...path, key];
        problems.push({ file: parsed.file, ...locate(parsed, keyPath, true), field: formatPath(keyPath), message: `unknown key "${key}"` });
      }
      continue;
    }
    problems.push({ file: parsed.file, ...locate(parsed, path), field: formatPath(path) || undefined, message: describeIssue(issue) });
  }
  return problems;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    const received = (issue as { input?: unknown }).input;
    if (received === undefined) return `is required (expected ${issue.expected})`;
    return `expected ${issue.expected}, got ${Array.isArray(received) ? "array" : received === null ? "null" : typeof received}`;
  }
  if (issue.code === "invalid_value") return `must be one of: ${issue.values.map((value) => String(value)).join(", ")}`;
  return issue.message;
}
