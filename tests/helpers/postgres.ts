import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { withDatabase } from "../../demo/postgres-server.js";
import { createClassifier } from "../../src/config/classify.js";
import type { Selector } from "../../src/config/schema.js";
import { postgresConfigSchema, type PostgresConfig } from "../../src/collectors/postgres/index.js";
import type { CollectContext } from "../../src/collectors/types.js";

/** The server the global setup started, with the demo database `platform` seeded. */
export interface PostgresTestServer {
  /** Superuser URL of the `postgres` maintenance database. */
  adminUrl: string;
  /** URLs of the seeded `platform` database, one per role. */
  superuserUrl: string;
  readerUrl: string;
  appUrl: string;
  appReadonlyUrl: string;
  port: number;
  socketDir: string;
  ssl: boolean;
}

declare module "vitest" {
  interface ProvidedContext {
    postgres: PostgresTestServer;
  }
}

export function postgresServer(): PostgresTestServer {
  return inject("postgres");
}

/** The classification the demo's soc2.config.yaml is expected to carry. */
export const DEMO_SELECTORS: Selector[] = [
  { class: "highly-confidential", match: { kind: "table", name: "{client_notes,chat_messages,session_payments}" } },
  { class: "confidential", match: { kind: "table", name: "{users,clients,therapists,employers,booking_sessions}" } },
];

export interface TestContext<Args> {
  ctx: CollectContext<PostgresConfig, Args>;
  /** Closes what `ctx.shared` opened, as the engine does when a run ends. */
  close(): Promise<void>;
}

/**
 * Builds a collect context like the engine's: `DATABASE_URL` from `env`, the source section parsed by
 * the real config schema, a classifier built from `selectors`.
 */
export function collectContext<Args = undefined>(options: {
  env?: Record<string, string | undefined>;
  source?: Record<string, unknown>;
  args?: Args;
  selectors?: Selector[];
} = {}): TestContext<Args> {
  const opened = new Map<string, { value: Promise<unknown>; close?: (value: never) => Promise<void> }>();
  const ctx: CollectContext<PostgresConfig, Args> = {
    source: postgresConfigSchema.parse(options.source ?? {}),
    args: options.args as Args,
    env: options.env ?? { DATABASE_URL: postgresServer().readerUrl },
    now: new Date(),
    classify: createClassifier(options.selectors ?? DEMO_SELECTORS),
    shared<T>(key: string, open: () => Promise<T>, close?: (value: T) => Promise<void>): Promise<T> {
      const existing = opened.get(key);
      if (existing) return existing.value as Promise<T>;
      const value = open();
      opened.set(key, { value, close: close as ((value: never) => Promise<void>) | undefined });
      return value;
    },
    debug: () => undefined,
    signal: new AbortController().signal,
  };

  return {
    ctx,
    async close() {
      for (const { value, close } of opened.values()) {
        const resolved = await value.catch(() => undefined);
        if (resolved !== undefined && close) await close(resolved as never);
      }
      opened.clear();
    },
  };
}

/**
 * Creates an empty database on the test server for one test file, so that its DDL does not
 * disturb the seeded `platform` database. Returns its superuser and soc2_reader URLs.
 */
export async function createScratchDatabase(): Promise<{ superuserUrl: string; readerUrl: string; drop(): Promise<void> }> {
  const server = postgresServer();
  const name = `scratch_${randomBytes(6).toString("hex")}`;
  await runAsSuperuser(server.adminUrl, `CREATE DATABASE ${name}`);
  return {
    superuserUrl: withDatabase(server.adminUrl, name),
    readerUrl: withDatabase(server.readerUrl, name),
    drop: () => runAsSuperuser(server.adminUrl, `DROP DATABASE ${name} WITH (FORCE)`),
  };
}

/** Runs SQL on a fresh connection and closes it. */
export async function runAsSuperuser(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Creates a login role like soc2_reader but without one of its grants (e.g.
 * `pg_read_all_stats`). Roles belong to the whole server, so the caller drops it.
 */
export async function roleWithout(missing: string, superuserUrl: string, readerUrl: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `reader_${randomBytes(4).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  const grants = ["pg_read_all_settings", "pg_read_all_stats"].filter((role) => role !== missing);
  await runAsSuperuser(superuserUrl, `CREATE ROLE ${name} LOGIN PASSWORD '${password}'${grants.length > 0 ? ` IN ROLE ${grants.join(", ")}` : ""}`);
  const url = new URL(readerUrl);
  url.username = name;
  url.password = password;
  return { name, url: url.toString(), drop: () => runAsSuperuser(superuserUrl, `DROP ROLE ${name}`) };
}
