import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionsCollector } from "../../../src/collectors/postgres/connections.js";
import type { Resource } from "../../../src/collectors/types.js";
import { collectContext, postgresServer, roleWithout } from "../../helpers/postgres.js";

/** Opens a session and returns it with its server process id. */
async function openClient(config: pg.ClientConfig): Promise<{ client: pg.Client; pid: string }> {
  const client = new pg.Client(config);
  await client.connect();
  const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  return { client, pid: String(rows[0]!.pid) };
}

function withSslMode(url: string, mode: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("sslmode", mode);
  return parsed.toString();
}

describe("postgres.connections", () => {
  const server = postgresServer();
  const sessions: Record<string, { client: pg.Client; pid: string }> = {};

  beforeAll(async () => {
    const app = new URL(server.appUrl);
    sessions.unix = await openClient({ host: server.socketDir, port: server.port, user: "app", password: app.password, database: "platform" });
    sessions.plainTcp = await openClient({ connectionString: withSslMode(server.appUrl, "disable") });
    sessions.tlsTcp = await openClient({ connectionString: withSslMode(server.appReadonlyUrl, "no-verify") });
  });
  afterAll(async () => {
    for (const session of Object.values(sessions)) await session.client.end();
  });

  async function collectAs(url: string): Promise<Map<string, Resource>> {
    const { ctx, close } = collectContext({ env: { DATABASE_URL: url } });
    try {
      const output = await connectionsCollector.collect(ctx);
      return new Map(output.resources.map((resource) => [resource.id, resource]));
    } finally {
      await close();
    }
  }

  it("test server has TLS enabled", () => {
    // The TLS cases below need the self-signed certificate, which needs the openssl command.
    expect(server.ssl).toBe(true);
  });

  it("reports a Unix-socket session as unix and never unencrypted", async () => {
    const found = (await collectAs(server.readerUrl)).get(sessions.unix!.pid);
    expect(found).toMatchObject({ user: "app", database: "platform", transport: "unix", ssl: false, sslVersion: null });
    expect(found!._error).toBeUndefined();
  });

  it("reports TCP sessions with and without TLS", async () => {
    const found = await collectAs(server.readerUrl);
    expect(found.get(sessions.plainTcp!.pid)).toMatchObject({ user: "app", transport: "tcp", ssl: false, sslVersion: null });
    const tls = found.get(sessions.tlsTcp!.pid)!;
    expect(tls).toMatchObject({ user: "app_readonly", transport: "tcp", ssl: true });
    expect(tls.sslVersion).toMatch(/^TLSv1\.[23]$/);
  });

  it("honours sslmode of its own connection string", async () => {
    const plain = [...(await collectAs(withSslMode(server.readerUrl, "disable"))).values()].filter((session) => session.ownSession);
    expect(plain).toHaveLength(1);
    expect(plain[0]).toMatchObject({ user: "soc2_reader", transport: "tcp", ssl: false });
    const encrypted = [...(await collectAs(withSslMode(server.readerUrl, "no-verify"))).values()].filter((session) => session.ownSession);
    expect(encrypted).toHaveLength(1);
    expect(encrypted[0]).toMatchObject({ user: "soc2_reader", transport: "tcp", ssl: true });
  });

  it("lists only client sessions", async () => {
    for (const session of (await collectAs(server.readerUrl)).values()) {
      expect(session.user).not.toBeNull();
      expect(["tcp", "unix"]).toContain(session.transport);
    }
  });

  it("turns sessions hidden from a role without pg_read_all_stats into errors", async () => {
    const role = await roleWithout("pg_read_all_stats", server.superuserUrl, server.readerUrl);
    try {
      const found = await collectAs(role.url);
      for (const pid of [sessions.unix!.pid, sessions.plainTcp!.pid, sessions.tlsTcp!.pid]) {
        const hidden = found.get(pid)!;
        expect(hidden).toMatchObject({ transport: null, ssl: null, sslVersion: null });
        expect(hidden._error).toMatchObject({ code: "42501" });
        expect((hidden._error as { message: string }).message).toContain("pg_read_all_stats");
      }
      const own = [...found.values()].filter((session) => session.ownSession);
      expect(own).toHaveLength(1);
      expect(own[0]).toMatchObject({ user: role.name, transport: "tcp", ssl: false });
      expect(own[0]!._error).toBeUndefined();
    } finally {
      await role.drop();
    }
  });
});
