import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadControls } from "../../../src/catalog/load.js";
import { builtinRegistry } from "../../../src/collectors/registry.js";
import { postgresConfigSchema } from "../../../src/collectors/postgres/index.js";
import { createClassifier } from "../../../src/config/classify.js";
import { collect } from "../../../src/engine/collect.js";
import { evaluateControls } from "../../../src/engine/evaluate.js";
import type { ControlResult } from "../../../src/engine/types.js";
import { DEMO_SELECTORS, postgresServer } from "../../helpers/postgres.js";

const repoRoot = path.resolve(import.meta.dirname, "../../..");

/** Loads the database controls and evaluates them against the seeded demo database. */
async function evaluateDatabaseControls(url: string): Promise<Map<string, ControlResult>> {
  const registry = builtinRegistry();
  const controls = await loadControls(path.join(repoRoot, "controls", "database"), { registry, rootDir: repoRoot });
  const now = new Date();
  const snapshot = await collect(controls, {
    registry,
    sources: new Map([["postgres", postgresConfigSchema.parse({})]]),
    env: { DATABASE_URL: url },
    now,
    classify: createClassifier(DEMO_SELECTORS),
  });
  return new Map(evaluateControls(controls, snapshot, { now }).map((result) => [result.id, result]));
}

function failing(result: ControlResult | undefined): string[] {
  return (result?.findings ?? []).filter((finding) => finding.status === "fail").map((finding) => finding.resource).sort();
}

describe("database controls on the demo database", () => {
  let results: Map<string, ControlResult>;

  beforeAll(async () => {
    results = await evaluateDatabaseControls(postgresServer().readerUrl);
  });

  it("fails RLS on client_notes and the unprotected partition", () => {
    const result = results.get("pg-rls-forced-confidential");
    expect(result?.status).toBe("fail");
    expect(failing(result)).toEqual(["public.chat_messages_2026_02", "public.client_notes"]);
  });

  it("fails foreign keys on session_payments only", () => {
    const result = results.get("pg-foreign-keys-booking-payments");
    expect(result?.status).toBe("fail");
    expect(failing(result)).toEqual(["public.session_payments"]);
  });

  it("fails the superuser login roles", () => {
    const result = results.get("pg-privileged-login-roles");
    expect(result?.status).toBe("fail");
    // postgres is the server's bootstrap superuser; a real configuration lists it in params.allowed.
    expect(failing(result)).toEqual(["app", "postgres"]);
  });

  it("fails admin-equivalent login roles", () => {
    expect(failing(results.get("pg-admin-equivalent-roles"))).toEqual(["app", "postgres"]);
  });

  it("fails the unclassified table", () => {
    expect(failing(results.get("pg-tables-classified"))).toEqual(["public.import_staging"]);
  });

  it("fails activity logging with the server defaults", () => {
    expect(results.get("pg-activity-logging")?.status).toBe("fail");
  });

  it("passes TLS and SCRAM on the test server", () => {
    expect(results.get("pg-tls-enabled")?.status).toBe("pass");
    expect(results.get("pg-password-encryption-scram")?.status).toBe("pass");
  });

  it("fails the collector's own TCP session without TLS", () => {
    const result = results.get("pg-sessions-encrypted");
    expect(result?.status).toBe("fail");
    expect(failing(result).length).toBeGreaterThan(0);
  });
});
