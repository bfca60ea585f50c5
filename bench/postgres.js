// The benchmark's PostgreSQL estate: a scratch database with many tables on the embedded server
// the demo uses, a tenth of them holding confidential data under forced row-level security.
import pg from "pg";

export const BENCH_DATABASE = "soc2_bench";

/** Starts the server and creates `tables` tables in a fresh scratch database; returns its URL and a stop function. */
export async function startBenchPostgres(repoRoot, tables) {
  const { startPostgres, withDatabase } = await import(new URL("../demo/postgres-server.js", import.meta.url).href);
  const server = await startPostgres();
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`);
  await admin.end();

  const url = withDatabase(server.url, BENCH_DATABASE);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const statements = ["BEGIN"];
  for (let index = 0; index < tables; index++) {
    const name = `t_${String(index).padStart(4, "0")}`;
    statements.push(`CREATE TABLE public.${name} (id bigint PRIMARY KEY, owner_id bigint NOT NULL, body text, created_at timestamptz NOT NULL DEFAULT now())`);
    if (index % 10 === 0) {
      statements.push(`ALTER TABLE public.${name} ENABLE ROW LEVEL SECURITY`);
      if (index % 20 === 0) statements.push(`ALTER TABLE public.${name} FORCE ROW LEVEL SECURITY`);
    }
  }
  statements.push("COMMIT");
  await client.query(statements.join(";\n"));
  await client.end();
  return { url, stop: () => server.stop() };
}
