import { describe, expect, it } from "vitest";
import { CRITERIA } from "../../src/catalog/criteria.js";
import { computeCoverage, formatCoverage, type CoverageControl } from "../../src/coverage/index.js";

const controls: CoverageControl[] = [
  { id: "restore-test-monthly", category: "availability", criteria: [{ id: "A1.3", link: "direct", why: "x" }, { id: "CC7.5", link: "supporting", why: "x" }] },
  { id: "incident-response-times", category: "security", criteria: [{ id: "CC7.4", link: "direct", why: "x" }] },
  { id: "privacy-notice-reviewed", category: "privacy", criteria: [{ id: "P1.1", link: "direct", why: "x" }, { id: "CC2.3", link: "supporting", why: "x" }] },
];

/** One direct control for every criterion, so full coverage can be tested. */
const everyCriterion: CoverageControl[] = CRITERIA.map((criterion) => ({ id: `c-${criterion.id}`, category: criterion.category, criteria: [{ id: criterion.id, link: "direct", why: "x" }] }));

describe("computeCoverage", () => {
  it("lists all 61 criteria", () => {
    expect(computeCoverage(controls, []).criteria).toHaveLength(61);
  });

  it("keeps security in scope when config omits it", () => {
    const coverage = computeCoverage(controls, ["availability"]);
    expect(coverage.scope).toEqual(["security", "availability"]);
    expect(coverage.inScope).toBe(33 + 3);
  });

  it("ignores controls of out-of-scope categories", () => {
    const coverage = computeCoverage(controls, []);
    const cc23 = coverage.criteria.find((criterion) => criterion.id === "CC2.3")!;
    expect(cc23.controls).toEqual([]);
    expect(coverage.criteria.find((criterion) => criterion.id === "A1.3")!.inScope).toBe(false);
  });

  it("lists direct links before supporting ones", () => {
    const coverage = computeCoverage([...controls, { id: "a-support", category: "security", criteria: [{ id: "CC7.4", link: "supporting", why: "x" }] }], ["availability"]);
    expect(coverage.criteria.find((criterion) => criterion.id === "CC7.4")!.controls).toEqual([
      { id: "incident-response-times", link: "direct" },
      { id: "a-support", link: "supporting" },
    ]);
    const cc75 = coverage.criteria.find((criterion) => criterion.id === "CC7.5")!;
    expect(cc75.direct).toBe(false);
    expect(cc75.controls).toEqual([{ id: "restore-test-monthly", link: "supporting" }]);
  });

  it("counts uncovered criteria in scope", () => {
    const coverage = computeCoverage(controls, ["availability", "privacy"]);
    expect(coverage.covered).toBe(5);
    expect(coverage.uncovered).toContain("CC1.1");
    expect(coverage.uncovered).not.toContain("A1.3");
  });

  it("never rounds up to 100 percent", () => {
    const missingOne = everyCriterion.filter((control) => control.id !== "c-CC9.2");
    const coverage = computeCoverage(missingOne, ["availability", "processing-integrity", "confidentiality", "privacy"]);
    expect(coverage.covered).toBe(60);
    expect(coverage.percent).toBe(98.3);
    expect(coverage.uncovered).toEqual(["CC9.2"]);
  });

  it("reaches 100 percent only with every criterion covered", () => {
    const coverage = computeCoverage(everyCriterion, ["availability", "processing-integrity", "confidentiality", "privacy"]);
    expect(coverage.percent).toBe(100);
    expect(coverage.uncovered).toEqual([]);
  });

  it("text marks criteria without a control", () => {
    const text = formatCoverage(computeCoverage(controls, ["availability"]));
    expect(text).toMatch(/^CC1\.1 .* NO CONTROL +-$/m);
    expect(text).toMatch(/^P1\.1 .* out of scope/m);
    expect(text).toMatch(/^CC7\.5 .* supporting only +\(restore-test-monthly\)$/m);
    expect(text).toContain("3 of 36 criteria in scope have at least one control (8.3%).");
  });
});
