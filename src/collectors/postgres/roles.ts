import { resourceSchema, t } from "../schema.js";
import type { Collector, Resource } from "../types.js";
import type { PostgresConfig } from "./index.js";
import { openSession, readCoverage, sessionWarnings } from "./session.js";

interface RoleRow {
  name: string;
  can_login: boolean;
  superuser: boolean;
  bypass_rls: boolean;
  create_role: boolean;
  create_db: boolean;
  /** pg parses `infinity` (never expires) as the number Infinity, not a Date. */
  valid_until: Date | number | null;
  member_of: string[];
}

export const rolesCollector: Collector<PostgresConfig> = {
  id: "postgres.roles",
  title: "PostgreSQL roles: login, superuser, BYPASSRLS and admin-equivalent membership",
  source: "postgres",
  schema: resourceSchema({
    name: t.string(),
    canLogin: t.bool(),
    superuser: t.bool(),
    bypassRls: t.bool(),
    createRole: t.bool(),
    createDb: t.bool(),
    /** True for the roles PostgreSQL itself defines (names starting with `pg_`). */
    builtin: t.bool(),
    /** Roles this role is a direct member of. */
    memberOf: t.list(t.string()),
    /** Superuser, CREATEROLE, or a member (at any depth) of an admin-equivalent role. */
    adminEquivalent: t.bool(),
    /** Reasons the role is admin-equivalent, e.g. `superuser` or `member of rds_superuser`; empty when it is not. */
    adminReasons: t.list(t.string()),
    /** Password expiry (VALID UNTIL); null when the password never expires. */
    validUntil: t.nullable(t.timestamp()),
  }),

  async collect(ctx) {
    const session = await openSession(ctx);
    return session.readOnly("postgres.roles", async (query) => {
      const rows = await query<RoleRow>(`
        SELECT r.rolname::text AS name, r.rolcanlogin AS can_login, r.rolsuper AS superuser,
               r.rolbypassrls AS bypass_rls, r.rolcreaterole AS create_role, r.rolcreatedb AS create_db,
               r.rolvaliduntil AS valid_until,
               ARRAY(SELECT DISTINCT g.rolname::text FROM pg_catalog.pg_auth_members m
                       JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
                      WHERE m.member = r.oid ORDER BY 1) AS member_of
          FROM pg_catalog.pg_roles r
         ORDER BY r.rolname`);

      const reasons = adminReasons(rows, new Set(ctx.source.admin_roles));
      const resources: Resource[] = rows.map((row) => ({
        id: row.name,
        classes: ctx.classify({ kind: "role", name: row.name }),
        name: row.name,
        canLogin: row.can_login,
        superuser: row.superuser,
        bypassRls: row.bypass_rls,
        createRole: row.create_role,
        createDb: row.create_db,
        builtin: row.name.startsWith("pg_"),
        memberOf: row.member_of,
        adminEquivalent: (reasons.get(row.name) ?? []).length > 0,
        adminReasons: reasons.get(row.name) ?? [],
        validUntil: toTimestamp(row.valid_until),
      }));

      return { resources, coverage: [readCoverage(session, "pg_roles")], warnings: sessionWarnings(session) };
    });
  },
};

/**
 * Works out why each role is admin-equivalent. A member of a role can SET ROLE to it, so
 * membership in a superuser, a CREATEROLE role or a configured admin role passes the power on,
 * at any depth of membership.
 */
function adminReasons(rows: RoleRow[], adminRoles: Set<string>): Map<string, string[]> {
  const byName = new Map(rows.map((row) => [row.name, row]));
  const ownReasons = (row: RoleRow): string[] => {
    const reasons: string[] = [];
    if (row.superuser) reasons.push("superuser");
    if (row.create_role) reasons.push("createrole");
    if (adminRoles.has(row.name)) reasons.push("admin role");
    return reasons;
  };

  const result = new Map<string, string[]>();
  for (const row of rows) {
    const reasons = ownReasons(row);
    const seen = new Set([row.name]);
    const pending = [...row.member_of];
    while (pending.length > 0) {
      const groupName = pending.shift()!;
      if (seen.has(groupName)) continue;
      seen.add(groupName);
      const group = byName.get(groupName);
      if (group === undefined) continue;
      if (ownReasons(group).length > 0) reasons.push(`member of ${groupName}`);
      pending.push(...group.member_of);
    }
    result.set(row.name, reasons);
  }
  return result;
}

function toTimestamp(value: Date | number | null): string | null {
  if (!(value instanceof Date) || !Number.isFinite(value.getTime())) return null;
  return value.toISOString();
}
