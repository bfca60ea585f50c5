import { resourceSchema, t } from "../schema.js";
import type { Collector, Resource } from "../types.js";
import type { PostgresConfig } from "./index.js";
import { openSession, readCoverage, sessionWarnings } from "./session.js";

interface ActivityRow {
  pid: number;
  user: string | null;
  database: string | null;
  backend_type: string | null;
  client_addr: string | null;
  client_port: number | null;
  ssl: boolean | null;
  ssl_version: string | null;
  own_session: boolean;
}

export const connectionsCollector: Collector<PostgresConfig> = {
  id: "postgres.connections",
  title: "PostgreSQL client sessions and their TLS state",
  source: "postgres",
  schema: resourceSchema({
    pid: t.int(),
    user: t.nullable(t.string()),
    database: t.nullable(t.string()),
    /** tcp | unix; null when the role may not see the session (the resource then has `_error`). */
    transport: t.nullable(t.string()),
    /** Whether the session uses TLS; null when the role may not see it. A Unix-socket session never does. */
    ssl: t.nullable(t.bool()),
    /** e.g. `TLSv1.3`; null without TLS or when hidden. */
    sslVersion: t.nullable(t.string()),
    /** True for the session soc2 itself reads through. */
    ownSession: t.bool(),
  }),

  async collect(ctx) {
    const session = await openSession(ctx);
    return session.readOnly("postgres.connections", async (query) => {
      const rows = await query<ActivityRow>(`
        SELECT a.pid, a.usename::text AS user, a.datname::text AS database, a.backend_type,
               host(a.client_addr) AS client_addr, a.client_port, s.ssl, s.version AS ssl_version,
               a.pid = pg_catalog.pg_backend_pid() AS own_session
          FROM pg_catalog.pg_stat_activity a
          LEFT JOIN pg_catalog.pg_stat_ssl s ON s.pid = a.pid
         ORDER BY a.pid`);

      const resources: Resource[] = [];
      for (const row of rows) {
        if (row.backend_type === null) {
          // Without pg_read_all_stats, other roles' sessions show only pid, user and database:
          // backend type, client address and SSL state are null. Such a row cannot be judged,
          // so it becomes an error. Rows without a user or a database are server processes
          // (checkpointer, I/O workers, launchers), never client sessions.
          // NOTE: a client still authenticating also has no user yet and is skipped with them.
          if (row.user === null || row.database === null) continue;
          resources.push(hiddenSession(row, session.currentUser));
          continue;
        }
        if (row.backend_type !== "client backend") continue;
        resources.push(visibleSession(row));
      }

      return { resources, coverage: [readCoverage(session, "pg_stat_ssl")], warnings: sessionWarnings(session) };
    });
  },
};

function visibleSession(row: ActivityRow): Resource {
  // client_port is -1 for a Unix-domain socket; a TCP session has a client address and port.
  let transport: "unix" | "tcp" | null = null;
  if (row.client_port === -1) transport = "unix";
  else if (row.client_addr !== null) transport = "tcp";
  const resource: Resource = {
    id: String(row.pid),
    classes: [],
    pid: row.pid,
    user: row.user,
    database: row.database,
    transport,
    ssl: null,
    sslVersion: null,
    ownSession: row.own_session,
  };
  if (transport === null) {
    resource._error = { code: "SOC2_TRANSPORT_UNKNOWN", message: "the session has neither a Unix socket nor a client address" };
    return resource;
  }
  if (transport === "tcp" && row.ssl === null) {
    resource._error = { code: "SOC2_SSL_UNKNOWN", message: "pg_stat_ssl has no row for this TCP session" };
    return resource;
  }
  resource.ssl = transport === "tcp" && row.ssl === true;
  resource.sslVersion = resource.ssl ? row.ssl_version : null;
  return resource;
}

function hiddenSession(row: ActivityRow, currentUser: string): Resource {
  return {
    id: String(row.pid),
    classes: [],
    pid: row.pid,
    user: row.user,
    database: row.database,
    transport: null,
    ssl: null,
    sslVersion: null,
    ownSession: false,
    _error: {
      code: "42501",
      message: `role ${currentUser} may not see the transport and TLS state of this session of ${row.user}; `
        + `grant pg_read_all_stats to ${currentUser} (sql/soc2-reader-role.sql)`,
    },
  };
}
