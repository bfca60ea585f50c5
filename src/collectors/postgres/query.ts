import type { QueryConfig } from "pg";
import { z } from "zod";
import { CollectorError } from "../../errors.js";
import { resourceSchema, t, type FieldType, type ObjectType } from "../schema.js";
import type { Collector, Resource } from "../types.js";
import type { PostgresConfig } from "./index.js";
import { openSession, readCoverage, sessionWarnings } from "./session.js";

const COLUMN_TYPES = ["string", "int", "double", "bool", "timestamp"] as const;
type ColumnTypeName = (typeof COLUMN_TYPES)[number];

/** A column type as a control declares it; a trailing `?` allows null (`int?`). */
const columnType = z.string().regex(
  new RegExp(`^(${COLUMN_TYPES.join("|")})\\??$`),
  `must be one of ${COLUMN_TYPES.join(", ")}, optionally followed by ? to allow null`,
);

/** `collector: { id: postgres.query, with: {...} }` of a control. */
export const queryArgsSchema = z.object({
  /** One SELECT (or VALUES, TABLE, WITH … SELECT) statement; it runs as the query of a cursor. */
  sql: z.string().min(1),
  /** Every column the query returns, with its type; a column named `id` becomes the resource id. */
  columns: z.record(
    z.string().regex(/^[a-z_][a-z0-9_]*$/, "must be a lowercase SQL column name").refine((name) => name !== "classes", "classes is reserved for the data classification"),
    columnType,
  )
    .refine((columns) => Object.keys(columns).length > 0, "must declare at least one column")
    .refine((columns) => columns.id === undefined || columns.id === "string" || columns.id === "int", {
      message: "an id column must be string or int, without ?",
    }),
  /** Row cap for this control; it can lower, never raise, the source's max_rows. */
  max_rows: z.number().int().min(1).optional(),
}).strict();

export type QueryArgs = z.output<typeof queryArgsSchema>;

interface ColumnSpec {
  type: ColumnTypeName;
  nullable: boolean;
}

function parseColumn(declared: string): ColumnSpec {
  const nullable = declared.endsWith("?");
  return { type: (nullable ? declared.slice(0, -1) : declared) as ColumnTypeName, nullable };
}

/** Resource schema for a control's query: one field per declared column except `id`. */
export function querySchema(args: QueryArgs): ObjectType {
  const fields: Record<string, FieldType> = {};
  for (const [name, declared] of Object.entries(args.columns)) {
    if (name === "id") continue;
    const { type, nullable } = parseColumn(declared);
    const field = t[type]();
    fields[name] = nullable ? t.nullable(field) : field;
  }
  return resourceSchema(fields);
}

const CURSOR = "soc2_query";

export const queryCollector: Collector<PostgresConfig, QueryArgs> = {
  id: "postgres.query",
  title: "A control's own read-only SQL query",
  source: "postgres",
  schema: querySchema,
  args: queryArgsSchema,

  async collect(ctx) {
    const args = ctx.args;
    const maxRows = Math.min(args.max_rows ?? ctx.source.max_rows, ctx.source.max_rows);
    const session = await openSession(ctx);

    return session.readOnly("postgres.query", async (query, queryWithFields) => {
      // The statement goes through the extended protocol (Parse/Bind/Execute), which accepts
      // exactly one command, so `SELECT 1; DELETE ...` is rejected by the server (42601).
      // As the query of a cursor it must be a SELECT, VALUES or TABLE without data-modifying
      // WITH clauses, and FETCH stops one row past the cap instead of reading everything.
      await query(extended(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${args.sql}`));
      const result = await queryWithFields<Record<string, unknown>>(extended(`FETCH FORWARD ${maxRows + 1} FROM ${CURSOR}`));

      if (result.rows.length > maxRows) {
        throw new CollectorError(
          "SOC2_QUERY_TOO_MANY_ROWS",
          `postgres.query returned more than ${maxRows} rows; aggregate in SQL (e.g. count(*)) or raise max_rows`,
        );
      }
      checkColumns(result.fields.map((field) => field.name), args.columns);

      const resources = result.rows.map((row, index) => toResource(row, index, args));
      const ids = new Set(resources.map((resource) => resource.id));
      if (ids.size !== resources.length) {
        throw new CollectorError("SOC2_QUERY_RESULT_INVALID", "postgres.query: the id column has duplicate values; ids must be unique");
      }
      return { resources, coverage: [readCoverage(session, "query")], warnings: sessionWarnings(session) };
    });
  },
};

/**
 * A query pg sends through the extended protocol. pg only does so for queries with parameters
 * unless `queryMode` is set; pg 8 supports the option but @types/pg 8 does not declare it.
 */
function extended(text: string): QueryConfig {
  return { text, values: [], queryMode: "extended" } as QueryConfig;
}

/** The query must return exactly the declared columns: an undeclared one could carry data nobody reviewed. */
function checkColumns(returned: string[], declared: Record<string, string>): void {
  const duplicates = returned.filter((name, index) => returned.indexOf(name) !== index);
  if (duplicates.length > 0) {
    throw new CollectorError("SOC2_QUERY_RESULT_INVALID", `postgres.query returned column ${duplicates[0]} twice; give each column its own alias`);
  }
  const undeclared = returned.filter((name) => declared[name] === undefined);
  if (undeclared.length > 0) {
    throw new CollectorError("SOC2_QUERY_RESULT_INVALID", `postgres.query returned undeclared columns: ${undeclared.join(", ")}; declare them under columns or drop them from the SELECT`);
  }
  const missing = Object.keys(declared).filter((name) => !returned.includes(name));
  if (missing.length > 0) {
    throw new CollectorError("SOC2_QUERY_RESULT_INVALID", `postgres.query did not return the declared columns: ${missing.join(", ")}`);
  }
}

function toResource(row: Record<string, unknown>, index: number, args: QueryArgs): Resource {
  const resource: Resource = { id: String(index), classes: [] };
  for (const [name, declared] of Object.entries(args.columns)) {
    const value = convert(row[name], parseColumn(declared), name, index);
    if (name === "id") resource.id = String(value);
    else resource[name] = value;
  }
  return resource;
}

/** Converts a pg value to the declared JSON type. Error messages name the type, never the value. */
function convert(value: unknown, column: ColumnSpec, name: string, index: number): unknown {
  const fail = (): never => {
    let got: string = typeof value;
    if (value instanceof Date) got = "date";
    else if (value === null) got = "null";
    throw new CollectorError(
      "SOC2_QUERY_RESULT_INVALID",
      `postgres.query row ${index} column ${name}: expected ${column.type}${column.nullable ? "?" : ""}, got ${got}; cast it in SQL or fix columns`,
    );
  };
  if (value === null || value === undefined) return column.nullable ? null : fail();

  switch (column.type) {
    case "string":
      return typeof value === "string" ? value : fail();
    case "bool":
      return typeof value === "boolean" ? value : fail();
    case "int": {
      // int8 and numeric arrive as strings so that no precision is lost.
      const number = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
      return typeof number === "number" && Number.isSafeInteger(number) ? number : fail();
    }
    case "double": {
      const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      return typeof number === "number" && Number.isFinite(number) ? number : fail();
    }
    case "timestamp":
      return value instanceof Date && Number.isFinite(value.getTime()) ? value.toISOString() : fail();
  }
}
