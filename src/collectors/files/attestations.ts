import { CollectorError } from "../../errors.js";
import { resourceSchema, t } from "../schema.js";
import type { StoredAttestation } from "../../attestations/store.js";
import type { Collector, Resource } from "../types.js";

/** The part of the `files` source configuration this collector reads; the runner injects it. */
export interface AttestationsSourceConfig {
  attestations_dir?: string;
}

export const attestationSchema = resourceSchema({
  kind: t.string(),
  control: t.nullable(t.string()),
  by: t.string(),
  date: t.timestamp(),
  recordedAt: t.timestamp(),
  note: t.nullable(t.string()),
  /** Measured figures recorded with `--metric name=value`; empty when none were given. */
  metrics: t.map(t.double()),
  /** `intact` is false when the stored copy changed or is missing, and `missing` separates the two cases. */
  files: t.list(t.object({ name: t.string(), sha256: t.string(), intact: t.bool(), missing: t.bool() })),
  tampered: t.bool(),
});

/**
 * Recorded manual activities (`soc2 attest`), one resource per record. Every attached file is
 * hashed again on each run, so a copy changed after recording shows as `intact: false`, and a
 * copy no longer in the store as `missing: true`.
 */
export const attestationsCollector: Collector<AttestationsSourceConfig> = {
  id: "files.attestations",
  title: "Recorded attestations of manual activities",
  source: "files",
  schema: attestationSchema,
  async collect(ctx) {
    const dir = ctx.source.attestations_dir;
    if (!dir) throw new CollectorError("SOC2_CONFIG_MISSING", "files.attestations needs attestations_dir in the files source configuration");

    const { readAttestations } = await import("../../attestations/store.js");
    const attestations = await readAttestations(dir);
    ctx.debug(`files.attestations: ${attestations.length} record(s) under ${dir}`);

    return {
      resources: attestations.map((attestation) => toAttestationResource(attestation, ctx.classify({ kind: "attestation", name: attestation.id }))),
      coverage: [{ source: "files", scope: dir, api: "attestations", status: "read" }],
    };
  },
};

/** The resource `files.attestations` returns for one stored record. */
export function toAttestationResource({ id, record, files, tampered }: StoredAttestation, classes: string[]): Resource {
  return {
    id,
    classes,
    kind: record.kind,
    control: record.control,
    by: record.by,
    date: `${record.date}T00:00:00.000Z`,
    recordedAt: new Date(record.recorded_at).toISOString(),
    note: record.note ?? null,
    metrics: record.metrics ?? {},
    files,
    tampered,
  };
}
