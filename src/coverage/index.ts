import { TRUST_CATEGORIES, type TrustCategory } from "../catalog/control-schema.js";
import { CRITERIA } from "../catalog/criteria.js";
import type { CriterionLink } from "../engine/types.js";

/** The fields of a control that criteria coverage reads. */
export interface CoverageControl {
  id: string;
  category: TrustCategory;
  criteria: CriterionLink[];
}

export interface CriterionCoverage {
  id: string;
  title: string;
  series: string;
  category: TrustCategory;
  inScope: boolean;
  controls: Array<{ id: string; link: "direct" | "supporting" }>;
  /** True when at least one in-scope control links the criterion directly. */
  direct: boolean;
}

export interface CriteriaCoverage {
  scope: TrustCategory[];
  criteria: CriterionCoverage[];
  inScope: number;
  covered: number;
  /** Covered share of the in-scope criteria in percent, rounded down to one decimal. */
  percent: number;
  /** In-scope criteria without any control. */
  uncovered: string[];
}

/** Security is always in scope; the configuration adds the other trust categories. */
export function effectiveScope(scope: readonly TrustCategory[]): TrustCategory[] {
  return TRUST_CATEGORIES.filter((category) => category === "security" || scope.includes(category));
}

/**
 * Maps all 61 criteria to the in-scope controls linked to them. A control outside the scope
 * covers nothing, because it is not evaluated. The percentage is rounded down, so it never
 * reads 100% while an in-scope criterion has no control.
 */
export function computeCoverage(controls: CoverageControl[], scope: readonly TrustCategory[]): CriteriaCoverage {
  const categories = effectiveScope(scope);
  const evaluated = controls.filter((control) => categories.includes(control.category));

  const criteria = CRITERIA.map((criterion): CriterionCoverage => {
    const linked = evaluated
      .flatMap((control) => control.criteria.filter((link) => link.id === criterion.id).map((link) => ({ id: control.id, link: link.link })))
      .sort(directFirst);
    return {
      id: criterion.id,
      title: criterion.title,
      series: criterion.series,
      category: criterion.category,
      inScope: categories.includes(criterion.category),
      controls: linked,
      direct: linked.some((link) => link.link === "direct"),
    };
  });

  const inScope = criteria.filter((criterion) => criterion.inScope);
  const covered = inScope.filter((criterion) => criterion.controls.length > 0);
  return {
    scope: categories,
    criteria,
    inScope: inScope.length,
    covered: covered.length,
    percent: inScope.length === 0 ? 0 : Math.floor((covered.length * 1000) / inScope.length) / 10,
    uncovered: inScope.filter((criterion) => criterion.controls.length === 0).map((criterion) => criterion.id),
  };
}

function directFirst(left: { id: string; link: string }, right: { id: string; link: string }): number {
  if (left.link !== right.link) return left.link === "direct" ? -1 : 1;
  return left.id.localeCompare(right.id);
}

/** Renders coverage as plain text: one line per criterion, `-` for none, a summary at the end. */
export function formatCoverage(coverage: CriteriaCoverage): string {
  const lines: string[] = [];
  for (const criterion of coverage.criteria) {
    let marker: string;
    if (!criterion.inScope) marker = "out of scope";
    else if (criterion.controls.length === 0) marker = "NO CONTROL";
    else if (!criterion.direct) marker = "supporting only";
    else marker = "";
    const names = criterion.controls.map((control) => (control.link === "direct" ? control.id : `(${control.id})`)).join(", ");
    lines.push(`${criterion.id.padEnd(6)} ${criterion.title.padEnd(66)} ${marker.padEnd(15)} ${names || "-"}`);
  }
  lines.push("");
  lines.push(`Scope: ${coverage.scope.join(", ")}. Controls in parentheses support a criterion; the others address it directly.`);
  lines.push(`${coverage.covered} of ${coverage.inScope} criteria in scope have at least one control (${coverage.percent}%).`);
  if (coverage.uncovered.length > 0) lines.push(`Without a control: ${coverage.uncovered.join(", ")}.`);
  return `${lines.join("\n")}\n`;
}
