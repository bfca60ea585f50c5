import { openProject, type ProjectOptions } from "../attestations/project.js";
import { computeCoverage, formatCoverage, type CriteriaCoverage } from "./index.js";

/** Computes criteria coverage of the catalog for the configured scope. */
export async function runCoverage(options: ProjectOptions): Promise<{ coverage: CriteriaCoverage; text: string }> {
  const project = await openProject(options);
  const coverage = computeCoverage(project.controls.map((control) => control.spec), project.loaded.config.scope);
  return { coverage, text: formatCoverage(coverage) };
}
