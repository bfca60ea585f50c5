import path from "node:path";
import { parseCalendarDate } from "../collectors/files/dates.js";
import { loadConfig } from "../config/load.js";
import { Soc2Error } from "../errors.js";
import { recordIncident } from "./incidents.js";
import { utcDay } from "./periods.js";
import { openProject, projectFolders, type ProjectOptions } from "./project.js";
import { recordAttestation } from "./store.js";

export interface AttestOptions extends ProjectOptions {
  control: string;
  by: string;
  date: string;
  files: string[];
  note?: string;
  metrics: Record<string, number>;
  now: Date;
}

/** Records an attestation for a manual control; returns the line to print. */
export async function runAttest(options: AttestOptions): Promise<string> {
  const project = await openProject(options);
  const control = project.controls.find((candidate) => candidate.spec.id === options.control);
  if (!control) {
    throw new Soc2Error("SOC2_USAGE", `control "${options.control}" not found`, { hint: "`soc2 controls list` shows the control ids." });
  }
  if (control.spec.type !== "manual" || !control.spec.attestation) {
    throw new Soc2Error("SOC2_USAGE", `control "${options.control}" is ${control.spec.type}, not manual; only manual controls take attestations`);
  }
  if (options.by.trim() === "") {
    throw new Soc2Error("SOC2_USAGE", "--by is empty", { hint: "Name who performed or signs off the activity, e.g. --by infrastructure-lead." });
  }
  if (options.note !== undefined && options.note.trim() === "") {
    throw new Soc2Error("SOC2_USAGE", "--note is empty", { hint: "Write a short note, or leave --note out." });
  }
  if (parseCalendarDate(options.date) === undefined) {
    throw new Soc2Error("SOC2_USAGE", `--date ${options.date} is not a real calendar date`, { hint: "Write the date the activity happened as YYYY-MM-DD." });
  }
  if (options.date > utcDay(options.now)) {
    throw new Soc2Error("SOC2_USAGE", `--date ${options.date} is in the future (today is ${utcDay(options.now)} UTC)`, { hint: "Record an activity after it happened." });
  }

  const { file, record } = await recordAttestation({
    rootDir: project.rootDir,
    attestationsDir: project.attestationsDir,
    control: control.spec.id,
    kind: control.spec.attestation.kind,
    by: options.by,
    date: options.date,
    note: options.note,
    metrics: options.metrics,
    files: options.files.map((file) => path.resolve(options.cwd, file)),
    now: options.now,
  });
  const attached = record.files.length === 0 ? "no files attached" : `${record.files.length} file(s) hashed and stored`;
  return `recorded ${path.relative(options.cwd, file)} for ${control.spec.id} (${control.spec.attestation.every} ${control.spec.attestation.kind}, ${attached})`;
}

/** Parses `--metric name=value`; values are decimal numbers such as 99.95 or 130. */
export function parseMetric(text: string, previous: Record<string, number> = {}): Record<string, number> {
  const match = /^([a-z][a-z0-9_]*)=(-?\d+(?:\.\d+)?)$/.exec(text);
  if (!match) throw new Soc2Error("SOC2_USAGE", `--metric ${text} is invalid`, { hint: "Write it as snake_case_name=number, e.g. --metric uptime_percent=99.95." });
  return { ...previous, [match[1]!]: Number(match[2]) };
}

export interface IncidentOptions extends ProjectOptions {
  severity: number;
  detected: string;
  responded: string;
  resolved?: string;
  notified: string[];
  dataBreach: boolean;
  summary: string;
  now: Date;
}

/** Records an incident in the register; returns the line to print. */
export async function runIncidentRecord(options: IncidentOptions): Promise<string> {
  const { incidentsDir } = projectFolders(await loadConfig(options.configFile, options.cwd));
  const { file, record } = await recordIncident({ ...options, incidentsDir });
  const minutes = Math.ceil((Date.parse(record.responded) - Date.parse(record.detected)) / 60_000);
  return `recorded ${path.relative(options.cwd, file)} (severity ${record.severity}, responded after ${minutes} min)`;
}

