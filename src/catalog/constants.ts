/**
 * The closed vocabularies of the control schema, kept apart from the zod schema so the CLI can
 * name them in its help without loading zod.
 */
export const TRUST_CATEGORIES = ["security", "availability", "processing-integrity", "confidentiality", "privacy"] as const;
export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export const FREQUENCIES = ["continuous", "daily", "weekly", "monthly", "quarterly", "annual"] as const;

export type TrustCategory = (typeof TRUST_CATEGORIES)[number];
export type Severity = (typeof SEVERITIES)[number];
export type Frequency = (typeof FREQUENCIES)[number];
