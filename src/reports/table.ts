import { TRUST_CATEGORIES } from "../catalog/control-schema.js";
import { CRITERIA_BY_ID } from "../catalog/criteria.js";
import type { ControlResult, RunResult, Status } from "../engine/types.js";
import type { Reporter, ReportContext } from "./types.js";

/** Findings shown per control before the rest are counted; the JSON output has them all. */
const MAX_FINDINGS_SHOWN = 10;

const LABELS: Record<Status, string> = {
  pass: "PASS",
  fail: "FAIL",
  waived: "WAIVED",
  error: "ERROR",
  pending: "PENDING",
  "not-applicable": "N/A",
  skipped: "SKIPPED",
};

const COLORS: Record<Status, number> = { pass: 32, fail: 31, waived: 36, error: 35, pending: 33, "not-applicable": 90, skipped: 90 };

export const reporter: Reporter = {
  id: "table",
  extension: "txt",
  render: renderTable,
};

/** The primary criterion of a control: its first direct link, else its first link. */
export function primaryCriterion(result: ControlResult): string {
  return (result.criteria.find((criterion) => criterion.link === "direct") ?? result.criteria[0])!.id;
}

function renderTable(run: RunResult, context: ReportContext): string {
  const paint = (status: Status, text: string): string => (context.color ? `\u001b[${COLORS[status]}m${text}\u001b[0m` : text);
  const bold = (text: string): string => (context.color ? `\u001b[1m${text}\u001b[0m` : text);
  const lines: string[] = [];

  for (const category of TRUST_CATEGORIES) {
    const inCategory = run.controls.filter((result) => result.category === category);
    if (inCategory.length === 0) continue;
    lines.push(bold(`${titleCase(category)} (${countLine(inCategory)})`));

    const byCriterion = groupBy(inCategory, primaryCriterion);
    for (const criterion of [...byCriterion.keys()].sort(compareCriteria)) {
      lines.push(`  ${criterion} ${CRITERIA_BY_ID.get(criterion)?.title ?? ""}`);
      for (const result of byCriterion.get(criterion)!) lines.push(...renderControl(result, paint));
    }
    lines.push("");
  }

  lines.push(...renderAgenda(run));

  const { counts, score, evaluatedShare } = run.summary;
  const parts = (Object.keys(counts) as Status[]).filter((status) => counts[status] > 0).map((status) => `${counts[status]} ${status}`);
  lines.push(bold(`${run.controls.length} controls: ${parts.join(", ") || "none"}`));
  lines.push(`Score ${percent(score)} (pass ÷ pass + fail + error + pending; waived counts as pass). Evaluated ${percent(evaluatedShare)} of controls in scope.`);
  for (const warning of run.warnings) lines.push(`Warning: ${warning}`);
  return `${lines.join("\n")}\n`;
}

function renderControl(result: ControlResult, paint: (status: Status, text: string) => string): string[] {
  const label = paint(result.status, LABELS[result.status].padEnd(7));
  const note = result.warnOnly && result.status === "fail" ? " (warning only until effective_from)" : "";
  const lines = [`    ${label} ${result.id} [${result.severity}] ${result.title}${note}`];
  if (result.status !== "pass") lines.push(`            ${result.reason}`);

  const shown = result.findings.filter((finding) => finding.status === "fail" || finding.status === "error" || finding.status === "waived");
  for (const finding of shown.slice(0, MAX_FINDINGS_SHOWN)) {
    const fields = finding.fields ? ` (${Object.entries(finding.fields).map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(", ")})` : "";
    lines.push(`            ${paint(finding.status, "-")} ${finding.resource}: ${finding.message ?? finding.status}${fields}`);
  }
  if (shown.length > MAX_FINDINGS_SHOWN) lines.push(`            … and ${shown.length - MAX_FINDINGS_SHOWN} more`);
  if ((result.status === "fail" || result.status === "pending") && result.remediation) {
    lines.push(`            Fix: ${result.remediation.trim().split("\n")[0]}`);
  }
  return lines;
}

/** Exceptions in force and what falls due soon: the compliance lead's agenda. */
function renderAgenda(run: RunResult): string[] {
  const lines: string[] = [];
  const active = run.exceptions?.active ?? [];
  const expired = run.exceptions?.expired ?? [];
  if (active.length > 0 || expired.length > 0) {
    lines.push("Exceptions");
    for (const exception of active) {
      lines.push(`  active until ${exception.expires}: ${exception.control}${exception.resource ? ` (${exception.resource})` : ""}, ticket ${exception.ticket}, approved by ${exception.approver}`);
    }
    for (const exception of expired) {
      lines.push(`  expired on ${exception.expires}: ${exception.control}${exception.resource ? ` (${exception.resource})` : ""}, ticket ${exception.ticket}`);
    }
    lines.push("");
  }
  const due = run.due ?? [];
  const pending = due.filter((item) => item.state === "pending");
  const urgent = due.filter((item) => item.state !== "pending");
  if (due.length > 0) {
    lines.push("Due");
    for (const item of urgent) lines.push(`  ${item.state.padEnd(8)} ${item.dueAt ?? "never done"}  ${item.id}: ${item.detail}`);
    if (pending.length > 0) {
      const first = pending.map((item) => item.dueAt).filter((date): date is string => date !== null).sort()[0];
      lines.push(`  ${pending.length} manual activities have no attestation yet${first ? `; the first is due by ${first}` : ""} (soc2 status lists them)`);
    }
    lines.push("");
  }
  if (run.keyMetrics) {
    lines.push(`Incidents in the last ${run.keyMetrics.periodDays} days: ${run.keyMetrics.securityIncidents} security incidents, ${run.keyMetrics.dataBreaches} data breach${run.keyMetrics.dataBreaches === 1 ? "" : "es"}`, "");
  }
  return lines;
}

function countLine(results: ControlResult[]): string {
  const passed = results.filter((result) => result.status === "pass" || result.status === "waived").length;
  return `${passed}/${results.length} passing`;
}

function percent(value: number | null): string {
  return value === null ? "n/a" : `${(value * 100).toFixed(1)}%`;
}

function titleCase(text: string): string {
  return text.split("-").map((word) => word[0]!.toUpperCase() + word.slice(1)).join(" ");
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    groups.set(name, [...(groups.get(name) ?? []), item]);
  }
  return groups;
}

/** Orders CC1.1 < CC1.2 < CC10.1 rather than by plain text. */
function compareCriteria(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}
