import { z } from "zod";

import { FREQUENCIES, SEVERITIES, TRUST_CATEGORIES } from "./constants.js";

export { FREQUENCIES, SEVERITIES, TRUST_CATEGORIES };
export type { Frequency, Severity, TrustCategory } from "./constants.js";

const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be lowercase letters, digits and hyphens");
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a calendar date YYYY-MM-DD")
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), "is not a real calendar date");

const criterionLink = z.object({
  id: z.string(),
  link: z.enum(["direct", "supporting"]),
  why: z.string().min(1),
}).strict();

const assertion = z.object({
  expr: z.string().min(1),
  message: z.string().min(1),
}).strict();

const collectorRef = z.union([
  z.string().min(1),
  z.object({ id: z.string().min(1), with: z.record(z.string(), z.unknown()) }).strict(),
]);

/** The whole v1 control shape; `schemas/control.schema.json` is generated from it. */
export const controlSchema = z.object({
  id,
  title: z.string().min(1).max(120),
  description: z.string().min(1),
  type: z.enum(["automated", "manual", "policy"]),
  criteria: z.array(criterionLink).min(1),
  category: z.enum(TRUST_CATEGORIES),
  severity: z.enum(SEVERITIES),
  owner: z.string().min(1),
  frequency: z.enum(FREQUENCIES),
  tags: z.array(z.string().min(1)).default([]),
  params: z.record(z.string(), z.unknown()).default({}),
  collector: collectorRef.optional(),
  where: z.string().min(1).optional(),
  assert: z.array(assertion).min(1).optional(),
  expect: z.object({ min_passing: z.number().int().min(1) }).strict().optional(),
  when_empty: z.enum(["fail", "not-applicable"]).default("fail"),
  effective_from: isoDate.optional(),
  remediation: z.string().min(1).optional(),
  /** Manual controls: the attestation kind that satisfies them and how often it is due. */
  attestation: z.object({
    kind: id,
    every: z.enum(["monthly", "quarterly", "annual"]),
  }).strict().optional(),
  /** Policy controls: the policy documents (file names under policies/, without .md) required. */
  policies: z.array(id).min(1).optional(),
}).strict();

export type ControlInput = z.input<typeof controlSchema>;
export type ControlSpec = z.output<typeof controlSchema>;
