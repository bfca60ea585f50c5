import { periodIndex, periodLabel, periodLastDay, utcDay, type Every } from "../attestations/periods.js";
import type { Resource } from "../collectors/types.js";
import type { Finding } from "./types.js";

export interface ManualControl {
  id: string;
  attestation: { kind: string; every: Every };
}

export interface ManualEvaluation {
  status: "pass" | "fail" | "pending" | "error";
  reason: string;
  findings: Finding[];
  /** ISO date (`YYYY-MM-DD`) by which the next attestation is due, or null when unknown. */
  dueAt: string | null;
}

interface AttestedFile {
  name: string;
  intact: boolean;
  missing?: boolean;
}

/**
 * Evaluates a manual control against the attestations collected by `files.attestations`.
 *
 * Frequencies are calendar periods in UTC. An activity is due once per period, and the control
 * passes while its latest attestation falls in the current or the previous period, so one
 * recorded in 2026-Q3 is due again by the end of 2026-Q4. Older than that it fails as overdue,
 * and it is pending before the first one. Attestations of the same kind count for every control
 * that names that kind. An attestation dated after today does not count, and the latest one
 * with an attached file changed after recording or missing from the store fails the control,
 * because evidence that no longer matches what was recorded proves nothing.
 */
export function evaluateManual(control: ManualControl, attestations: Resource[], now: Date): ManualEvaluation {
  const { kind, every } = control.attestation;
  const today = utcDay(now);
  const currentPeriod = periodIndex(now, every);
  const matching = attestations
    .filter((resource) => resource.kind === kind)
    .filter((resource) => resource._error !== undefined || dayOf(resource) <= today)
    .sort((left, right) => compareLatestFirst(left, right));

  const unreadable = matching.find((resource) => resource._error !== undefined);
  if (unreadable) {
    const error = unreadable._error!;
    return {
      status: "error",
      reason: `attestation ${unreadable.id} could not be read: ${error.message}`,
      findings: [{ resource: unreadable.id, status: "error", message: `${error.code}: ${error.message}` }],
      dueAt: null,
    };
  }

  const latest = matching[0];
  if (!latest) {
    const dueAt = utcDay(periodLastDay(currentPeriod, every));
    return {
      status: "pending",
      reason: `no ${kind} attestation recorded yet; the ${every} one for ${periodLabel(currentPeriod, every)} is due by ${dueAt}`,
      findings: [{ resource: control.id, status: "pending", message: `no ${kind} attestation recorded` }],
      dueAt,
    };
  }

  const { missing, changed } = attachedFileProblems(latest);
  if (latest.tampered === true || missing.length > 0 || changed.length > 0) {
    const message = describeFileProblems(missing, changed);
    return {
      status: "fail",
      reason: `latest ${kind} attestation ${latest.id}: ${message}`,
      findings: [{ resource: latest.id, status: "fail", message, fields: { files: latest.files } }],
      dueAt: null,
    };
  }

  const latestDay = dayOf(latest);
  const attestedPeriod = periodIndex(new Date(`${latestDay}T00:00:00Z`), every);
  const dueAt = utcDay(periodLastDay(attestedPeriod + 1, every));
  const earlierTampered = matching.slice(1).filter((resource) => resource.tampered === true).length;
  const tamperNote = earlierTampered > 0 ? `; ${earlierTampered} earlier attestation(s) have attached files changed after recording or missing` : "";
  const fields = { date: latestDay, by: latest.by, note: latest.note ?? null };

  if (attestedPeriod >= currentPeriod - 1) {
    return {
      status: "pass",
      reason: `${kind} attested on ${latestDay} by ${String(latest.by)}; next due by ${dueAt}${tamperNote}`,
      findings: [{ resource: latest.id, status: "pass", fields }],
      dueAt,
    };
  }

  const overdueSince = utcDay(new Date(Date.parse(`${dueAt}T00:00:00Z`) + 24 * 60 * 60 * 1000));
  const message = `${every} ${kind} overdue since ${overdueSince}: last attested on ${latestDay}, nothing recorded for ${periodLabel(attestedPeriod + 1, every)} or later`;
  return {
    status: "fail",
    reason: `${message}${tamperNote}`,
    findings: [{ resource: latest.id, status: "fail", message, fields }],
    dueAt,
  };
}

/** Returns the attestation's calendar date, taken from `date`, an ISO timestamp at midnight UTC. */
function dayOf(resource: Resource): string {
  return typeof resource.date === "string" ? resource.date.slice(0, 10) : "";
}

/** Orders by attested date, then by recording time, newest first. */
function compareLatestFirst(left: Resource, right: Resource): number {
  const byDate = dayOf(right).localeCompare(dayOf(left));
  if (byDate !== 0) return byDate;
  return String(right.recordedAt ?? "").localeCompare(String(left.recordedAt ?? ""));
}

/** Names of attached files whose stored copy is gone, and of those whose copy no longer matches its digest. */
function attachedFileProblems(resource: Resource): { missing: string[]; changed: string[] } {
  const files = Array.isArray(resource.files) ? (resource.files as AttestedFile[]) : [];
  const broken = files.filter((file) => file.intact !== true);
  return {
    missing: broken.filter((file) => file.missing === true).map((file) => file.name),
    changed: broken.filter((file) => file.missing !== true).map((file) => file.name),
  };
}

function describeFileProblems(missing: string[], changed: string[]): string {
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`attached file ${missing.join(", ")} missing from the evidence store`);
  if (changed.length > 0) parts.push(`attached file ${changed.join(", ")} changed after recording`);
  if (parts.length === 0) parts.push("an attached file changed after recording");
  return parts.join("; ");
}
