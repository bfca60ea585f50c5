import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadControls, type LoadedControl } from "../../../src/catalog/load.js";
import type { Registry } from "../../../src/collectors/registry.js";
import { source as clerkSource } from "../../../src/collectors/clerk/index.js";
import type { Snapshot } from "../../../src/collectors/snapshot.js";
import { usersCollector } from "../../../src/collectors/clerk/users.js";
import { evaluateControls } from "../../../src/engine/evaluate.js";
import type { ControlResult } from "../../../src/engine/types.js";
import { userJson, type FakeUserSpec } from "../../fakes/clerk/builders.js";
import { startFakeClerk, type FakeClerk } from "../../fakes/clerk/server.js";
import { clerkContext, SECRET_KEY } from "./context.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const DAY = 86_400_000;
const NOW = new Date("2026-03-15T12:00:00Z");
const ago = (days: number): number => NOW.getTime() - days * DAY;

const compliant: FakeUserSpec[] = [
  { id: "user_admin", role: "admin", createdAt: ago(300), lastSignInAt: ago(1), twoFactor: true },
  { id: "user_therapist_sso", role: "therapist", createdAt: ago(200), lastSignInAt: ago(2), enterpriseSso: true },
  { id: "user_employer", role: "employer_admin", createdAt: ago(100), lastSignInAt: ago(3), twoFactor: true },
  { id: "user_client", role: "client", createdAt: ago(50), lastSignInAt: null },
  { id: "user_new_therapist", role: "therapist", createdAt: ago(10), lastSignInAt: null, twoFactor: true },
];

const problems: FakeUserSpec[] = [
  { id: "user_google_therapist", role: "therapist", createdAt: ago(100), lastSignInAt: ago(3), social: ["oauth_google"] },
  { id: "user_dormant_therapist", role: "therapist", createdAt: ago(400), lastSignInAt: ago(91), twoFactor: true },
  { id: "user_never_employer", role: "employer_admin", createdAt: ago(120), lastSignInAt: null, twoFactor: true },
  { id: "user_banned_admin", role: "admin", createdAt: ago(500), lastSignInAt: ago(30), banned: true, twoFactor: true },
  { id: "user_locked_client", role: "client", createdAt: ago(60), lastSignInAt: ago(5), locked: true },
  { id: "user_unknown_role", role: "superuser", createdAt: ago(40), lastSignInAt: ago(1) },
  { id: "user_admin_2", role: "admin", createdAt: ago(30), lastSignInAt: ago(1), twoFactor: true },
  { id: "user_admin_3", role: "admin", createdAt: ago(20), lastSignInAt: ago(1), twoFactor: true },
];

// Only the clerk source: the identity controls need no other collector, and the test should not
// depend on the other sources' modules loading.
const registry = {
  sources: new Map([["clerk", clerkSource]]),
  collectors: new Map(clerkSource.collectors.map((collector) => [collector.id, collector])),
} as unknown as Registry;

let fake: FakeClerk;
let controls: LoadedControl[];

beforeAll(async () => {
  fake = await startFakeClerk({ secretKey: SECRET_KEY });
  controls = (await loadControls(path.join(ROOT, "controls/identity"), { registry, rootDir: ROOT }))
    .filter((control) => control.spec.type === "automated");
});
afterAll(() => fake.close());

async function verdicts(specs: FakeUserSpec[]): Promise<Map<string, ControlResult>> {
  fake.users.splice(0, fake.users.length, ...specs.map(userJson));
  const output = await usersCollector.collect(clerkContext({ url: fake.url, now: NOW }));
  const snapshot: Snapshot = {
    version: 1,
    takenAt: NOW.toISOString(),
    collectors: { "clerk.users": { collector: "clerk.users", status: "ok", resources: output.resources } },
  };
  return new Map(evaluateControls(controls, snapshot, { now: NOW }).map((result) => [result.id, result]));
}

function failing(result: ControlResult | undefined): string[] {
  return (result?.findings ?? []).filter((finding) => finding.status === "fail").map((finding) => finding.resource).sort();
}

describe("identity controls over clerk.users", () => {
  it("pass on a compliant user base", async () => {
    const results = await verdicts(compliant);

    expect(results.get("clerk-privileged-mfa")?.status).toBe("pass");
    expect(results.get("clerk-role-known")?.status).toBe("pass");
    expect(results.get("clerk-privileged-dormant")?.status).toBe("pass");
    expect(results.get("clerk-privileged-not-banned-or-locked")?.status).toBe("not-applicable");
    expect(results.get("clerk-admin-count")?.status).toBe("pass");
  });

  it("fail MFA for a social-login therapist", async () => {
    const results = await verdicts([...compliant, ...problems]);

    expect(results.get("clerk-privileged-mfa")?.status).toBe("fail");
    expect(failing(results.get("clerk-privileged-mfa"))).toEqual(["user_google_therapist"]);
  });

  it("fail the role check for an unknown role", async () => {
    const results = await verdicts([...compliant, ...problems]);

    expect(failing(results.get("clerk-role-known"))).toEqual(["user_unknown_role"]);
  });

  it("flag dormant and never-used privileged accounts", async () => {
    const results = await verdicts([...compliant, ...problems]);

    expect(results.get("clerk-privileged-dormant")?.status).toBe("fail");
    expect(failing(results.get("clerk-privileged-dormant"))).toEqual(["user_dormant_therapist", "user_never_employer"]);
  });

  it("flag a banned admin but not a locked client", async () => {
    const results = await verdicts([...compliant, ...problems]);

    expect(results.get("clerk-privileged-not-banned-or-locked")?.status).toBe("fail");
    expect(failing(results.get("clerk-privileged-not-banned-or-locked"))).toEqual(["user_banned_admin"]);
  });

  it("fail the admin count above max_admins", async () => {
    const results = await verdicts([...compliant, ...problems]);

    expect(results.get("clerk-admin-count")?.status).toBe("fail");
    expect(failing(results.get("clerk-admin-count"))).toHaveLength(4);
  });

  it("honour a max_idle_days override", async () => {
    const overridden = await loadControls(path.join(ROOT, "controls/identity"), {
      registry,
      rootDir: ROOT,
      paramOverrides: { "clerk-privileged-dormant": { max_idle_days: 365 } },
    });
    fake.users.splice(0, fake.users.length, ...[...compliant, ...problems].map(userJson));
    const output = await usersCollector.collect(clerkContext({ url: fake.url, now: NOW }));
    const snapshot: Snapshot = {
      version: 1,
      takenAt: NOW.toISOString(),
      collectors: { "clerk.users": { collector: "clerk.users", status: "ok", resources: output.resources } },
    };

    const result = evaluateControls(overridden.filter((control) => control.spec.id === "clerk-privileged-dormant"), snapshot, { now: NOW })[0];

    expect(result?.status).toBe("pass");
  });

  it("report an error when the collector could not read", async () => {
    const snapshot: Snapshot = {
      version: 1,
      takenAt: NOW.toISOString(),
      collectors: { "clerk.users": { collector: "clerk.users", status: "error", error: { code: "too_many_requests", message: "still rate limited" } } },
    };

    const results = evaluateControls(controls, snapshot, { now: NOW });

    expect(results.map((result) => result.status)).toEqual(results.map(() => "error"));
  });
});

describe("demo recording of clerk.users", () => {
  it("replays to the expected verdicts", async () => {
    const { readFile } = await import("node:fs/promises");
    const snapshot = JSON.parse(await readFile(path.join(ROOT, "demo/recorded/clerk.snapshot.json"), "utf8")) as Snapshot;

    const results = new Map(evaluateControls(controls, snapshot, { now: new Date(snapshot.takenAt) }).map((result) => [result.id, result]));

    expect(failing(results.get("clerk-privileged-mfa"))).toEqual(["user_2emp03kevin", "user_2ther03priya"]);
    expect(failing(results.get("clerk-role-known"))).toEqual(["user_2none01jo", "user_2sup01ivan"]);
    expect(failing(results.get("clerk-privileged-dormant"))).toEqual(["user_2admin03grace", "user_2ther04tom"]);
    expect(failing(results.get("clerk-privileged-not-banned-or-locked"))).toEqual(["user_2admin03grace"]);
    expect(results.get("clerk-admin-count")?.status).toBe("pass");
  });
});
