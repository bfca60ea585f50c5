import path from "node:path";
import { CollectorError } from "../../errors.js";
import { resourceSchema, t } from "../schema.js";
import type { Collector } from "../types.js";

/** The part of the `files` source configuration this collector reads; the runner injects it. */
export interface IncidentsSourceConfig {
  attestations_dir?: string;
  /** Defaults to `incidents` beside the attestations directory. */
  incidents_dir?: string;
}

export const incidentSchema = resourceSchema({
  severity: t.int(),
  detectedAt: t.timestamp(),
  respondedAt: t.timestamp(),
  resolvedAt: t.nullable(t.timestamp()),
  responseMinutes: t.int(),
  resolutionMinutes: t.nullable(t.int()),
  /** The plan's response-time target for this severity: 60, 240 or 1440 minutes. */
  targetMinutes: t.int(),
  notified: t.list(t.string()),
  dataBreach: t.bool(),
});

/**
 * The incident register (`soc2 incident record`), one resource per incident. The free-text
 * summary stays in the record and is left out of the resource, because it may name people.
 */
export const incidentsCollector: Collector<IncidentsSourceConfig> = {
  id: "files.incidents",
  title: "Recorded security incidents",
  source: "files",
  schema: incidentSchema,
  async collect(ctx) {
    const dir = incidentsDir(ctx.source);
    const { readIncidents, minutesBetween, responseTargetMinutes } = await import("../../attestations/incidents.js");
    const incidents = await readIncidents(dir);
    ctx.debug(`files.incidents: ${incidents.length} record(s) under ${dir}`);

    return {
      resources: incidents.map(({ id, record }) => ({
        id,
        classes: ctx.classify({ kind: "incident", name: id }),
        severity: record.severity,
        detectedAt: new Date(record.detected).toISOString(),
        respondedAt: new Date(record.responded).toISOString(),
        resolvedAt: record.resolved === undefined ? null : new Date(record.resolved).toISOString(),
        responseMinutes: minutesBetween(record.detected, record.responded),
        resolutionMinutes: record.resolved === undefined ? null : minutesBetween(record.detected, record.resolved),
        targetMinutes: responseTargetMinutes(record.severity),
        notified: record.notified,
        dataBreach: record.data_breach,
      })),
      coverage: [{ source: "files", scope: dir, api: "incidents", status: "read" }],
    };
  },
};

export function incidentsDir(config: IncidentsSourceConfig): string {
  if (config.incidents_dir) return config.incidents_dir;
  if (config.attestations_dir) return path.join(path.dirname(config.attestations_dir), "incidents");
  throw new CollectorError("SOC2_CONFIG_MISSING", "files.incidents needs incidents_dir or attestations_dir in the files source configuration");
}
