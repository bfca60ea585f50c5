import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo, startPostgres, type StartedPostgres } from "../../../demo/postgres-server.js";
import { postgresConfigSchema, source } from "../../../src/collectors/postgres/index.js";
import { rolesCollector } from "../../../src/collectors/postgres/roles.js";
import { tablesCollector } from "../../../src/collectors/postgres/tables.js";
import { collectContext, postgresServer } from "../../helpers/postgres.js";

describe("postgres source configuration", () => {
  it("defaults to DATABASE_URL and the documented limits", () => {
    expect(postgresConfigSchema.parse({})).toMatchObject({ statement_timeout_ms: 10_000, connect_timeout_ms: 10_000, max_rows: 1000 });
    expect(postgresConfigSchema.parse({}).admin_roles).toContain("rds_superuser");
  });

  it.each([
    ["a password in the URL", { url: "postgresql://soc2_reader:hunter2@db.internal/platform" }],
    ["a password parameter", { url: "postgresql://db.internal/platform?password=hunter2" }],
    ["url together with url_env", { url: "postgresql://db.internal/platform", url_env: "PLATFORM_DB" }],
    ["password_env without url", { password_env: "PLATFORM_DB_PASSWORD" }],
    ["an unknown key", { host: "db.internal" }],
    ["an invalid variable name", { url_env: "not a name" }],
  ])("rejects %s", (_case, input) => {
    expect(postgresConfigSchema.safeParse(input).success).toBe(false);
  });

  it("registers every collector under the postgres source", () => {
    expect(source.collectors.map((collector) => collector.id)).toEqual([
      "postgres.tables",
      "postgres.foreign_keys",
      "postgres.settings",
      "postgres.roles",
      "postgres.connections",
      "postgres.query",
    ]);
    for (const collector of source.collectors) expect(collector.source).toBe("postgres");
  });
});

describe("postgres session", () => {
  it("fails with SOC2_CREDENTIALS_MISSING without DATABASE_URL", async () => {
    const { ctx, close } = collectContext({ env: {} });
    await expect(tablesCollector.collect(ctx)).rejects.toMatchObject({
      name: "CollectorError",
      code: "SOC2_CREDENTIALS_MISSING",
      message: expect.stringContaining("DATABASE_URL"),
    });
    await close();
  });

  it("reads the variable named by url_env", async () => {
    const missing = collectContext({ env: { DATABASE_URL: postgresServer().readerUrl }, source: { url_env: "PLATFORM_DB" } });
    await expect(tablesCollector.collect(missing.ctx)).rejects.toMatchObject({ code: "SOC2_CREDENTIALS_MISSING", message: expect.stringContaining("PLATFORM_DB") });
    await missing.close();

    const found = collectContext({ env: { PLATFORM_DB: postgresServer().readerUrl }, source: { url_env: "PLATFORM_DB" } });
    expect((await tablesCollector.collect(found.ctx)).resources.length).toBeGreaterThan(0);
    await found.close();
  });

  it("takes the password for url from password_env", async () => {
    const reader = new URL(postgresServer().readerUrl);
    const password = decodeURIComponent(reader.password);
    reader.password = "";
    const { ctx, close } = collectContext({
      env: { SOC2_DB_PASSWORD: password },
      source: { url: reader.toString(), password_env: "SOC2_DB_PASSWORD" },
    });
    expect((await rolesCollector.collect(ctx)).resources.length).toBeGreaterThan(0);
    await close();
  });

  it("warns when connected as a superuser", async () => {
    const { ctx, close } = collectContext({ env: { DATABASE_URL: postgresServer().superuserUrl } });
    const output = await tablesCollector.collect(ctx);
    expect(output.warnings).toHaveLength(1);
    expect(output.warnings![0]).toContain("superuser postgres");
    expect(output.warnings![0]).not.toContain(new URL(postgresServer().superuserUrl).password);
    await close();
  });

  it("fails with 28P01 for a wrong password, without printing it", async () => {
    const url = new URL(postgresServer().readerUrl);
    url.password = "wrong-password-value";
    const { ctx, close } = collectContext({ env: { DATABASE_URL: url.toString() } });
    const error = await tablesCollector.collect(ctx).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "CollectorError", code: "28P01" });
    expect((error as Error).message).not.toContain("wrong-password-value");
    await close();
  });

  it("rejects an invalid URL without printing it", async () => {
    const { ctx, close } = collectContext({ env: { DATABASE_URL: "postgresql://soc2_reader:secret-value@db.internal:port/platform" } });
    const error = await tablesCollector.collect(ctx).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "CollectorError", code: "SOC2_CONNECTION_STRING_INVALID" });
    expect((error as Error).message).toContain("DATABASE_URL");
    expect(JSON.stringify(error)).not.toContain("secret-value");
    expect((error as Error).cause).toBeUndefined();
    await close();
  });

  it.each([
    ["a bare word", "Hunter2SECRETpw", "DATABASE_URL"],
    ["another scheme", "mysql://soc2_reader:Hunter2SECRETpw@127.0.0.1/platform", "DATABASE_URL"],
    ["an unknown sslmode", "postgresql://soc2_reader:Hunter2SECRETpw@127.0.0.1:1/platform?sslmode=verify", "DATABASE_URL"],
    ["an empty sslmode", "postgresql://soc2_reader:Hunter2SECRETpw@127.0.0.1:1/platform?sslmode=", "DATABASE_URL"],
  ])("rejects %s in the connection string without printing it", async (_case, value, variable) => {
    const { ctx, close } = collectContext({ env: { [variable]: value } });
    const error = await tablesCollector.collect(ctx).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "CollectorError", code: "SOC2_CONNECTION_STRING_INVALID" });
    expect((error as Error).message).toContain(variable);
    expect((error as Error).message).not.toContain("Hunter2SECRETpw");
    expect((error as Error).message).not.toContain("ENOTFOUND");
    await close();
  });

  it("names the sslmode values it accepts", async () => {
    const { ctx, close } = collectContext({ env: { PLATFORM_DB: "postgresql://127.0.0.1:1/platform?sslmode=strict" }, source: { url_env: "PLATFORM_DB" } });
    const error = await tablesCollector.collect(ctx).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe("the PostgreSQL connection string in PLATFORM_DB has an unknown sslmode; use one of disable, allow, prefer, require, verify-ca, verify-full, no-verify");
    await close();
  });

  it("rejects an unknown sslmode in url", async () => {
    const { ctx, close } = collectContext({ env: { SOC2_DB_PASSWORD: "Hunter2SECRETpw" }, source: { url: "postgresql://soc2_reader@127.0.0.1:1/platform?sslmode=on", password_env: "SOC2_DB_PASSWORD" } });
    const error = await tablesCollector.collect(ctx).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "SOC2_CONNECTION_STRING_INVALID", message: expect.stringContaining("sources.postgres.url") });
    expect((error as Error).message).not.toContain("Hunter2SECRETpw");
    await close();
  });

  it("connects with sslmode disable or no-verify", async () => {
    for (const mode of ["disable", "no-verify"]) {
      const url = new URL(postgresServer().readerUrl);
      url.searchParams.set("sslmode", mode);
      const { ctx, close } = collectContext({ env: { DATABASE_URL: url.toString() } });
      expect((await tablesCollector.collect(ctx)).resources.length).toBeGreaterThan(0);
      await close();
    }
  });

  it("shares one connection between collectors of a run", async () => {
    const { ctx, close } = collectContext();
    const [tables, roles] = await Promise.all([tablesCollector.collect(ctx), rolesCollector.collect(ctx)]);
    expect(tables.resources.length).toBeGreaterThan(0);
    expect(roles.resources.length).toBeGreaterThan(0);
    await close();
  });
});

describe("postgres session against a server that goes away", () => {
  let server: StartedPostgres;
  let readerUrl: string;

  beforeAll(async () => {
    server = await startPostgres({ ssl: false });
    readerUrl = (await seedDemo(server.url)).readerUrl;
  });
  afterAll(async () => {
    await server.stop();
  });

  it("fails with an error, not empty output, once the server stops", async () => {
    const { ctx, close } = collectContext({ env: { DATABASE_URL: readerUrl } });
    expect((await tablesCollector.collect(ctx)).resources).toHaveLength(11);

    await server.stop();

    // The fast shutdown sends 57P01 (admin shutdown) to the open session.
    await expect(tablesCollector.collect(ctx)).rejects.toMatchObject({ name: "CollectorError", code: "57P01" });
    await expect(rolesCollector.collect(ctx)).rejects.toMatchObject({ name: "CollectorError", code: "57P01" });
    await close();
  });

  it("fails with ECONNREFUSED when the server is down", async () => {
    const { ctx, close } = collectContext({ env: { DATABASE_URL: readerUrl } });
    await expect(tablesCollector.collect(ctx)).rejects.toMatchObject({ name: "CollectorError", code: "ECONNREFUSED" });
    await close();
  });
});
