import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

/**
 * A line of the plan states a status when it carries a check mark or cross, an upper-case status
 * word, "Recommended", "TO BE ASSIGNED", a lower-case "needs implementation", a quoted 'Required',
 * or a `// true` / `// false` flag. Upper case keeps "planned maintenance" and "need-to-know" out.
 */
const STATUS = /✅|❌|\b(NEEDS|NEEDED|DRAFT|PARTIAL|TBD|PLANNED|IMPLEMENTED)\b|TO BE ASSIGNED|\bRecommended\b|needs implementation|'Required'|\/\/\s*(true|false)\b|Should be true|consider multi-region/;

interface MappingEntry {
  line: number;
  text: string;
  controls: string[];
}

const root = path.resolve(import.meta.dirname, "..");

async function controlIds(): Promise<Set<string>> {
  const entries = await readdir(path.join(root, "controls"), { recursive: true, withFileTypes: true });
  return new Set(entries.filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name)).map((entry) => entry.name.replace(/\.ya?ml$/, "")));
}

describe("plan mapping", async () => {
  const plan = (await readFile(path.join(root, "docs/soc2-plan.md"), "utf8")).split("\n");
  const mapping = parse(await readFile(path.join(root, "docs/plan-mapping.yaml"), "utf8")) as { lines: MappingEntry[] };
  const byLine = new Map(mapping.lines.map((entry) => [entry.line, entry]));
  const ids = await controlIds();
  const statusLines = plan.flatMap((text, index) => (STATUS.test(text) ? [{ line: index + 1, text: text.trim() }] : []));

  it("finds the plan's status lines", () => {
    expect(statusLines.length).toBeGreaterThan(100);
  });

  it("maps every status line", () => {
    const unmapped = statusLines.filter((status) => !byLine.has(status.line)).map((status) => `${status.line}: ${status.text}`);
    expect(unmapped).toEqual([]);
  });

  it("entries match the current plan text", () => {
    const stale = mapping.lines.filter((entry) => plan[entry.line - 1]?.trim() !== entry.text).map((entry) => `${entry.line}: ${entry.text}`);
    expect(stale).toEqual([]);
  });

  it("maps only lines that state a status", () => {
    const extra = mapping.lines.filter((entry) => !STATUS.test(plan[entry.line - 1] ?? "")).map((entry) => entry.line);
    expect(extra).toEqual([]);
  });

  it("names only existing controls", () => {
    const missing = mapping.lines.flatMap((entry) => (entry.controls.length === 0 ? [`${entry.line}: no control`] : entry.controls.filter((id) => !ids.has(id)).map((id) => `${entry.line}: ${id}`)));
    expect(missing).toEqual([]);
  });
});
