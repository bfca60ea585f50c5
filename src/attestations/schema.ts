import { z } from "zod";
import { parseCalendarDate } from "../collectors/files/dates.js";

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be lowercase letters, digits and hyphens");

export const calendarDate = z.string().refine((value) => parseCalendarDate(value) !== undefined, "must be a real calendar date YYYY-MM-DD");

const isoTimestamp = z.string().refine((value) => /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)), "must be an ISO-8601 timestamp");

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase hex SHA-256 digest");

export const attachedFileSchema = z.object({
  /** The file's base name as attached. */
  name: z.string().min(1).refine((value) => !/[\\/]/.test(value), "must be a base name without a folder"),
  sha256,
  /** Path of the stored copy relative to the repository root: `<attestations>/files/<sha256>-<name>`. */
  stored: z.string().min(1),
}).strict();

/** One recorded manual activity: `evidence/attestations/<kind>/<date>-<short hash>.yaml`. */
export const attestationRecordSchema = z.object({
  control: slug,
  kind: slug,
  by: z.string().min(1),
  date: calendarDate,
  recorded_at: isoTimestamp,
  note: z.string().min(1).optional(),
  /** Measured figures, e.g. `{ uptime_percent: 99.95 }` or `{ rto_minutes: 130, rpo_minutes: 20 }`. */
  metrics: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, "must be a snake_case name"), z.number().finite()).optional(),
  files: z.array(attachedFileSchema).default([]),
}).strict();

export type AttestationRecord = z.output<typeof attestationRecordSchema>;

export const NOTIFIED_PARTIES = ["customers", "regulators", "employers", "vendors", "law-enforcement"] as const;

/** One incident in the register: `evidence/incidents/<detected date>-<short hash>.yaml`. */
export const incidentRecordSchema = z.object({
  severity: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  detected: isoTimestamp,
  responded: isoTimestamp,
  resolved: isoTimestamp.optional(),
  notified: z.array(z.enum(NOTIFIED_PARTIES)).default([]),
  data_breach: z.boolean().default(false),
  summary: z.string().min(1),
  recorded_at: isoTimestamp,
}).strict().superRefine((record, context) => {
  if (Date.parse(record.responded) < Date.parse(record.detected)) {
    context.addIssue({ code: "custom", path: ["responded"], message: "is before the detection time" });
  }
  if (record.resolved !== undefined && Date.parse(record.resolved) < Date.parse(record.detected)) {
    context.addIssue({ code: "custom", path: ["resolved"], message: "is before the detection time" });
  }
});

export type IncidentRecord = z.output<typeof incidentRecordSchema>;

/** The plan's response-time targets per severity level, in minutes. */
export const RESPONSE_TARGET_MINUTES: Record<1 | 2 | 3, number> = { 1: 60, 2: 240, 3: 1440 };
