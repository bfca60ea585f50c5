import path from "node:path";
import type { TrustCategory } from "../catalog/control-schema.js";
import type { ControlResult, Finding, RunResult, Status } from "../engine/types.js";

export const CATEGORY_TITLES: Record<TrustCategory, string> = {
  security: "Security",
  availability: "Availability",
  "processing-integrity": "Processing integrity",
  confidentiality: "Confidentiality",
  privacy: "Privacy",
};

/** Statuses that count as a failure in reports: a failed test, or manual evidence that is overdue or missing. */
export const FAILING: ReadonlySet<Status> = new Set<Status>(["fail", "pending"]);

/** The criterion a control is filed under: its first `direct` link, else its first link. */
export function primaryCriterion(control: ControlResult): string {
  const direct = control.criteria.find((criterion) => criterion.link === "direct");
  return (direct ?? control.criteria[0])?.id ?? "unmapped";
}

/** The series of a criterion id, e.g. `CC6` for `CC6.1`, `PI1` for `PI1.3`. */
export function criterionSeries(id: string): string {
  const dot = id.indexOf(".");
  return dot === -1 ? id : id.slice(0, dot);
}

/** Findings that make a control fail or leave it unevaluated, in the order the engine gave them. */
export function problemFindings(control: ControlResult): Finding[] {
  return control.findings.filter((finding) => finding.status === "fail" || finding.status === "error" || finding.status === "pending");
}

/** Resource ids of a control's failing findings. */
export function failingResources(control: ControlResult): string[] {
  return control.findings.filter((finding) => finding.status === "fail").map((finding) => finding.resource);
}

/** Whether a control could not be evaluated completely: its status or any finding is `error`. */
export function hasError(control: ControlResult): boolean {
  return control.status === "error" || control.findings.some((finding) => finding.status === "error");
}

/**
 * The expiry date of the exception that waived a finding. The engine writes waived findings as
 * `waived until YYYY-MM-DD: reason (ticket …, approved by …)`.
 */
export function waiverExpiry(message: string | undefined): string | undefined {
  return message?.match(/waived until (\d{4}-\d{2}-\d{2})/)?.[1];
}

/** Waived findings of every control, with the exception's expiry when the message carries it. */
export function waivedFindings(run: RunResult): Array<{ control: ControlResult; finding: Finding; expires: string | undefined }> {
  const waived = [];
  for (const control of run.controls) {
    for (const finding of control.findings) {
      if (finding.status === "waived") waived.push({ control, finding, expires: waiverExpiry(finding.message) });
    }
  }
  return waived;
}

/** Manual controls whose evidence is due: never recorded (`pending`) or overdue (`fail`). */
export function manualDue(run: RunResult): ControlResult[] {
  return run.controls.filter((control) => control.type === "manual" && FAILING.has(control.status));
}

export function formatScore(score: number | null): string {
  return score === null ? "n/a" : `${(score * 100).toFixed(1)}%`;
}

/**
 * The control file as a repository-relative POSIX path, which is what SARIF consumers and
 * GitHub annotations resolve against the checkout.
 */
export function repoRelativePath(file: string, rootDir: string): string {
  const relative = path.isAbsolute(file) ? path.relative(rootDir, file) : file;
  return relative.split(path.sep).join("/").replace(/^\.\//, "");
}

/** Whole UTC days from `from` to `to` (ISO timestamps or dates); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  const day = 24 * 60 * 60 * 1000;
  return Math.floor((Date.parse(to.slice(0, 10)) - Date.parse(from.slice(0, 10))) / day);
}

/**
 * Replace characters that corrupt text reports: C0 controls other than tab and newlines (an
 * ANSI escape would recolour a CI log), DEL, lone surrogates, and the U+2028/U+2029 separators
 * that some viewers treat as line breaks.
 */
export function replaceControlCharacters(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u2028\u2029]|\p{Cs}/gu, "\uFFFD");
}
