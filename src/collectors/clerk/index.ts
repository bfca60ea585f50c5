import { z } from "zod";
import { envName } from "../../config/schema.js";
import type { Source } from "../types.js";
import { usersCollector } from "./users.js";

/** Roots a `role_path` may start from: the metadata only the platform's backend can write. */
export const ROLE_PATH_ROOTS = ["publicMetadata", "privateMetadata"] as const;

/**
 * `sources.clerk` in soc2.config.yaml. The secret key itself is never a value here, only the name
 * of the environment variable that contains it.
 */
export const clerkConfigSchema = z.object({
  secret_key_env: envName.default("CLERK_SECRET_KEY"),
  /** Backend API base URL; when absent, `CLERK_API_URL` from the environment, else the SDK's default. */
  api_url: z.url({ protocol: /^https?$/ }).optional(),
  /** Dotted path of the user's role, starting at publicMetadata or privateMetadata. */
  role_path: z.string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/, "must be a dotted path such as publicMetadata.role")
    .refine(
      (value) => (ROLE_PATH_ROOTS as readonly string[]).includes(value.split(".")[0]!),
      // unsafeMetadata is writable by the user from the browser, so a role read there proves nothing.
      `must start with ${ROLE_PATH_ROOTS.join(" or ")} (unsafeMetadata can be changed by the user)`,
    )
    .default("publicMetadata.role"),
  privileged_roles: z.array(z.string().min(1)).min(1).default(["therapist", "admin", "employer_admin"]),
  /** Roles the platform defines; the privileged roles count as known without being repeated here. */
  known_roles: z.array(z.string().min(1)).default(["client", "therapist", "admin", "employer_admin"]),
  /**
   * User pages read at once. Clerk limits the Backend API per instance: 1,000 requests per 10 s
   * in production, 100 in development, shared with the platform's own backend. At 4 in flight and
   * a few hundred milliseconds per page of 500 users, a run sends about 10 to 20 requests a
   * second. That is well inside production's 100 a second and leaves room for the platform. A
   * development instance allows only 10 a second, so a large one may answer 429; those requests
   * wait out Retry-After and are sent again.
   */
  concurrency: z.number().int().min(1).max(16).default(4),
  /** Attempts per request when the Backend API responds 429, counting the first one. */
  max_attempts: z.number().int().min(1).max(20).default(5),
  /** A Retry-After longer than this ends the collection with an error instead of waiting. */
  max_retry_after_seconds: z.number().int().min(1).max(3600).default(60),
}).strict();

export type ClerkConfig = z.output<typeof clerkConfigSchema>;

export const source: Source<ClerkConfig> = {
  id: "clerk",
  title: "Clerk (identity)",
  config: clerkConfigSchema,
  collectors: [usersCollector],
};
