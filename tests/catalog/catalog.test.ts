import { readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CRITERIA, CRITERIA_BY_ID, SERIES } from "../../src/catalog/criteria.js";
import { loadControls } from "../../src/catalog/load.js";
import { builtinRegistry } from "../../src/collectors/registry.js";

const root = path.resolve(import.meta.dirname, "../..");

describe("criteria catalog", () => {
  it("has the 61 AICPA criteria, each in a known series", () => {
    expect(CRITERIA).toHaveLength(61);
    expect(new Set(CRITERIA.map((criterion) => criterion.id)).size).toBe(61);
    for (const criterion of CRITERIA) expect(SERIES.map((series) => series.id)).toContain(criterion.series);
  });

  it.each([
    ["CC", 33],
    ["A1", 3],
    ["PI1", 5],
    ["C1", 2],
    ["P", 18],
  ])("has the expected number of %s criteria", (prefix, count) => {
    const matching = CRITERIA.filter((criterion) => (prefix === "P" ? criterion.series === "P" : criterion.id.startsWith(prefix)));
    expect(matching).toHaveLength(count);
  });

  it("has no heading ids such as CC1.0", () => {
    expect(CRITERIA_BY_ID.has("CC1.0")).toBe(false);
  });
});

describe("the shipped control catalog", async () => {
  const registry = builtinRegistry();
  const controls = await loadControls(path.join(root, "controls"), { registry, rootDir: root });

  it("loads every control file without a problem", async () => {
    const files = (await readdir(path.join(root, "controls"), { recursive: true })).filter((name) => name.endsWith(".yaml"));
    expect(controls).toHaveLength(files.length);
  });

  it.each(controls.map((control) => [control.spec.id, control] as const))("%s is consistent", (id, control) => {
    expect(path.basename(control.file, ".yaml")).toBe(id);
    for (const criterion of control.spec.criteria) expect(CRITERIA_BY_ID.has(criterion.id), criterion.id).toBe(true);
    if (control.spec.type === "automated") {
      expect(registry.collectors.has(control.collector!.id)).toBe(true);
      expect(control.assertions.length).toBeGreaterThan(0);
    }
    if (control.spec.type === "manual") expect(control.spec.attestation).toBeDefined();
    expect(control.spec.criteria.some((criterion) => criterion.link === "direct")).toBe(true);
  });
});
