import path from "node:path";
import picomatch from "picomatch";
import { z } from "zod";
import { calendarDate } from "../attestations/schema.js";
import { utcDay } from "../attestations/periods.js";
import { parseCalendarDate } from "../collectors/files/dates.js";
import { Soc2Error, type Problem } from "../errors.js";
import { formatPath, listYamlFiles, locate, readYamlFile, zodProblems } from "../yaml-file.js";
import type { ControlResult, Finding } from "./types.js";

/** An approved exception: a known failure accepted until a date, with a compensating control. */
export interface ExceptionRecord {
  file: string;
  line: number;
  control: string;
  /** Glob over resource ids (picomatch syntax); absent means every resource of the control. */
  resource?: string;
  reason: string;
  owner: string;
  approver: string;
  ticket: string;
  compensating_control: string;
  /** Last day the exception applies, `YYYY-MM-DD`; it is active through the whole UTC day. */
  expires: string;
  approved_at?: string;
}

export const DEFAULT_MAX_EXCEPTION_DAYS = 180;

const exceptionSchema = z.object({
  control: z.string().min(1),
  resource: z.string().min(1).optional(),
  reason: z.string().min(1),
  owner: z.string().min(1),
  approver: z.string().min(1),
  ticket: z.string().min(1),
  compensating_control: z.string().min(1),
  expires: calendarDate,
  approved_at: calendarDate.optional(),
}).strict();

const DAY_MS = 24 * 60 * 60 * 1000;

export interface LoadExceptionsOptions {
  knownControls: Set<string>;
  /** Maximum days from approval to expiry; counted from the run's date when there is no approval date or it lies ahead. */
  maxDays: number;
  now: Date;
}

/**
 * Loads `<dir>/*.yaml`, each holding one exception or a list of them. A missing directory means
 * no exceptions. Expired exceptions are returned too, so the report can state that a failure
 * is back because its exception expired. Every problem in every file is collected before throwing.
 */
export async function loadExceptions(dir: string, options: LoadExceptionsOptions): Promise<ExceptionRecord[]> {
  const names = await listYamlFiles(dir);

  const problems: Problem[] = [];
  const exceptions: ExceptionRecord[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const { parsed, problems: syntaxProblems } = await readYamlFile(file);
    if (!parsed) {
      problems.push(...syntaxProblems);
      continue;
    }

    const items = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
    items.forEach((item, index) => {
      const itemPath = Array.isArray(parsed.value) ? [index] : [];
      const result = exceptionSchema.safeParse(item);
      if (!result.success) {
        problems.push(...zodProblems(parsed, result.error, itemPath));
        return;
      }

      const record: ExceptionRecord = { file, line: locate(parsed, itemPath).line, ...result.data };
      for (const problem of checkRules(record, options)) {
        const fieldPath = [...itemPath, problem.field];
        problems.push({ file, ...locate(parsed, fieldPath), field: formatPath(fieldPath), message: problem.message });
      }
      exceptions.push(record);
    });
  }

  if (problems.length > 0) {
    throw new Soc2Error("SOC2_INPUT_INVALID", `${problems.length} problem(s) in exceptions under ${dir}`, {
      problems,
      hint: "Each exception needs a known control, an approver, a ticket, a compensating control and an expiry within the allowed maximum.",
    });
  }
  return exceptions;
}

function checkRules(record: ExceptionRecord, options: LoadExceptionsOptions): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  if (!options.knownControls.has(record.control)) {
    problems.push({ field: "control", message: `names unknown control "${record.control}"` });
  }
  if (record.resource !== undefined) {
    try {
      picomatch(record.resource);
    } catch (error) {
      problems.push({ field: "resource", message: `is not a valid glob: ${(error as Error).message}` });
    }
  }

  const today = utcDay(options.now);
  if (record.approved_at !== undefined && record.approved_at > today) {
    problems.push({ field: "approved_at", message: `${record.approved_at} is after the run's date ${today}, but an exception cannot be approved in the future` });
  }

  // The cap counts from the approval date unless that date is after the run's date, because a
  // future approval date would otherwise extend the waiver by as many days as it lies ahead.
  const approvedInPast = record.approved_at !== undefined && record.approved_at <= today;
  const base = approvedInPast ? record.approved_at! : today;
  const from = approvedInPast ? `approval on ${record.approved_at}` : "today";
  const days = Math.round((parseCalendarDate(record.expires)!.getTime() - parseCalendarDate(base)!.getTime()) / DAY_MS);
  if (days > options.maxDays) {
    problems.push({ field: "expires", message: `is ${days} days after ${from}, over the maximum of ${options.maxDays} days` });
  }
  if (record.approved_at !== undefined && record.expires < record.approved_at) {
    problems.push({ field: "expires", message: `is before the approval date ${record.approved_at}` });
  }
  return problems;
}

/** True while `now` is on or before the exception's last day in UTC. */
export function isExceptionActive(exception: ExceptionRecord, now: Date): boolean {
  return utcDay(now) <= exception.expires;
}

/**
 * Waives failing findings that an exception covers. A finding matches when the exception names
 * its control and, if it has a resource glob, the glob matches the resource id. A control whose
 * every non-passing finding is waived becomes `waived`. Errors are never waived: an exception
 * accepts a known gap, not evidence that could not be collected. Results are copied, not changed.
 */
export function applyExceptions(results: ControlResult[], exceptions: ExceptionRecord[], now: Date): {
  results: ControlResult[];
  active: ExceptionRecord[];
  expired: ExceptionRecord[];
} {
  const active = exceptions.filter((exception) => isExceptionActive(exception, now));
  const expired = exceptions.filter((exception) => !isExceptionActive(exception, now));
  const matchers = new Map(exceptions.map((exception) => [exception, exception.resource === undefined ? () => true : picomatch(exception.resource, { dot: true })]));

  const matching = (control: string, resource: string, from: ExceptionRecord[]): ExceptionRecord | undefined =>
    from.find((exception) => exception.control === control && matchers.get(exception)!(resource));

  const updated = results.map((result): ControlResult => {
    let waived = 0;
    let lapsed: ExceptionRecord | undefined;
    const findings = result.findings.map((finding): Finding => {
      if (finding.status !== "fail") return finding;
      const exception = matching(result.id, finding.resource, active);
      if (exception) {
        waived += 1;
        return { ...finding, status: "waived", message: waiverMessage(exception) };
      }
      const old = matching(result.id, finding.resource, expired);
      if (!old) return finding;
      lapsed ??= old;
      const expiredNote = `exception ${old.ticket} expired on ${old.expires}`;
      return { ...finding, message: finding.message ? `${finding.message} (${expiredNote})` : expiredNote };
    });

    const nonPassing = findings.filter((finding) => finding.status !== "pass");
    if (result.status === "fail" && nonPassing.length > 0 && nonPassing.every((finding) => finding.status === "waived")) {
      return { ...result, findings, status: "waived", reason: `${waived} failing finding(s) waived: ${waiverMessage(matching(result.id, nonPassing[0]!.resource, active)!)}` };
    }
    if (lapsed) {
      return { ...result, findings, reason: `${result.reason} (exception ${lapsed.ticket} expired on ${lapsed.expires})` };
    }
    return { ...result, findings };
  });

  return { results: updated, active, expired };
}

function waiverMessage(exception: ExceptionRecord): string {
  return `waived until ${exception.expires}: ${exception.reason} (ticket ${exception.ticket}, approved by ${exception.approver})`;
}
