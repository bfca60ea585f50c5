import type { RunResult } from "../engine/types.js";
import { STATUSES } from "../engine/summary.js";
import { CATEGORY_TITLES, formatScore, hasError, manualDue, primaryCriterion, replaceControlCharacters, waivedFindings } from "./common.js";
import type { ReportContext, Reporter } from "./types.js";

/** A Markdown report for pull requests and wikis. */
export const reporter: Reporter = {
  id: "markdown",
  extension: "md",
  render: renderMarkdown,
};

/** Resources listed per failing control before the rest are summarized as "and N more". */
const MAX_RESOURCES = 10;

export function renderMarkdown(run: RunResult, context: ReportContext): string {
  const sections = [
    summarySection(run, context),
    failingSection(run),
    manualSection(run),
    errorSection(run),
    waivedSection(run),
  ].filter((section) => section !== "");
  return `${sections.join("\n\n")}\n`;
}

function summarySection(run: RunResult, context: ReportContext): string {
  const { counts, score, evaluatedShare } = run.summary;
  const lines = [
    `## SOC 2 check: score ${formatScore(score)}`,
    "",
    `${run.controls.length} controls evaluated at ${run.finishedAt} by soc2 ${run.tool.version}; evaluated share ${formatScore(evaluatedShare)}; exit code ${run.summary.exitCode}.`,
  ];
  if (context.bundle) lines.push("", `Evidence bundle: \`${context.bundle.name}\` (sha256 \`${context.bundle.digest}\`).`);
  lines.push("", `| ${STATUSES.join(" | ")} |`, `| ${STATUSES.map(() => "---:").join(" | ")} |`, `| ${STATUSES.map((status) => counts[status]).join(" | ")} |`);

  const categories = [...new Set(run.controls.map((control) => control.category))];
  if (categories.length > 1) {
    lines.push("", "| Trust category | pass | fail | waived | error | pending |", "| --- | ---: | ---: | ---: | ---: | ---: |");
    for (const category of categories) {
      const controls = run.controls.filter((control) => control.category === category);
      const count = (status: string): number => controls.filter((control) => control.status === status).length;
      lines.push(`| ${CATEGORY_TITLES[category]} | ${count("pass")} | ${count("fail")} | ${count("waived")} | ${count("error")} | ${count("pending")} |`);
    }
  }
  return lines.join("\n");
}

function failingSection(run: RunResult): string {
  const failing = run.controls.filter((control) => control.status === "fail" && control.type !== "manual");
  if (failing.length === 0) return "";

  const lines = [`### Failing controls (${failing.length})`, "", "| Control | Criterion | Severity | Failing resources | Why | Remediation |", "| --- | --- | --- | --- | --- | --- |"];
  for (const control of failing) {
    const resources = control.findings.filter((finding) => finding.status === "fail").map((finding) => finding.resource);
    const shown = resources.slice(0, MAX_RESOURCES).map((resource) => code(resource)).join(", ");
    const more = resources.length > MAX_RESOURCES ? ` and ${resources.length - MAX_RESOURCES} more` : "";
    const id = control.warnOnly ? `${code(control.id)} (warn only)` : code(control.id);
    lines.push(`| ${id} | ${cell(primaryCriterion(control))} | ${control.severity} | ${shown}${more} | ${cell(control.reason)} | ${cell(control.remediation ?? "")} |`);
  }
  return lines.join("\n");
}

function manualSection(run: RunResult): string {
  const due = manualDue(run);
  if (due.length === 0) return "";

  const lines = [`### Manual evidence due (${due.length})`, "", "| Control | Status | Owner action |", "| --- | --- | --- |"];
  for (const control of due) lines.push(`| ${code(control.id)} | ${control.status === "pending" ? "never recorded" : "overdue"} | ${cell(control.reason)} |`);
  return lines.join("\n");
}

function errorSection(run: RunResult): string {
  const errored = run.controls.filter(hasError);
  if (errored.length === 0) return "";

  const lines = [`### Could not be checked (${errored.length})`, "", "| Control | Resource | Error |", "| --- | --- | --- |"];
  for (const control of errored) {
    const findings = control.findings.filter((finding) => finding.status === "error");
    if (findings.length === 0) lines.push(`| ${code(control.id)} | | ${cell(control.reason)} |`);
    for (const finding of findings) lines.push(`| ${code(control.id)} | ${code(finding.resource)} | ${cell(finding.message ?? control.reason)} |`);
  }
  return lines.join("\n");
}

function waivedSection(run: RunResult): string {
  const waived = waivedFindings(run);
  if (waived.length === 0) return "";

  const lines = [`### Waived by exception (${waived.length})`, "", "| Control | Resource | Expires | Exception |", "| --- | --- | --- | --- |"];
  for (const { control, finding, expires } of waived) {
    lines.push(`| ${code(control.id)} | ${code(finding.resource)} | ${expires ?? "unknown"} | ${cell(finding.message ?? "")} |`);
  }
  return lines.join("\n");
}

/** Text for a table cell: no line breaks, pipes escaped, HTML inert. */
function cell(text: string): string {
  return replaceControlCharacters(text)
    .replace(/[\r\n]+/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/([`*_[\]])/g, "\\$1");
}

/** An inline code span that survives backticks and pipes in the value. */
function code(text: string): string {
  const clean = replaceControlCharacters(text).replace(/[\r\n]+/g, " ").replace(/\|/g, "\\|");
  const fence = clean.includes("`") ? "``" : "`";
  return `${fence}${fence === "``" ? ` ${clean} ` : clean}${fence}`;
}
