import type { ControlResult, Finding, RunResult } from "../engine/types.js";
import { primaryCriterion, problemFindings, replaceControlCharacters, repoRelativePath } from "./common.js";
import { renderMarkdown } from "./markdown.js";
import type { ReportContext } from "./types.js";

/** GitHub accepts at most 1 MiB of step summary per step. */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;

/**
 * Workflow commands and a step summary for a run on GitHub Actions. `annotations` goes to
 * stdout (one `::error`/`::warning` command a line); `summary` is appended to the file named by
 * `GITHUB_STEP_SUMMARY`. `env` supplies `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY` and
 * `GITHUB_SHA`, used to link control files from the summary when all three are set.
 */
export function githubOutputs(run: RunResult, context: ReportContext, env: NodeJS.ProcessEnv): { annotations: string; summary: string } {
  const annotations = run.controls.flatMap((control) => annotationsFor(control, context));
  return {
    annotations: annotations.length === 0 ? "" : `${annotations.join("\n")}\n`,
    summary: capSummary(summaryMarkdown(run, context, env), STEP_SUMMARY_LIMIT),
  };
}

function annotationsFor(control: ControlResult, context: ReportContext): string[] {
  const findings: Finding[] = problemFindings(control);
  if (findings.length === 0 && (control.status === "fail" || control.status === "error" || control.status === "pending")) {
    findings.push({ resource: control.id, status: control.status, message: control.reason });
  }

  const file = repoRelativePath(control.file, context.rootDir);
  return findings.map((finding) => {
    const command = control.warnOnly && finding.status !== "error" ? "warning" : "error";
    const title = `soc2 ${control.id} (${primaryCriterion(control)}, ${control.severity})${control.warnOnly ? " warn only" : ""}`;
    const message = `${finding.resource}: ${finding.message ?? control.reason}${control.remediation ? `\nRemediation: ${control.remediation}` : ""}`;
    const properties = `file=${escapeProperty(file)},line=${Math.max(1, control.line)},title=${escapeProperty(title)}`;
    return `::${command} ${properties}::${escapeData(message)}`;
  });
}

function summaryMarkdown(run: RunResult, context: ReportContext, env: NodeJS.ProcessEnv): string {
  const markdown = renderMarkdown(run, context);
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_SHA: sha } = env;
  if (!server || !repository || !sha) return markdown;

  const links = run.controls
    .filter((control) => control.status === "fail" || control.status === "error" || control.status === "pending")
    .map((control) => `- [\`${control.id}\`](${server}/${repository}/blob/${sha}/${encodeURI(repoRelativePath(control.file, context.rootDir))}#L${control.line})`);
  return links.length === 0 ? markdown : `${markdown}\n### Control definitions\n\n${links.join("\n")}\n`;
}

/**
 * Cut Markdown to at most `limit` UTF-8 bytes at a line boundary, with a closing note that says
 * the summary was truncated and where the full report is.
 */
export function capSummary(markdown: string, limit: number): string {
  if (Buffer.byteLength(markdown, "utf8") <= limit) return markdown;

  const note = "\n\n> The summary was truncated to fit GitHub's step summary limit; the full report is in the uploaded artifacts.\n";
  const budget = limit - Buffer.byteLength(note, "utf8");
  const lines = markdown.split("\n");
  let size = 0;
  let kept = 0;
  for (const line of lines) {
    const lineBytes = Buffer.byteLength(line, "utf8") + 1;
    if (size + lineBytes > budget) break;
    size += lineBytes;
    kept++;
  }
  return `${lines.slice(0, kept).join("\n")}${note}`;
}

/** Escape a workflow command's message: `%`, CR and LF, after replacing other control characters. */
export function escapeData(text: string): string {
  return replaceControlCharacters(text).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Escape a workflow command property value: as data, plus `:` and `,`. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
