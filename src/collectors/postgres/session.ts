import type { ClientConfig, QueryConfig, QueryResult, QueryResultRow } from "pg";
import { CollectorError } from "../../errors.js";
import type { CollectContext, CoverageEntry } from "../types.js";
import type { PostgresConfig } from "./index.js";

/** Runs a query inside the collector's read-only transaction and returns its rows. */
export type Query = <Row extends QueryResultRow>(query: string | QueryConfig) => Promise<Row[]>;

/** Like `Query`, but returns the whole result, field descriptions included. */
export type QueryWithFields = <Row extends QueryResultRow>(query: string | QueryConfig) => Promise<QueryResult<Row>>;

/** The run's one PostgreSQL connection, shared by every postgres collector. */
export interface PostgresSession {
  /** `database@host:port`, for coverage entries and messages; never carries credentials. */
  scope: string;
  database: string;
  currentUser: string;
  /** Set when the collectors connect as a superuser, which they do not need. */
  superuserWarning: string | undefined;
  /** Runs `work` in a READ ONLY, REPEATABLE READ transaction that is always rolled back. */
  readOnly<T>(operation: string, work: (query: Query, queryWithFields: QueryWithFields) => Promise<T>): Promise<T>;
}

const SHARED_KEY = "postgres";

/**
 * Opens (once per run) the session the postgres collectors share. Each session is read-only at
 * three levels: the session characteristics, `default_transaction_read_only`, and an explicit
 * `READ ONLY` transaction around every collector's queries.
 */
export async function openSession(ctx: CollectContext<PostgresConfig>): Promise<PostgresSession> {
  const connection = resolveConnection(ctx.source, ctx.env);
  const session = await ctx.shared(SHARED_KEY, () => connect(connection, ctx.source, ctx.debug), (opened) => opened.close());
  return session;
}

/** Coverage entry for one catalog a collector read. */
export function readCoverage(session: PostgresSession, api: string): CoverageEntry {
  return { source: "postgres", scope: session.scope, api, status: "read", identity: `role ${session.currentUser}` };
}

export function sessionWarnings(session: PostgresSession): string[] {
  return session.superuserWarning === undefined ? [] : [session.superuserWarning];
}

interface Connection {
  connectionString: string;
  /** Origin of the connection string, for messages: `DATABASE_URL` or `sources.postgres.url`. */
  origin: string;
}

/** The `sslmode` values libpq documents, plus `no-verify` from pg (pg-connection-string 2.x). */
const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full", "no-verify"];

/**
 * Rejects a connection string that is not a postgres:// or postgresql:// URL, or that names an
 * unknown `sslmode`. pg would read a bare word as a host name and fail later with a DNS error
 * such as `ENOTFOUND`. The messages name where the string came from, never the string itself,
 * because it usually contains a password.
 */
function checkConnectionString(connectionString: string, origin: string): void {
  const example = "e.g. postgresql://soc2_reader:PASSWORD@HOST:5432/DATABASE?sslmode=verify-full";
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    throw new CollectorError("SOC2_CONNECTION_STRING_INVALID", `the PostgreSQL connection string in ${origin} is not a valid URL; write it as ${example}`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new CollectorError("SOC2_CONNECTION_STRING_INVALID", `the PostgreSQL connection string in ${origin} must start with postgres:// or postgresql://, ${example}`);
  }

  const sslmodes = url.searchParams.getAll("sslmode");
  if (sslmodes.some((mode) => !SSL_MODES.includes(mode))) {
    throw new CollectorError("SOC2_CONNECTION_STRING_INVALID", `the PostgreSQL connection string in ${origin} has an unknown sslmode; use one of ${SSL_MODES.join(", ")}`);
  }
}

function resolveConnection(config: PostgresConfig, env: Readonly<Record<string, string | undefined>>): Connection {
  const connection = connectionFromConfig(config, env);
  checkConnectionString(connection.connectionString, connection.origin);
  return connection;
}

function connectionFromConfig(config: PostgresConfig, env: Readonly<Record<string, string | undefined>>): Connection {
  if (config.url !== undefined) {
    if (config.password_env === undefined) return { connectionString: config.url, origin: "sources.postgres.url" };
    const password = env[config.password_env];
    if (password === undefined || password === "") {
      throw new CollectorError(
        "SOC2_CREDENTIALS_MISSING",
        `environment variable ${config.password_env} is not set; it must hold the password for sources.postgres.url`,
      );
    }
    // Keys parsed from a connection string override the client's own options, so the password
    // goes into the URL rather than beside it. The config schema only accepts URLs here.
    const withPassword = new URL(config.url);
    withPassword.password = encodeURIComponent(password);
    return { connectionString: withPassword.toString(), origin: "sources.postgres.url" };
  }

  const variable = config.url_env ?? "DATABASE_URL";
  const connectionString = env[variable];
  if (connectionString === undefined || connectionString === "") {
    throw new CollectorError(
      "SOC2_CREDENTIALS_MISSING",
      `environment variable ${variable} is not set; set ${variable} to the connection string of the soc2_reader role, `
        + "e.g. postgresql://soc2_reader:PASSWORD@HOST:5432/DATABASE?sslmode=verify-full",
    );
  }
  return { connectionString, origin: variable };
}

async function connect(
  connection: Connection,
  config: PostgresConfig,
  debug: (message: string) => void,
): Promise<PostgresSession & { close(): Promise<void> }> {
  const { default: pg } = await import("pg");

  // pg parses the connection string itself, sslmode included. Keys parsed from it override
  // these options, so the read-only settings are applied again with SET after connecting.
  const clientConfig: ClientConfig = {
    connectionString: connection.connectionString,
    connectionTimeoutMillis: config.connect_timeout_ms,
    statement_timeout: config.statement_timeout_ms,
    // Client-side limit for a server that stops responding (e.g. a frozen process). It is 5 s
    // over the server's statement timeout, so the server's own 57014 error normally comes first.
    query_timeout: config.statement_timeout_ms + 5_000,
    application_name: "soc2",
  };
  let client: InstanceType<typeof pg.Client>;
  try {
    client = new pg.Client(clientConfig);
  } catch {
    // The URL parser's error carries the whole input, password included, so it is not kept.
    throw new CollectorError("SOC2_CONNECTION_STRING_INVALID", `the PostgreSQL connection string in ${connection.origin} is not a valid URL`);
  }

  // A connection that fails while idle (e.g. the server shuts down) is reported by an `error`
  // event, which would crash the process without a listener. The next query reports it.
  let lost: CollectorError | undefined;
  // The first error is the cause (e.g. 57P01 admin shutdown); pg follows it with a generic
  // "Connection terminated unexpectedly", which must not replace it.
  client.on("error", (error) => {
    if (lost !== undefined) return;
    lost = toCollectorError("connection", error);
    debug(`postgres: connection lost: ${lost.code}`);
  });

  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw toCollectorError("connection", error);
  }

  const scope = `${client.database ?? "?"}@${client.host}:${client.port}`;
  debug(`postgres: connected to ${scope}`);

  let identity: { current_user: string; rolsuper: boolean };
  try {
    await client.query(
      "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; "
        + "SET default_transaction_read_only = on; "
        + `SET statement_timeout = ${config.statement_timeout_ms}; `
        + `SET idle_in_transaction_session_timeout = ${config.statement_timeout_ms + 5_000}; `
        + "SET application_name = 'soc2'",
    );
    const result = await client.query<{ current_user: string; rolsuper: boolean }>(
      "SELECT current_user, r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user",
    );
    identity = result.rows[0] ?? { current_user: "?", rolsuper: false };
  } catch (error) {
    await client.end().catch(() => undefined);
    throw toCollectorError("session setup", error);
  }

  // One transaction at a time: collectors may run concurrently, but a connection has one.
  let queue: Promise<unknown> = Promise.resolve();

  async function runReadOnly<T>(operation: string, work: (query: Query, queryWithFields: QueryWithFields) => Promise<T>): Promise<T> {
    if (lost !== undefined) throw lost;
    try {
      await client.query("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    } catch (error) {
      throw lost ?? toCollectorError(operation, error);
    }
    try {
      return await work(
        async <Row extends QueryResultRow>(query: string | QueryConfig) => (await client.query<Row>(query)).rows,
        <Row extends QueryResultRow>(query: string | QueryConfig) => client.query<Row>(query),
      );
    } catch (error) {
      throw toCollectorError(operation, error, lost);
    } finally {
      // Rolling back also undoes any SET a query may have made.
      await client.query("ROLLBACK").catch(() => undefined);
    }
  }

  return {
    scope,
    database: client.database ?? "",
    currentUser: identity.current_user,
    superuserWarning: identity.rolsuper
      ? `connected to PostgreSQL ${scope} as superuser ${identity.current_user}; `
        + "the collectors need only the soc2_reader role (sql/soc2-reader-role.sql)"
      : undefined,
    readOnly<T>(operation: string, work: (query: Query, queryWithFields: QueryWithFields) => Promise<T>): Promise<T> {
      const next = queue.then(() => runReadOnly(operation, work));
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}

/** Next steps for the SQLSTATE codes an operator can act on. */
const HINTS: Record<string, string> = {
  "42501": "grant the privileges in sql/soc2-reader-role.sql to the role soc2 connects as",
  "57014": "the statement timed out; raise sources.postgres.statement_timeout_ms if the catalog is large",
  "57P01": "the server shut down during the run; run soc2 again once it is back",
  "28P01": "check the password of the role in the connection string",
  "28000": "check pg_hba.conf allows this role, database and client address (and TLS if required)",
  "3D000": "check the database name in the connection string",
  ECONNREFUSED: "check the host and port in the connection string and that the server is running",
};

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * Maps a pg or network error to a CollectorError with the server's SQLSTATE (e.g. 42501) or the
 * Node.js error code (e.g. ECONNREFUSED). pg's own messages name the host and port at most,
 * never the connection string or its password.
 */
export function toCollectorError(operation: string, error: unknown, lost?: CollectorError): CollectorError {
  if (error instanceof CollectorError) return error;
  const detail = error as { code?: unknown; message?: unknown };
  const message = typeof detail.message === "string" ? detail.message : String(error);

  let code: string;
  if (typeof detail.code === "string" && (SQLSTATE.test(detail.code) || detail.code.startsWith("E"))) {
    code = detail.code;
  } else if (lost !== undefined) {
    return lost;
  } else if (/timeout/i.test(message)) {
    code = "SOC2_TIMEOUT";
  } else if (/terminated|not queryable|closed|ended/i.test(message)) {
    code = "SOC2_CONNECTION_LOST";
  } else {
    code = "SOC2_POSTGRES_FAILED";
  }

  // No `cause`: driver and URL errors can carry connection details that must not reach a log.
  const hint = HINTS[code];
  return new CollectorError(code, `PostgreSQL ${operation} failed: ${message}${hint ? ` (${hint})` : ""}`);
}
