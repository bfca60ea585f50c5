import { z } from "zod";
import { envName } from "../../config/schema.js";
import type { Source } from "../types.js";
import { connectionsCollector } from "./connections.js";
import { foreignKeysCollector } from "./foreign-keys.js";
import { queryCollector } from "./query.js";
import { rolesCollector } from "./roles.js";
import { settingsCollector } from "./settings.js";
import { tablesCollector } from "./tables.js";

/**
 * Roles whose members count as administrators even without SUPERUSER: the managed services'
 * stand-ins for superuser, and the built-in roles that read or write any server file or run
 * server programs, each a known path to superuser.
 */
export const DEFAULT_ADMIN_ROLES = [
  "rds_superuser",
  "azure_pg_admin",
  "cloudsqlsuperuser",
  "pg_execute_server_program",
  "pg_write_server_files",
  "pg_read_server_files",
];

/**
 * `sources.postgres` in soc2.config.yaml. The connection string normally comes from the
 * environment variable named by `url_env`. A `url` in the file must not contain a password,
 * which then comes from the environment variable named by `password_env`.
 */
export const postgresConfigSchema = z.object({
  /** Environment variable holding the connection string; `DATABASE_URL` when neither this nor `url` is set. */
  url_env: envName.optional(),
  /** A connection string without a password, e.g. `postgresql://soc2_reader@db.internal/platform?sslmode=verify-full`. */
  url: z.string().min(1)
    .refine(isPostgresUrl, "must be a postgres:// or postgresql:// URL")
    .refine((value) => !hasPassword(value), "must not contain a password; put the password in the environment variable named by password_env")
    .optional(),
  /** Environment variable holding the password for `url`. */
  password_env: envName.optional(),
  statement_timeout_ms: z.number().int().min(100).max(600_000).default(10_000),
  connect_timeout_ms: z.number().int().min(100).max(600_000).default(10_000),
  /** Roles whose members (directly or through other roles) are admin-equivalent. */
  admin_roles: z.array(z.string().min(1)).default(DEFAULT_ADMIN_ROLES),
  /** Row cap of the postgres.query collector; a control's own `max_rows` may only lower it. */
  max_rows: z.number().int().min(1).max(100_000).default(1000),
}).strict()
  .refine((config) => !(config.url !== undefined && config.url_env !== undefined), {
    message: "set either url or url_env, not both",
    path: ["url"],
  })
  .refine((config) => !(config.password_env !== undefined && config.url === undefined), {
    message: "password_env applies only to url; a connection string from url_env carries its own password",
    path: ["password_env"],
  });

export type PostgresConfig = z.output<typeof postgresConfigSchema>;

function isPostgresUrl(value: string): boolean {
  try {
    return ["postgres:", "postgresql:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** True when a connection string carries a password, in its user info or as a parameter. */
function hasPassword(connectionString: string): boolean {
  if (/(^|[\s?&])password=/i.test(connectionString)) return true;
  try {
    return new URL(connectionString).password !== "";
  } catch {
    return false;
  }
}

export const source: Source<PostgresConfig> = {
  id: "postgres",
  title: "PostgreSQL",
  config: postgresConfigSchema,
  collectors: [
    tablesCollector,
    foreignKeysCollector,
    settingsCollector,
    rolesCollector,
    connectionsCollector,
    queryCollector,
  ],
};
