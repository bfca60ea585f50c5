import { resourceSchema, t } from "../schema.js";
import type { Collector } from "../types.js";
import type { PostgresConfig } from "./index.js";
import { openSession, readCoverage, sessionWarnings } from "./session.js";

interface SettingsRow {
  ssl: string;
  password_encryption: string;
  log_connections: string;
  log_disconnections: string;
  log_statement: string;
  shared_preload_libraries: string;
  pgaudit_log: string | null;
  rds_force_ssl: string | null;
  server_version: string;
}

export const settingsCollector: Collector<PostgresConfig> = {
  id: "postgres.settings",
  title: "PostgreSQL server settings: TLS, password hashing, activity logging",
  source: "postgres",
  schema: resourceSchema({
    ssl: t.bool(),
    /** rds.force_ssl on Amazon RDS; null on servers without that setting. */
    forceSsl: t.nullable(t.bool()),
    /** password_encryption, e.g. `scram-sha-256` or `md5`. */
    passwordEncryption: t.string(),
    logConnections: t.bool(),
    logDisconnections: t.bool(),
    /** log_statement: none | ddl | mod | all. */
    logStatement: t.string(),
    /** True when shared_preload_libraries loads pgaudit. */
    pgauditLoaded: t.bool(),
    /** pgaudit.log, e.g. `write, ddl, role`; null when pgaudit is not loaded or the setting is unset. */
    pgauditLog: t.nullable(t.string()),
    serverVersion: t.string(),
  }),

  async collect(ctx) {
    const session = await openSession(ctx);
    return session.readOnly("postgres.settings", async (query) => {
      // current_setting() raises 42501 for a setting the role may not read (e.g.
      // shared_preload_libraries without pg_read_all_settings), where pg_settings would hide
      // the row. With missing_ok it returns null only for settings the server does not have.
      const [row] = await query<SettingsRow>(`
        SELECT current_setting('ssl') AS ssl,
               current_setting('password_encryption') AS password_encryption,
               current_setting('log_connections') AS log_connections,
               current_setting('log_disconnections') AS log_disconnections,
               current_setting('log_statement') AS log_statement,
               current_setting('shared_preload_libraries') AS shared_preload_libraries,
               current_setting('pgaudit.log', true) AS pgaudit_log,
               current_setting('rds.force_ssl', true) AS rds_force_ssl,
               current_setting('server_version') AS server_version`);
      if (row === undefined) throw new Error("postgres.settings: the settings query returned no row");

      const pgauditLoaded = splitList(row.shared_preload_libraries).includes("pgaudit");
      return {
        resources: [{
          id: "server",
          classes: ctx.classify({ kind: "database", name: session.database }),
          ssl: isOn(row.ssl),
          forceSsl: row.rds_force_ssl === null || row.rds_force_ssl === "" ? null : isOn(row.rds_force_ssl),
          passwordEncryption: row.password_encryption,
          logConnections: logsConnections(row.log_connections),
          logDisconnections: isOn(row.log_disconnections),
          logStatement: row.log_statement,
          pgauditLoaded,
          pgauditLog: pgauditLoaded && row.pgaudit_log !== null && row.pgaudit_log !== "" ? row.pgaudit_log : null,
          serverVersion: row.server_version,
        }],
        coverage: [readCoverage(session, "pg_settings")],
        warnings: sessionWarnings(session),
      };
    });
  },
};

/** current_setting() shows booleans as on/off; rds.force_ssl reads 0 or 1. */
function isOn(value: string): boolean {
  return ["on", "true", "yes", "1", "t", "y"].includes(value.trim().toLowerCase());
}

/**
 * log_connections was a boolean until PostgreSQL 17. Since 18 it is a list of stages
 * (receipt, authentication, authorization, setup_durations, all) that still accepts the
 * booleans, and an empty list means off. Any stage logged counts as on.
 */
function logsConnections(value: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (normalized === "" || ["off", "false", "no", "0", "f", "n"].includes(normalized)) return false;
  return true;
}

function splitList(value: string): string[] {
  return value.split(",").map((item) => item.trim().replace(/^"(.*)"$/, "$1")).filter((item) => item !== "");
}
