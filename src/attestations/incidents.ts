import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { Soc2Error, type Problem } from "../errors.js";
import { parseCalendarDate } from "../collectors/files/dates.js";
import { listYamlFiles, locate, readYamlFile, zodProblems } from "../yaml-file.js";
import { incidentRecordSchema, RESPONSE_TARGET_MINUTES, type IncidentRecord } from "./schema.js";
import { writeAtomically } from "./store.js";

export interface StoredIncident {
  /** The record's file name without `.yaml`: `<detected date>-<short hash>`. */
  id: string;
  file: string;
  record: IncidentRecord;
}

/** Reads the incident register; a missing directory means no incident was recorded. */
export async function readIncidents(dir: string): Promise<StoredIncident[]> {
  const names = await listYamlFiles(dir);

  const problems: Problem[] = [];
  const incidents: StoredIncident[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const { parsed, problems: syntaxProblems } = await readYamlFile(file);
    if (!parsed) {
      problems.push(...syntaxProblems);
      continue;
    }
    const result = incidentRecordSchema.safeParse(parsed.value);
    if (!result.success) {
      problems.push(...zodProblems(parsed, result.error));
      continue;
    }
    const timeProblems = TIME_FIELDS.flatMap((field) => {
      const value = result.data[field];
      const problem = value === undefined ? undefined : timestampProblem(value);
      return problem === undefined ? [] : [{ file, ...locate(parsed, [field]), field, message: problem }];
    });
    if (timeProblems.length > 0) {
      problems.push(...timeProblems);
      continue;
    }
    incidents.push({ id: path.basename(name, path.extname(name)), file, record: result.data });
  }

  if (problems.length > 0) {
    throw new Soc2Error("SOC2_INPUT_INVALID", `${problems.length} problem(s) in incident records under ${dir}`, {
      problems,
      hint: "Fix the records named above; `soc2 incident record` writes valid ones.",
    });
  }
  return incidents;
}

const TIME_FIELDS = ["detected", "responded", "resolved"] as const;

const ISO_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Checks that an ISO-8601 timestamp names a real moment. `Date.parse` rolls 2026-02-30 over to
 * 2026-03-02 and accepts 24:00, so each part is checked against its range instead. Returns the
 * problem, or undefined for a valid timestamp.
 */
export function timestampProblem(text: string): string | undefined {
  const match = ISO_TIMESTAMP.exec(text);
  if (!match) return `${text} is not an ISO-8601 timestamp with an offset, e.g. 2026-11-20T08:00:00Z`;

  const [, date, hour, minute, second, , offsetHours, offsetMinutes] = match;
  if (parseCalendarDate(date!) === undefined) return `${text} is not a real calendar date`;
  const outOfRange = Number(hour) > 23 || Number(minute) > 59 || Number(second ?? 0) > 59
    || Number(offsetHours ?? 0) > 23 || Number(offsetMinutes ?? 0) > 59;
  if (outOfRange) return `${text} is not a real time of day`;
  return undefined;
}

/** Whole minutes between two ISO timestamps, rounded up so 61 seconds counts as 2 minutes. */
export function minutesBetween(from: string, to: string): number {
  return Math.ceil((Date.parse(to) - Date.parse(from)) / 60_000);
}

export function responseTargetMinutes(severity: 1 | 2 | 3): number {
  return RESPONSE_TARGET_MINUTES[severity];
}

export interface RecordIncidentOptions {
  incidentsDir: string;
  severity: number;
  detected: string;
  responded: string;
  resolved?: string;
  notified: string[];
  dataBreach: boolean;
  summary: string;
  now: Date;
}

/**
 * Validates and writes one incident record; returns its path. Every time must be a real moment
 * no later than `now`, and the response and resolution cannot come before the detection.
 */
export async function recordIncident(options: RecordIncidentOptions): Promise<{ file: string; record: IncidentRecord }> {
  const timeProblems = optionTimeProblems(options);
  if (timeProblems.length > 0) {
    throw new Soc2Error("SOC2_USAGE", "the incident was not recorded: invalid options", {
      problems: timeProblems,
      hint: "Write each time as ISO-8601 with an offset, e.g. 2026-11-20T08:00:00Z, no later than now.",
    });
  }

  const input = {
    severity: options.severity,
    detected: options.detected,
    responded: options.responded,
    ...(options.resolved === undefined ? {} : { resolved: options.resolved }),
    notified: options.notified,
    data_breach: options.dataBreach,
    summary: options.summary,
    recorded_at: options.now.toISOString(),
  };
  const result = incidentRecordSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue): Problem => ({
      file: "command line",
      field: issue.path.join("."),
      message: issue.message,
    }));
    throw new Soc2Error("SOC2_USAGE", "the incident was not recorded: invalid options", { problems });
  }

  const record = result.data;
  const text = stringify(record);
  const shortHash = createHash("sha256").update(text).digest("hex").slice(0, 8);
  const file = path.join(options.incidentsDir, `${new Date(record.detected).toISOString().slice(0, 10)}-${shortHash}.yaml`);
  await mkdir(options.incidentsDir, { recursive: true });
  await writeAtomically(file, text);
  return { file, record };
}

function optionTimeProblems(options: RecordIncidentOptions): Problem[] {
  const times = { detected: options.detected, responded: options.responded, resolved: options.resolved };
  const problems: Problem[] = [];
  for (const field of TIME_FIELDS) {
    const value = times[field];
    if (value === undefined) continue;
    const problem = timestampProblem(value);
    if (problem !== undefined) {
      problems.push({ file: "command line", field, message: problem });
    } else if (Date.parse(value) > options.now.getTime()) {
      problems.push({ file: "command line", field, message: `${value} is in the future (now is ${options.now.toISOString()})` });
    }
  }
  return problems;
}
