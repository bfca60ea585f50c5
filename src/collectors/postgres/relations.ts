import type { CollectContext } from "../types.js";
import type { Query } from "./session.js";

/** Schemas of the server itself, never the application's. */
export const SYSTEM_SCHEMA_FILTER = `n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

export type TableKind = "ordinary" | "partitioned" | "partition";

/** One application table as the catalogs describe it. */
export interface Relation {
  oid: number;
  schema: string;
  name: string;
  /** `schema.name`, the resource id. */
  qualifiedName: string;
  kind: TableKind;
  /** `schema.name` of the table this one is a partition of, else null. */
  parent: string | null;
}

interface RelationRow {
  oid: number;
  schema: string;
  name: string;
  relkind: string;
  relispartition: boolean;
  parent: string | null;
}

/**
 * Lists ordinary and partitioned tables outside the system schemas. A partition that is itself
 * partitioned (sub-partitioning) has kind `partition`.
 */
export async function listRelations(query: Query): Promise<Relation[]> {
  const rows = await query<RelationRow>(`
    SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind,
           c.relispartition,
           CASE WHEN c.relispartition THEN pn.nspname || '.' || p.relname END AS parent
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid AND c.relispartition
      LEFT JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
      LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
     WHERE c.relkind IN ('r', 'p') AND ${SYSTEM_SCHEMA_FILTER}
     ORDER BY n.nspname, c.relname`);

  return rows.map((row) => ({
    oid: row.oid,
    schema: row.schema,
    name: row.name,
    qualifiedName: `${row.schema}.${row.name}`,
    kind: row.relispartition ? "partition" : row.relkind === "p" ? "partitioned" : "ordinary",
    parent: row.parent,
  }));
}

/**
 * Classifies every table. A partition holds rows of its parent, so it carries the classes of
 * every ancestor as well as its own: a partition of a highly confidential table is highly
 * confidential whatever its name.
 */
export function classifyRelations(relations: Relation[], classify: CollectContext["classify"]): Map<string, string[]> {
  const own = new Map(relations.map((relation) => [
    relation.qualifiedName,
    classify({ kind: "table", name: relation.name, schema: relation.schema }),
  ]));
  const parents = new Map(relations.map((relation) => [relation.qualifiedName, relation.parent]));

  const result = new Map<string, string[]>();
  for (const relation of relations) {
    const classes = new Set(own.get(relation.qualifiedName));
    const seen = new Set([relation.qualifiedName]);
    let parent = relation.parent;
    while (parent !== null && !seen.has(parent)) {
      seen.add(parent);
      for (const inherited of own.get(parent) ?? []) classes.add(inherited);
      parent = parents.get(parent) ?? null;
    }
    result.set(relation.qualifiedName, [...classes].sort());
  }
  return result;
}
