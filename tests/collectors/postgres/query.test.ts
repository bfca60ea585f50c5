import { afterAll, describe, expect, it } from "vitest";
import { queryArgsSchema, queryCollector, querySchema, type QueryArgs } from "../../../src/collectors/postgres/query.js";
import { describeType } from "../../../src/collectors/schema.js";
import { collectContext, postgresServer } from "../../helpers/postgres.js";

/** Runs the collector with validated args over a fresh session. */
async function runQuery(input: Record<string, unknown>, options: { url?: string; source?: Record<string, unknown> } = {}) {
  const args = queryArgsSchema.parse(input);
  const { ctx, close } = collectContext<QueryArgs>({
    args,
    env: { DATABASE_URL: options.url ?? postgresServer().readerUrl },
    ...(options.source ? { source: options.source } : {}),
  });
  try {
    return await queryCollector.collect(ctx);
  } finally {
    await close();
  }
}

describe("postgres.query", () => {
  it("counts soft-deleted accounts past retention", async () => {
    const output = await runQuery({
      sql: "SELECT count(*) AS expired FROM public.users WHERE deleted_at < now() - interval '30 days'",
      columns: { expired: "int" },
    });
    expect(output.resources).toEqual([{ id: "0", classes: [], expired: 2 }]);
  });

  it("uses an id column as the resource id", async () => {
    const output = await runQuery({
      sql: `SELECT c.relname::text AS id, c.relforcerowsecurity AS forced
              FROM pg_class c WHERE c.relname IN ('client_notes', 'chat_messages') ORDER BY 1`,
      columns: { id: "string", forced: "bool" },
    });
    expect(output.resources).toEqual([
      { id: "chat_messages", classes: [], forced: true },
      { id: "client_notes", classes: [], forced: false },
    ]);
  });

  it("converts int8, double, timestamp and null values", async () => {
    const output = await runQuery({
      sql: `SELECT 9007199254740991::int8 AS big, 1.5::numeric AS ratio,
                   '2026-01-15T10:00:00Z'::timestamptz AS at, NULL::text AS note`,
      columns: { big: "int", ratio: "double", at: "timestamp", note: "string?" },
    });
    expect(output.resources).toEqual([
      { id: "0", classes: [], big: 9007199254740991, ratio: 1.5, at: "2026-01-15T10:00:00.000Z", note: null },
    ]);
  });

  it("accepts exactly max_rows rows", async () => {
    const output = await runQuery({ sql: "SELECT g AS n FROM generate_series(1, 10) g", columns: { n: "int" }, max_rows: 10 });
    expect(output.resources.map((resource) => resource.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("rejects more rows than max_rows", async () => {
    await expect(runQuery({ sql: "SELECT g AS n FROM generate_series(1, 11) g", columns: { n: "int" }, max_rows: 10 }))
      .rejects.toMatchObject({ name: "CollectorError", code: "SOC2_QUERY_TOO_MANY_ROWS" });
  });

  it("caps rows at the source's max_rows", async () => {
    await expect(runQuery(
      { sql: "SELECT g AS n FROM generate_series(1, 6) g", columns: { n: "int" }, max_rows: 100 },
      { source: { max_rows: 5 } },
    )).rejects.toMatchObject({ code: "SOC2_QUERY_TOO_MANY_ROWS" });
  });

  it("rejects two statements", async () => {
    await expect(runQuery({ sql: "SELECT 1 AS n; SELECT 2 AS n", columns: { n: "int" } }))
      .rejects.toMatchObject({ name: "CollectorError", code: "42601" });
  });

  it("rejects a write statement", async () => {
    await expect(runQuery({ sql: "DELETE FROM public.users RETURNING 1 AS n", columns: { n: "int" } }, { url: postgresServer().superuserUrl }))
      .rejects.toMatchObject({ name: "CollectorError", code: "42601" });
  });

  it("rejects a write inside a SELECT as read-only, even as superuser", async () => {
    await expect(runQuery({ sql: "SELECT nextval('public.users_id_seq') AS n", columns: { n: "int" } }, { url: postgresServer().superuserUrl }))
      .rejects.toMatchObject({ name: "CollectorError", code: "25006" });
  });

  it("rejects a data-modifying WITH clause", async () => {
    await expect(runQuery(
      { sql: "WITH gone AS (DELETE FROM public.import_staging RETURNING line) SELECT count(*) AS n FROM gone", columns: { n: "int" } },
      { url: postgresServer().superuserUrl },
    )).rejects.toMatchObject({ name: "CollectorError" });
  });

  it("cannot read a row of an application table as soc2_reader", async () => {
    await expect(runQuery({ sql: "SELECT body AS note FROM public.client_notes", columns: { note: "string" } }))
      .rejects.toMatchObject({ name: "CollectorError", code: "42501" });
    await expect(runQuery({ sql: "SELECT email AS address FROM public.users", columns: { address: "string" } }))
      .rejects.toMatchObject({ name: "CollectorError", code: "42501" });
  });

  it("rejects undeclared and missing columns", async () => {
    await expect(runQuery({ sql: "SELECT 1 AS n, 2 AS extra", columns: { n: "int" } }))
      .rejects.toMatchObject({ code: "SOC2_QUERY_RESULT_INVALID", message: expect.stringContaining("extra") });
    await expect(runQuery({ sql: "SELECT 1 AS n", columns: { n: "int", other: "int" } }))
      .rejects.toMatchObject({ code: "SOC2_QUERY_RESULT_INVALID", message: expect.stringContaining("other") });
  });

  it("rejects a value of the wrong type without printing it", async () => {
    const error = await runQuery({ sql: "SELECT 'secret-value'::text AS n", columns: { n: "int" } }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "SOC2_QUERY_RESULT_INVALID" });
    expect((error as Error).message).not.toContain("secret-value");
  });

  it("times out a slow statement with 57014", async () => {
    await expect(runQuery({ sql: "SELECT 1 AS n FROM pg_sleep(2)", columns: { n: "int" } }, { source: { statement_timeout_ms: 200 } }))
      .rejects.toMatchObject({ name: "CollectorError", code: "57014" });
  });
});

describe("postgres.query arguments", () => {
  it("derives the resource schema from the columns", () => {
    const schema = querySchema(queryArgsSchema.parse({ sql: "SELECT 1", columns: { id: "int", count: "int", last: "timestamp?" } }));
    const fields = Object.fromEntries(Object.entries(schema.fields).map(([name, type]) => [name, describeType(type)]));
    expect(fields).toEqual({ id: "string", classes: "list(string)", count: "int", last: "timestamp?" });
  });

  it.each([
    ["an unknown column type", { sql: "SELECT 1", columns: { n: "integer" } }],
    ["no columns", { sql: "SELECT 1", columns: {} }],
    ["a nullable id", { sql: "SELECT 1", columns: { id: "string?" } }],
    ["a classes column", { sql: "SELECT 1", columns: { classes: "string" } }],
    ["an unknown key", { sql: "SELECT 1", columns: { n: "int" }, params: [] }],
    ["a zero row cap", { sql: "SELECT 1", columns: { n: "int" }, max_rows: 0 }],
  ])("rejects %s", (_case, input) => {
    expect(queryArgsSchema.safeParse(input).success).toBe(false);
  });
});
