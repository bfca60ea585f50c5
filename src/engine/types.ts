import type { Severity, TrustCategory } from "../catalog/control-schema.js";

export type Status = "pass" | "fail" | "waived" | "error" | "pending" | "not-applicable" | "skipped";

/** The outcome for one resource under one control. */
export interface Finding {
  resource: string;
  status: Status;
  /** The failed assertion's message, the evaluation error, or why the resource is waived. */
  message?: string;
  /** Source text of the assertion that failed or errored. */
  assertion?: string;
  /** The resource fields the failing expression read, with their values. */
  fields?: Record<string, unknown>;
}

export interface CriterionLink {
  id: string;
  link: "direct" | "supporting";
  why: string;
}

export interface ControlResult {
  id: string;
  title: string;
  type: "automated" | "manual" | "policy";
  category: TrustCategory;
  severity: Severity;
  criteria: CriterionLink[];
  collector?: string;
  status: Status;
  /** One sentence on why the control has this status, e.g. "2 of 7 tables fail". */
  reason: string;
  /** True while `effective_from` is in the future: a failure is reported but does not block. */
  warnOnly: boolean;
  remediation?: string;
  findings: Finding[];
  /** Where the control is defined, for reports that point at it (SARIF, annotations). */
  file: string;
  line: number;
}

export type StatusCounts = Record<Status, number>;

export interface RunSummary {
  counts: StatusCounts;
  /** pass ÷ (pass + fail + error + pending), waived counted as pass; null when nothing counts. */
  score: number | null;
  /** Controls that reached pass, fail or waived ÷ controls in scope; null when none are in scope. */
  evaluatedShare: number | null;
  exitCode: 0 | 1 | 3;
}

export interface RunResult {
  tool: { name: "soc2"; version: string };
  startedAt: string;
  finishedAt: string;
  now: string;
  controls: ControlResult[];
  summary: RunSummary;
  coverage: import("../collectors/types.js").CoverageEntry[];
  warnings: string[];
  /** Exceptions that waived failures in this run, and those that expired and no longer do. */
  exceptions?: { active: ExceptionSummary[]; expired: ExceptionSummary[] };
  /** What is due: attestations overdue or due soon, policy reviews, exceptions expiring. */
  due?: import("../status/index.js").DueItem[];
  /** Counts for the dashboard's key metrics, from the incident register when it was read. */
  keyMetrics?: { securityIncidents: number; dataBreaches: number; periodDays: number } | null;
}

export interface ExceptionSummary {
  control: string;
  resource?: string;
  reason: string;
  owner: string;
  approver: string;
  ticket: string;
  expires: string;
  file: string;
}
