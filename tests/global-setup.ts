import type { TestProject } from "vitest/node";
import { seedDemo, startPostgres } from "../demo/postgres-server.js";
import type { PostgresTestServer } from "./helpers/postgres.js";

/**
 * Starts one PostgreSQL server for the whole run, seeds the demo database into it, and hands its
 * URLs to the tests (read them with `postgresServer()` from tests/helpers/postgres.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  try {
    const seeded = await seedDemo(server.url);
    const provided: PostgresTestServer = {
      adminUrl: server.url,
      ...seeded,
      port: server.port,
      socketDir: server.socketDir,
      ssl: server.ssl,
    };
    project.provide("postgres", provided);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return () => server.stop();
}
