import type { RunResult } from "../engine/types.js";

export interface ReportContext {
  /** Colour escape codes allowed (a TTY without NO_COLOR). */
  color: boolean;
  /** Repository root, for paths that reports point at (SARIF locations, annotations). */
  rootDir: string;
  /** Evidence bundle this run was written to, when there is one. */
  bundle?: { name: string; digest: string };
  /** Earlier runs, oldest first, for trend views (the HTML dashboard). */
  history?: Array<{ at: string; score: number | null; counts: RunResult["summary"]["counts"] }>;
}

/** A report format: one pure function from a run to text. */
export interface Reporter {
  id: string;
  /** File name extension used with `--output-dir`, e.g. `junit.xml`. */
  extension: string;
  render(run: RunResult, context: ReportContext): string;
}
