import { utcDay } from "../attestations/periods.js";
import type { Resource } from "../collectors/types.js";
import type { ExceptionRecord } from "../engine/exceptions.js";
import { evaluateManual } from "../engine/manual.js";
import type { Status } from "../engine/types.js";

export interface StatusControl {
  id: string;
  title: string;
  type: "automated" | "manual" | "policy";
  tags: string[];
  attestation?: { kind: string; every: "monthly" | "quarterly" | "annual" };
}

export type DueState = "overdue" | "pending" | "due-soon" | "expired" | "expiring";

export interface DueItem {
  kind: "attestation" | "policy-review" | "exception";
  /** Control id, policy id, or `<control> (<ticket>)` for an exception. */
  id: string;
  title: string;
  state: DueState;
  /** Calendar date (`YYYY-MM-DD`) the item is or was due, or null when it never was done. */
  dueAt: string | null;
  detail: string;
}

export interface PhaseProgress {
  tag: string;
  total: number;
  /** Controls that pass or are waived. */
  done: number;
  counts: Partial<Record<Status | "not-evaluated", number>>;
  /** `done` ÷ `total` in percent, rounded down; null for an empty group. */
  percent: number | null;
}

export interface StatusReport {
  now: string;
  withinDays: number;
  due: DueItem[];
  phases: PhaseProgress[];
}

export interface StatusInput {
  controls: StatusControl[];
  /** Resources of `files.attestations`. */
  attestations: Resource[];
  /** Resources of `files.policies`; `reviewDueAt` is an ISO timestamp or null. */
  policies: Resource[];
  exceptions: ExceptionRecord[];
  /** Results of a run, by control id. Manual controls without one are judged from the attestations. */
  results?: Map<string, Status>;
  now: Date;
  /** Items due within this many days are listed as due soon. */
  withinDays: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Lists what is due: manual activities overdue, pending or due within `withinDays`, policies due
 * for review, and exceptions expired or expiring. Also reports progress per roadmap tag
 * (`phase-1`, `phase-2`, ...), counting pass and waived as done.
 */
export function computeStatus(input: StatusInput): StatusReport {
  const today = utcDay(input.now);
  const horizon = utcDay(new Date(Date.parse(`${today}T00:00:00Z`) + input.withinDays * DAY_MS));
  const due: DueItem[] = [];
  const manualStatus = new Map<string, Status>();

  for (const control of input.controls) {
    if (control.type !== "manual" || !control.attestation) continue;
    const outcome = evaluateManual({ id: control.id, attestation: control.attestation }, input.attestations, input.now);
    manualStatus.set(control.id, outcome.status);
    const state = attestationState(outcome.status, outcome.dueAt, horizon);
    if (state) due.push({ kind: "attestation", id: control.id, title: control.title, state, dueAt: outcome.dueAt, detail: outcome.reason });
  }

  for (const policy of input.policies) {
    const dueAt = typeof policy.reviewDueAt === "string" ? policy.reviewDueAt.slice(0, 10) : null;
    const title = typeof policy.title === "string" ? policy.title : policy.id;
    if (dueAt === null) {
      due.push({ kind: "policy-review", id: policy.id, title, state: "overdue", dueAt: null, detail: "never reviewed" });
    } else if (dueAt < today) {
      due.push({ kind: "policy-review", id: policy.id, title, state: "overdue", dueAt, detail: `review was due on ${dueAt}` });
    } else if (dueAt <= horizon) {
      due.push({ kind: "policy-review", id: policy.id, title, state: "due-soon", dueAt, detail: `review due by ${dueAt}` });
    }
  }

  for (const exception of input.exceptions) {
    const id = `${exception.control} (${exception.ticket})`;
    if (exception.expires < today) {
      due.push({ kind: "exception", id, title: exception.reason, state: "expired", dueAt: exception.expires, detail: `expired on ${exception.expires}; the failure counts again` });
    } else if (exception.expires <= horizon) {
      due.push({ kind: "exception", id, title: exception.reason, state: "expiring", dueAt: exception.expires, detail: `expires after ${exception.expires}; renew or fix before then` });
    }
  }

  due.sort((left, right) => (left.dueAt ?? "").localeCompare(right.dueAt ?? "") || left.id.localeCompare(right.id));
  return {
    now: input.now.toISOString(),
    withinDays: input.withinDays,
    due,
    phases: phaseProgress(input.controls, (id) => input.results?.get(id) ?? manualStatus.get(id)),
  };
}

function attestationState(status: string, dueAt: string | null, horizon: string): DueState | undefined {
  if (status === "fail" || status === "error") return "overdue";
  if (status === "pending") return "pending";
  if (dueAt !== null && dueAt <= horizon) return "due-soon";
  return undefined;
}

function phaseProgress(controls: StatusControl[], statusOf: (id: string) => Status | undefined): PhaseProgress[] {
  const tags = [...new Set(controls.flatMap((control) => control.tags.filter((tag) => /^phase-\d+$/.test(tag))))]
    .sort((left, right) => Number(left.slice(6)) - Number(right.slice(6)));

  return tags.map((tag) => {
    const members = controls.filter((control) => control.tags.includes(tag));
    const counts: PhaseProgress["counts"] = {};
    for (const control of members) {
      const status = statusOf(control.id) ?? "not-evaluated";
      counts[status] = (counts[status] ?? 0) + 1;
    }
    const done = (counts.pass ?? 0) + (counts.waived ?? 0);
    return { tag, total: members.length, done, counts, percent: members.length === 0 ? null : Math.floor((done * 100) / members.length) };
  });
}

/** Renders the status report as plain text. */
export function formatStatus(report: StatusReport): string {
  const lines: string[] = [];
  lines.push(`Due on ${report.now.slice(0, 10)} or within ${report.withinDays} days:`);
  if (report.due.length === 0) lines.push("  nothing");
  for (const item of report.due) {
    lines.push(`  ${item.state.padEnd(9)} ${(item.dueAt ?? "-").padEnd(10)} ${item.kind.padEnd(13)} ${item.id}: ${item.detail}`);
  }
  lines.push("");
  lines.push("Roadmap progress (pass or waived):");
  for (const phase of report.phases) {
    const rest = Object.entries(phase.counts)
      .filter(([status]) => status !== "pass" && status !== "waived")
      .map(([status, count]) => `${count} ${status}`)
      .join(", ");
    lines.push(`  ${phase.tag.padEnd(8)} ${phase.done}/${phase.total} (${phase.percent ?? 0}%)${rest ? `; ${rest}` : ""}`);
  }
  return `${lines.join("\n")}\n`;
}
