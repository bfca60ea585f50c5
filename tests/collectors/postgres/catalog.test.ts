import { afterAll, describe, expect, it } from "vitest";
import { foreignKeysCollector } from "../../../src/collectors/postgres/foreign-keys.js";
import { rolesCollector } from "../../../src/collectors/postgres/roles.js";
import { settingsCollector } from "../../../src/collectors/postgres/settings.js";
import type { Resource } from "../../../src/collectors/types.js";
import { collectContext, postgresServer, roleWithout, runAsSuperuser as runSql } from "../../helpers/postgres.js";

function byId(resources: Resource[]): Map<string, Resource> {
  return new Map(resources.map((resource) => [resource.id, resource]));
}

describe("postgres.foreign_keys", () => {
  const { ctx, close } = collectContext();
  afterAll(close);

  it("reports session_payments without a foreign key", async () => {
    const tables = byId((await foreignKeysCollector.collect(ctx)).resources);
    const payments = tables.get("public.session_payments")!;
    expect(payments.fkCount).toBe(0);
    expect(payments.foreignKeys).toEqual([]);
    expect(payments.classes).toEqual(["highly-confidential"]);
  });

  it("lists the foreign keys of booking_sessions with columns and targets", async () => {
    const tables = byId((await foreignKeysCollector.collect(ctx)).resources);
    const bookings = tables.get("public.booking_sessions")!;
    expect(bookings.fkCount).toBe(2);
    expect(bookings.foreignKeys).toEqual([
      { name: "booking_sessions_client_id_fkey", columns: ["client_id"], references: "public.clients", referencedColumns: ["id"] },
      { name: "booking_sessions_therapist_id_fkey", columns: ["therapist_id"], references: "public.therapists", referencedColumns: ["id"] },
    ]);
  });

  it("lists foreign keys that partitions inherit", async () => {
    const tables = byId((await foreignKeysCollector.collect(ctx)).resources);
    expect(tables.get("public.chat_messages")!.fkCount).toBe(2);
    expect(tables.get("public.chat_messages_2026_02")!.fkCount).toBe(2);
    expect(tables.get("public.chat_messages_2026_02")!.kind).toBe("partition");
  });
});

describe("postgres.settings", () => {
  const { ctx, close } = collectContext();
  afterAll(close);

  it("reads the effective server settings", async () => {
    const [server, ...rest] = (await settingsCollector.collect(ctx)).resources;
    expect(rest).toEqual([]);
    expect(server).toMatchObject({
      id: "server",
      ssl: postgresServer().ssl,
      forceSsl: null,
      passwordEncryption: "scram-sha-256",
      logConnections: false,
      logDisconnections: false,
      logStatement: "none",
      pgauditLoaded: false,
      pgauditLog: null,
    });
    expect(server!.serverVersion).toMatch(/^\d+\.\d+/);
  });

  it("fails with 42501 for a role without pg_read_all_settings", async () => {
    const server = postgresServer();
    const role = await roleWithout("pg_read_all_settings", server.superuserUrl, server.readerUrl);
    const denied = collectContext({ env: { DATABASE_URL: role.url } });
    try {
      await expect(settingsCollector.collect(denied.ctx)).rejects.toMatchObject({ name: "CollectorError", code: "42501" });
    } finally {
      await denied.close();
      await role.drop();
    }
  });
});

describe("postgres.roles", () => {
  const { ctx, close } = collectContext();
  afterAll(close);

  it("flags the app superuser as admin-equivalent", async () => {
    const roles = byId((await rolesCollector.collect(ctx)).resources);
    const app = roles.get("app")!;
    expect(app).toMatchObject({ canLogin: true, superuser: true, bypassRls: false, adminEquivalent: true, builtin: false, validUntil: null });
    expect(app.adminReasons).toEqual(["superuser"]);
  });

  it("leaves ordinary login roles not admin-equivalent", async () => {
    const roles = byId((await rolesCollector.collect(ctx)).resources);
    expect(roles.get("app_readonly")).toMatchObject({ canLogin: true, superuser: false, adminEquivalent: false, memberOf: ["authenticated"] });
    expect(roles.get("soc2_reader")).toMatchObject({
      canLogin: true,
      superuser: false,
      adminEquivalent: false,
      memberOf: ["pg_read_all_settings", "pg_read_all_stats"],
    });
    expect(roles.get("authenticated")).toMatchObject({ canLogin: false, adminEquivalent: false });
    expect(roles.get("pg_monitor")).toMatchObject({ builtin: true, canLogin: false });
  });

  it("follows membership to configured admin roles at any depth", async () => {
    const server = postgresServer();
    const suffix = Math.random().toString(16).slice(2, 8);
    await runSql(server.superuserUrl, `
      CREATE ROLE ops_admins_${suffix} NOLOGIN;
      CREATE ROLE ops_team_${suffix} NOLOGIN IN ROLE ops_admins_${suffix};
      CREATE ROLE dana_${suffix} LOGIN IN ROLE ops_team_${suffix} VALID UNTIL '2030-01-01T00:00:00Z';
      CREATE ROLE lee_${suffix} LOGIN CREATEROLE;`);
    const custom = collectContext({ source: { admin_roles: [`ops_admins_${suffix}`] } });
    try {
      const roles = byId((await rolesCollector.collect(custom.ctx)).resources);
      expect(roles.get(`dana_${suffix}`)).toMatchObject({
        adminEquivalent: true,
        adminReasons: [`member of ops_admins_${suffix}`],
        validUntil: "2030-01-01T00:00:00.000Z",
      });
      expect(roles.get(`lee_${suffix}`)).toMatchObject({ adminEquivalent: true, adminReasons: ["createrole"] });
    } finally {
      await custom.close();
      await runSql(server.superuserUrl, `DROP ROLE dana_${suffix}, lee_${suffix}, ops_team_${suffix}, ops_admins_${suffix}`);
    }
  });
});

