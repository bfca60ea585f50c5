import { z } from "zod";
import { TRUST_CATEGORIES } from "../catalog/control-schema.js";

/**
 * One classification rule: resources matching every given field get `class`. Globs use
 * picomatch syntax (`client_*`, `prod-{db,api}`); `tags` must all be present with equal values.
 */
export const selectorSchema = z.object({
  class: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be lowercase letters, digits and hyphens"),
  match: z.object({
    kind: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    schema: z.string().min(1).optional(),
    account: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    tags: z.record(z.string(), z.string()).optional(),
  }).strict(),
}).strict();

export type Selector = z.infer<typeof selectorSchema>;

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

export const evidenceStoreSchema = z.union([
  z.object({ kind: z.literal("local"), path: z.string().min(1) }).strict(),
  z.object({
    kind: z.literal("s3"),
    bucket: z.string().min(3),
    prefix: z.string().default(""),
    region: z.string().optional(),
    retention_days: z.number().int().min(1).optional(),
  }).strict(),
]);

/**
 * `soc2.config.yaml`. Secrets are never values here: sources name the environment variables
 * that hold them (`*_env` keys). Each `sources.<name>` section is checked by its source's own
 * schema once the registry is known.
 */
export const configSchema = z.object({
  version: z.literal(1),
  organization: z.string().min(1).optional(),
  /** Trust categories in scope; security is always in. */
  scope: z.array(z.enum(TRUST_CATEGORIES)).default([...TRUST_CATEGORIES]),
  controls: z.string().min(1).default("controls"),
  policies: z.string().min(1).default("policies"),
  exceptions: z.string().min(1).default("exceptions"),
  /** Longest an exception may run from its approval to its expiry, in days. */
  exception_max_days: z.number().int().min(1).max(3650).default(180),
  evidence: z.object({
    attestations: z.string().min(1).default("evidence/attestations"),
    store: evidenceStoreSchema.default({ kind: "local", path: "evidence/bundles" }),
    /** Environment variable holding the bundle signing key (PEM, or base64 of it). */
    signing_key_env: envName.default("SOC2_SIGNING_KEY"),
    signing_key_file: z.string().min(1).optional(),
  }).strict().default({ attestations: "evidence/attestations", store: { kind: "local", path: "evidence/bundles" }, signing_key_env: "SOC2_SIGNING_KEY" }),
  sources: z.record(z.string(), z.unknown()).default({}),
  classification: z.array(selectorSchema).default([]),
  /** Per-control parameter overrides, merged over the control's own `params`. */
  params: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  /**
   * Recorded snapshots whose collector records are used instead of collecting live, for the
   * demo and for sources this machine cannot reach. Results say which records were replayed.
   */
  replay: z.array(z.string().min(1)).default([]),
  /** Extra collector modules, resolved against the configuration file's folder. */
  collector_modules: z.array(z.string().min(1)).default([]),
}).strict();

export type Config = z.infer<typeof configSchema>;

export { envName };
