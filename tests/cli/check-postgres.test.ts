import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { seedDemo, startPostgres } from "../../demo/postgres-server.js";
import { run } from "../../src/cli/main.js";
import { postgresServer } from "../helpers/postgres.js";
import { captureIO } from "../helpers/cli.js";

const root = path.resolve(import.meta.dirname, "../..");

/** A configuration like the demo's, with only the PostgreSQL source. */
async function configDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "soc2-check-"));
  await writeFile(path.join(dir, "soc2.config.yaml"), [
    "version: 1",
    `controls: ${path.join(root, "controls")}`,
    `policies: ${path.join(root, "policies")}`,
    `exceptions: ${path.join(dir, "exceptions")}`,
    `evidence: { attestations: ${path.join(root, "evidence/attestations")} }`,
    "sources:",
    "  postgres: { url_env: DATABASE_URL, statement_timeout_ms: 5000 }",
    "classification:",
    '  - { class: highly-confidential, match: { kind: table, schema: public, name: "{client_notes,chat_messages,session_payments}" } }',
    '  - { class: confidential, match: { kind: table, schema: public, name: "{users,therapists,clients,employers,booking_sessions}" } }',
  ].join("\n"));
  return dir;
}

function controlById(output: string, id: string) {
  const result = JSON.parse(output) as { controls: Array<{ id: string; status: string; reason: string; findings: Array<{ resource: string; status: string; message?: string }> }> };
  const control = result.controls.find((candidate) => candidate.id === id);
  if (!control) throw new Error(`no control ${id} in the output`);
  return control;
}

describe("soc2 check against a real PostgreSQL server", () => {
  it("reports findings read from the live database and exits 1", async () => {
    const dir = await configDir();
    const io = captureIO(dir, { DATABASE_URL: postgresServer().readerUrl });
    expect(await run(["check", "--only", "postgres", "--format", "json", "--now", "2026-12-04T12:00:00Z"], io)).toBe(1);

    const rls = controlById(io.out(), "pg-rls-forced-confidential");
    expect(rls.status).toBe("fail");
    expect(rls.findings).toContainEqual(expect.objectContaining({ resource: "public.client_notes", status: "fail", message: "row-level security is not forced, so the table owner bypasses it" }));
    expect(rls.findings).toContainEqual(expect.objectContaining({ resource: "public.chat_messages_2026_02", status: "fail", message: "row-level security is not enabled" }));
    expect(rls.findings).toContainEqual(expect.objectContaining({ resource: "public.chat_messages_2026_01", status: "pass" }));

    const superusers = controlById(io.out(), "pg-privileged-login-roles");
    expect(superusers.findings).toContainEqual(expect.objectContaining({ resource: "app", status: "fail" }));
  });

  it("prints the same JSON for the same input and clock", async () => {
    const dir = await configDir();
    const outputs: string[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const io = captureIO(dir, { DATABASE_URL: postgresServer().readerUrl });
      await run(["check", "--only", "postgres", "--format", "json", "--now", "2026-12-04T12:00:00Z"], io);
      const parsed = JSON.parse(io.out());
      delete parsed.startedAt;
      delete parsed.finishedAt;
      // Client sessions differ between runs (the run's own connection has a new process id).
      parsed.controls = parsed.controls.filter((control: { id: string }) => control.id !== "pg-sessions-encrypted");
      outputs.push(JSON.stringify(parsed));
    }
    expect(outputs[1]).toBe(outputs[0]);
  });

  it("gives error results and exit 3 when the database is gone, never passes", async () => {
    const server = await startPostgres();
    const urls = await seedDemo(server.url);
    await server.stop();

    const dir = await configDir();
    const io = captureIO(dir, { DATABASE_URL: urls.readerUrl });
    expect(await run(["check", "--only", "postgres", "--format", "json"], io)).toBe(3);
    const result = JSON.parse(io.out());
    const database = result.controls.filter((control: { collector?: string }) => control.collector?.startsWith("postgres."));
    expect(database.length).toBeGreaterThan(5);
    for (const control of database) {
      expect(control.status, control.id).toBe("error");
      expect(control.reason, control.id).toMatch(/could not be read: ECONNREFUSED/);
    }
  });

  it("is an error, not skipped, when the database URL variable is missing", async () => {
    const dir = await configDir();
    const io = captureIO(dir, {});
    expect(await run(["check", "--only", "pg-tls-enabled", "--format", "json"], io)).toBe(3);
    expect(controlById(io.out(), "pg-tls-enabled")).toMatchObject({ status: "error", reason: expect.stringMatching(/SOC2_CREDENTIALS_MISSING/) });
  });
});
