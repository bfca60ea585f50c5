import { resourceSchema, t } from "../schema.js";
import type { Collector, Resource } from "../types.js";
import type { PostgresConfig } from "./index.js";
import { classifyRelations, listRelations } from "./relations.js";
import { openSession, readCoverage, sessionWarnings } from "./session.js";

interface ForeignKeyRow {
  oid: number;
  name: string;
  columns: string[];
  references: string;
  referenced_columns: string[];
}

export const foreignKeysCollector: Collector<PostgresConfig> = {
  id: "postgres.foreign_keys",
  title: "PostgreSQL foreign keys per table",
  source: "postgres",
  schema: resourceSchema({
    schema: t.string(),
    name: t.string(),
    /** ordinary | partitioned | partition */
    kind: t.string(),
    foreignKeys: t.list(t.object({
      name: t.string(),
      /** Referencing columns, in key order. */
      columns: t.list(t.string()),
      /** `schema.name` of the referenced table. */
      references: t.string(),
      referencedColumns: t.list(t.string()),
    })),
    fkCount: t.int(),
  }),

  async collect(ctx) {
    const session = await openSession(ctx);
    return session.readOnly("postgres.foreign_keys", async (query) => {
      const relations = await listRelations(query);
      const rows = await query<ForeignKeyRow>(`
        SELECT con.conrelid::int AS oid, con.conname AS name,
               ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, position)
                       JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                      ORDER BY k.position) AS columns,
               rn.nspname || '.' || rc.relname AS references,
               ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, position)
                       JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                      ORDER BY k.position) AS referenced_columns
          FROM pg_catalog.pg_constraint con
          JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
          JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
         WHERE con.contype = 'f'
         ORDER BY con.conrelid, con.conname`);

      const keysByTable = new Map<number, ForeignKeyRow[]>();
      for (const row of rows) {
        const keys = keysByTable.get(row.oid) ?? [];
        keys.push(row);
        keysByTable.set(row.oid, keys);
      }
      const classes = classifyRelations(relations, ctx.classify);

      const resources: Resource[] = relations.map((relation) => {
        const keys = keysByTable.get(relation.oid) ?? [];
        return {
          id: relation.qualifiedName,
          classes: classes.get(relation.qualifiedName) ?? [],
          schema: relation.schema,
          name: relation.name,
          kind: relation.kind,
          foreignKeys: keys.map((key) => ({
            name: key.name,
            columns: key.columns,
            references: key.references,
            referencedColumns: key.referenced_columns,
          })),
          fkCount: keys.length,
        };
      });

      return { resources, coverage: [readCoverage(session, "pg_constraint")], warnings: sessionWarnings(session) };
    });
  },
};
