import { z } from "zod";

/**
 * `sources.files`. Users normally leave it out: before collection the runner sets each folder
 * to an absolute path taken from the configuration's top-level `policies` and `evidence` keys.
 */
export const filesConfigSchema = z.object({
  /** Folder of policy documents. A relative path resolves against the working directory. */
  policies_dir: z.string().min(1).optional(),
  /** Folder of attestation records, read by `files.attestations`. */
  attestations_dir: z.string().min(1).optional(),
  /** Folder of incident records, read by `files.incidents`. Without it, `incidents` beside the attestations folder is read. */
  incidents_dir: z.string().min(1).optional(),
}).strict();

export type FilesConfig = z.infer<typeof filesConfigSchema>;

/** Folder read when `policies_dir` is not set. */
export const DEFAULT_POLICIES_DIR = "policies";
