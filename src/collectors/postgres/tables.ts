import { resourceSchema, t } from "../schema.js";
import type { Collector, Resource } from "../types.js";
import type { PostgresConfig } from "./index.js";
import { classifyRelations, listRelations, SYSTEM_SCHEMA_FILTER, type Relation } from "./relations.js";
import { openSession, readCoverage, sessionWarnings } from "./session.js";

interface TableRow {
  oid: number;
  owner: string;
  rls_enabled: boolean;
  rls_forced: boolean;
  policy_count: number;
  readers: string[];
}

export const tablesCollector: Collector<PostgresConfig> = {
  id: "postgres.tables",
  title: "PostgreSQL tables: row-level security, owner and readers",
  source: "postgres",
  schema: resourceSchema({
    schema: t.string(),
    name: t.string(),
    /** ordinary | partitioned | partition */
    kind: t.string(),
    /** `schema.name` of the partitioned table this partition belongs to, else null. */
    parent: t.nullable(t.string()),
    owner: t.string(),
    rlsEnabled: t.bool(),
    rlsForced: t.bool(),
    policyCount: t.int(),
    /**
     * Login roles that can SELECT the table or any of its columns, directly, through role
     * membership or as superusers; for a partition also those who can read it through a parent.
     */
    readers: t.list(t.string()),
  }),

  async collect(ctx) {
    const session = await openSession(ctx);
    return session.readOnly("postgres.tables", async (query) => {
      const relations = await listRelations(query);
      // has_any_column_privilege is true for a table-level SELECT too, and accounts for role
      // membership (INHERIT), pg_read_all_data and superusers.
      const rows = await query<TableRow>(`
        SELECT c.oid::int AS oid, pg_catalog.pg_get_userbyid(c.relowner) AS owner,
               c.relrowsecurity AS rls_enabled, c.relforcerowsecurity AS rls_forced,
               (SELECT count(*) FROM pg_catalog.pg_policy pol WHERE pol.polrelid = c.oid)::int AS policy_count,
               ARRAY(SELECT r.rolname::text FROM pg_catalog.pg_roles r
                      WHERE r.rolcanlogin AND pg_catalog.has_any_column_privilege(r.oid, c.oid, 'SELECT')
                      ORDER BY r.rolname) AS readers
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND ${SYSTEM_SCHEMA_FILTER}`);
      const details = new Map(rows.map((row) => [row.oid, row]));
      const classes = classifyRelations(relations, ctx.classify);
      const byName = new Map(relations.map((relation) => [relation.qualifiedName, relation]));

      const resources: Resource[] = [];
      for (const relation of relations) {
        const detail = details.get(relation.oid);
        // Both reads share one REPEATABLE READ snapshot, so a missing row is a bug, not a race.
        if (detail === undefined) throw new Error(`postgres.tables: no catalog row for ${relation.qualifiedName}`);
        resources.push({
          id: relation.qualifiedName,
          classes: classes.get(relation.qualifiedName) ?? [],
          schema: relation.schema,
          name: relation.name,
          kind: relation.kind,
          parent: relation.parent,
          owner: detail.owner,
          rlsEnabled: detail.rls_enabled,
          rlsForced: detail.rls_forced,
          policyCount: detail.policy_count,
          readers: readersThroughAncestors(relation.qualifiedName, byName, details),
        });
      }

      return { resources, coverage: [readCoverage(session, "pg_class")], warnings: sessionWarnings(session) };
    });
  },
};

/** Readers of a table plus, for a partition, the readers of each ancestor: they see its rows through the parent. */
function readersThroughAncestors(qualifiedName: string, byName: Map<string, Relation>, details: Map<number, TableRow>): string[] {
  const readers = new Set<string>();
  const seen = new Set<string>();
  let current = byName.get(qualifiedName);
  while (current !== undefined && !seen.has(current.qualifiedName)) {
    seen.add(current.qualifiedName);
    for (const reader of details.get(current.oid)?.readers ?? []) readers.add(reader);
    current = current.parent === null ? undefined : byName.get(current.parent);
  }
  return [...readers].sort();
}
