import type { Status } from "../engine/types.js";
import type { RunResult } from "../engine/types.js";
import { Soc2Error } from "../errors.js";
import { FAILING } from "./common.js";

export interface ControlPeriod {
  id: string;
  title: string;
  type: "automated" | "manual" | "policy";
  /** Runs in the period that evaluated this control. */
  runs: number;
  passed: number;
  waived: number;
  failed: number;
  errors: number;
  /** Longest run of consecutive evaluations that failed (fail, or manual evidence pending or overdue). */
  longestFailingStreak: { runs: number; from?: string; to?: string };
  /** UTC days in the period on which no run evaluated this control. */
  daysWithoutRun: number;
  /** Distinct exceptions that waived a finding of this control during the period. */
  exceptions: Array<{ resource: string; message: string; firstSeen: string; lastSeen: string }>;
  /** Distinct attestations that satisfied this manual control during the period. */
  attestations: Array<{ id: string; firstSeen: string }>;
}

export interface PeriodReport {
  from: string;
  to: string;
  /** UTC days in the period, both ends included. */
  days: number;
  runs: number;
  /** UTC days in the period with no run at all. */
  daysWithoutRun: number;
  controls: ControlPeriod[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Summarize runs between two UTC dates (YYYY-MM-DD, both included) per control: how often it was
 * tested and passed, its longest failing streak, the days it went untested, the exceptions in
 * force and the attestations recorded. This is the operating-effectiveness view for a Type II
 * audit period. Runs outside the period are ignored.
 */
export function periodReport(runs: RunResult[], from: string, to: string): PeriodReport {
  const start = parseDay(from, "--from");
  const end = parseDay(to, "--to");
  if (end < start) throw new Soc2Error("SOC2_USAGE", `--to ${to} is before --from ${from}`, { hint: "give the period's first day to --from and its last day to --to" });

  const inPeriod = runs
    .filter((run) => {
      const at = Date.parse(run.startedAt);
      return at >= start && at < end + DAY_MS;
    })
    .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const days = (end - start) / DAY_MS + 1;

  const ids: string[] = [];
  for (const run of inPeriod) for (const control of run.controls) if (!ids.includes(control.id)) ids.push(control.id);

  return {
    from,
    to,
    days,
    runs: inPeriod.length,
    daysWithoutRun: days - new Set(inPeriod.map((run) => run.startedAt.slice(0, 10))).size,
    controls: ids.sort().map((id) => controlPeriod(id, inPeriod, days)),
  };
}

function controlPeriod(id: string, runs: RunResult[], days: number): ControlPeriod {
  const evaluations = runs.flatMap((run) => {
    const control = run.controls.find((item) => item.id === id);
    return control ? [{ at: run.startedAt, control }] : [];
  });
  const latest = evaluations[evaluations.length - 1]!.control;
  const count = (statuses: Status[]): number => evaluations.filter(({ control }) => statuses.includes(control.status)).length;

  const exceptions = new Map<string, ControlPeriod["exceptions"][number]>();
  const attestations = new Map<string, ControlPeriod["attestations"][number]>();
  for (const { at, control } of evaluations) {
    for (const finding of control.findings) {
      if (finding.status === "waived") {
        const key = `${finding.resource}\u0000${finding.message ?? ""}`;
        const seen = exceptions.get(key);
        if (seen) seen.lastSeen = at;
        else exceptions.set(key, { resource: finding.resource, message: finding.message ?? "waived", firstSeen: at, lastSeen: at });
      }
      if (control.type === "manual" && control.status === "pass" && finding.status === "pass" && !attestations.has(finding.resource)) {
        attestations.set(finding.resource, { id: finding.resource, firstSeen: at });
      }
    }
  }

  return {
    id,
    title: latest.title,
    type: latest.type,
    runs: evaluations.length,
    passed: count(["pass"]),
    waived: count(["waived"]),
    failed: count(["fail", "pending"]),
    errors: count(["error"]),
    longestFailingStreak: longestStreak(evaluations.map(({ at, control }) => ({ at, failing: FAILING.has(control.status) }))),
    daysWithoutRun: days - new Set(evaluations.map(({ at }) => at.slice(0, 10))).size,
    exceptions: [...exceptions.values()],
    attestations: [...attestations.values()],
  };
}

function longestStreak(points: Array<{ at: string; failing: boolean }>): ControlPeriod["longestFailingStreak"] {
  let best: ControlPeriod["longestFailingStreak"] = { runs: 0 };
  let current: { runs: number; from: string; to: string } | undefined;
  for (const point of points) {
    if (!point.failing) {
      current = undefined;
      continue;
    }
    current = current ? { ...current, runs: current.runs + 1, to: point.at } : { runs: 1, from: point.at, to: point.at };
    if (current.runs > best.runs) best = current;
  }
  return best;
}

function parseDay(value: string, option: string): number {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== value) {
    throw new Soc2Error("SOC2_USAGE", `${option} ${JSON.stringify(value)} is not a calendar date`, { hint: "use YYYY-MM-DD, e.g. 2026-01-01" });
  }
  return at;
}

/** The period report as Markdown: one table row per control, then exceptions and attestations. */
export function renderPeriodReport(report: PeriodReport): string {
  const lines = [
    `## SOC 2 operating effectiveness, ${report.from} to ${report.to}`,
    "",
    `${report.runs} runs over ${report.days} days; ${report.daysWithoutRun} days without any run.`,
    "",
    "| Control | Type | Runs | Passed | Waived | Failed | Errors | Longest failing streak | Days without a run | Exceptions | Attestations |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
  ];
  for (const control of report.controls) {
    const streak = control.longestFailingStreak.runs === 0
      ? "0"
      : `${control.longestFailingStreak.runs} (${control.longestFailingStreak.from!.slice(0, 10)} to ${control.longestFailingStreak.to!.slice(0, 10)})`;
    lines.push(`| \`${control.id}\` | ${control.type} | ${control.runs} | ${control.passed} | ${control.waived} | ${control.failed} | ${control.errors} | ${streak} | ${control.daysWithoutRun} | ${control.exceptions.length} | ${control.attestations.length} |`);
  }

  const exceptions = report.controls.flatMap((control) => control.exceptions.map((exception) => ({ control: control.id, ...exception })));
  if (exceptions.length > 0) {
    lines.push("", "### Exceptions in force", "", "| Control | Resource | From | To | Exception |", "| --- | --- | --- | --- | --- |");
    for (const item of exceptions) lines.push(`| \`${item.control}\` | \`${item.resource}\` | ${item.firstSeen.slice(0, 10)} | ${item.lastSeen.slice(0, 10)} | ${tableText(item.message)} |`);
  }

  const attestations = report.controls.flatMap((control) => control.attestations.map((attestation) => ({ control: control.id, ...attestation })));
  if (attestations.length > 0) {
    lines.push("", "### Attestations recorded", "", "| Control | Attestation | First seen |", "| --- | --- | --- |");
    for (const item of attestations) lines.push(`| \`${item.control}\` | \`${item.id}\` | ${item.firstSeen.slice(0, 10)} |`);
  }
  return `${lines.join("\n")}\n`;
}

function tableText(text: string): string {
  return text.replace(/[\r\n]+/g, " ").replace(/\|/g, "\\|");
}
