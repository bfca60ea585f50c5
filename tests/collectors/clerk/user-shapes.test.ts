import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadControls, type LoadedControl } from "../../../src/catalog/load.js";
import type { Registry } from "../../../src/collectors/registry.js";
import { source as clerkSource } from "../../../src/collectors/clerk/index.js";
import type { Snapshot } from "../../../src/collectors/snapshot.js";
import type { Resource } from "../../../src/collectors/types.js";
import { usersCollector } from "../../../src/collectors/clerk/users.js";
import { evaluateControls } from "../../../src/engine/evaluate.js";
import { userJson, type ClerkJson } from "../../fakes/clerk/builders.js";
import { startFakeClerk, type FakeClerk } from "../../fakes/clerk/server.js";
import { clerkContext, SECRET_KEY } from "./context.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const DAY = 86_400_000;
const NOW = new Date("2026-03-15T12:00:00Z");
const ago = (days: number): number => NOW.getTime() - days * DAY;

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

/** Collects the given users from the fake and evaluates the identity controls: status per control and user. */
async function collect(users: ClerkJson[]): Promise<{ resources: Resource[]; findings: Record<string, Record<string, string>> }> {
  fake.users.splice(0, fake.users.length, ...users);
  const output = await usersCollector.collect(clerkContext({ url: fake.url, now: NOW }));
  const snapshot: Snapshot = {
    version: 1,
    takenAt: NOW.toISOString(),
    collectors: { "clerk.users": { collector: "clerk.users", status: "ok", resources: output.resources } },
  };
  const findings: Record<string, Record<string, string>> = {};
  for (const result of evaluateControls(controls, snapshot, { now: NOW })) {
    findings[result.id] = Object.fromEntries((result.findings ?? []).map((finding) => [finding.resource, finding.status]));
  }
  return { resources: output.resources, findings };
}

function byId(resources: Resource[], id: string): Resource {
  const found = resources.find((resource) => resource.id === id);
  if (!found) throw new Error(`no user ${id}`);
  return found;
}

describe("clerk.users shapes seen in real instances", () => {
  it("admin in other case is privileged", async () => {
    const { resources, findings } = await collect([
      userJson({ id: "user_capital_admin", role: "Admin", createdAt: ago(30), lastSignInAt: ago(1) }),
    ]);

    const user = byId(resources, "user_capital_admin");
    expect(user.role).toBe("Admin");
    expect(user.privileged).toBe(true);
    expect(user.roleKnown).toBe(false);
    expect(findings["clerk-privileged-mfa"]).toEqual({ user_capital_admin: "fail" });
    expect(findings["clerk-role-known"]).toEqual({ user_capital_admin: "fail" });
  });

  it("role list or number is no role", async () => {
    const { resources, findings } = await collect([
      userJson({ id: "user_role_list", publicMetadata: { role: ["admin", "therapist"] }, createdAt: ago(30), lastSignInAt: ago(1), twoFactor: true }),
      userJson({ id: "user_role_number", publicMetadata: { role: 3 }, createdAt: ago(30), lastSignInAt: ago(1) }),
    ]);

    expect(byId(resources, "user_role_list")).toMatchObject({ role: null, privileged: true, roleKnown: false });
    expect(byId(resources, "user_role_number")).toMatchObject({ role: null, privileged: false, roleKnown: false });
    expect(findings["clerk-role-known"]).toEqual({ user_role_list: "fail", user_role_number: "fail" });
    expect(findings["clerk-privileged-mfa"]).toEqual({ user_role_list: "pass" });
  });

  it("session activity counts as use", async () => {
    const { resources, findings } = await collect([
      userJson({ id: "user_long_session", role: "therapist", createdAt: ago(400), lastSignInAt: ago(200), lastActiveAt: ago(2), twoFactor: true }),
      userJson({ id: "user_no_sign_in", role: "admin", createdAt: ago(400), lastSignInAt: null, lastActiveAt: ago(5), twoFactor: true }),
      userJson({ id: "user_idle", role: "employer_admin", createdAt: ago(400), lastSignInAt: ago(120), lastActiveAt: ago(100), twoFactor: true }),
      userJson({ id: "user_new_unused", role: "therapist", createdAt: ago(10), lastSignInAt: null, lastActiveAt: null, twoFactor: true }),
    ]);

    expect(byId(resources, "user_no_sign_in")).toMatchObject({ lastSignInAt: null, lastActiveAt: new Date(ago(5)).toISOString() });
    expect(findings["clerk-privileged-dormant"]).toEqual({ user_long_session: "pass", user_no_sign_in: "pass", user_idle: "fail", user_new_unused: "pass" });
  });

  it("primary email masked among several", async () => {
    const json = userJson({ id: "user_two_emails", role: "client", createdAt: ago(30), email: "zoe@work.example" });
    const addresses = json.email_addresses as ClerkJson[];
    // The primary address is second in the list; the first belongs to an older, unverified address.
    addresses.unshift({ ...addresses[0], id: "idn_email_old", email_address: "old@home.example", verification: { status: "unverified", strategy: "email_code", attempts: 0, expire_at: null } });
    const { resources } = await collect([json]);

    expect(byId(resources, "user_two_emails").emailMasked).toBe("z***@work.example");
  });

  it("TOTP without two-factor flag is none", async () => {
    // Clerk's two_factor_enabled decides whether sign-in requires a second factor. A totp_enabled
    // that disagrees with it is not evidence of MFA.
    const { resources, findings } = await collect([
      { ...userJson({ id: "user_totp_only", role: "therapist", createdAt: ago(30), lastSignInAt: ago(1) }), totp_enabled: true, two_factor_enabled: false },
    ]);

    expect(byId(resources, "user_totp_only")).toMatchObject({ mfa: "none", twoFactorEnabled: false });
    expect(findings["clerk-privileged-mfa"]).toEqual({ user_totp_only: "fail" });
  });

  it("passkey is no second factor", async () => {
    const { resources } = await collect([
      userJson({ id: "user_passkey", role: "therapist", createdAt: ago(30), lastSignInAt: ago(1), passkeys: 1 }),
      userJson({ id: "user_sso_passkey", role: "therapist", createdAt: ago(30), lastSignInAt: ago(1), enterpriseSso: true, passkeys: 1 }),
    ]);

    expect(byId(resources, "user_passkey").mfa).toBe("none");
    expect(byId(resources, "user_sso_passkey").mfa).toBe("none");
  });

  it("locked admin judged like banned", async () => {
    const { resources, findings } = await collect([
      userJson({ id: "user_locked_admin", role: "admin", createdAt: ago(30), lastSignInAt: ago(1), twoFactor: true, locked: true }),
      userJson({ id: "user_banned_client", role: "client", createdAt: ago(30), lastSignInAt: ago(1), banned: true }),
    ]);

    expect(byId(resources, "user_locked_admin")).toMatchObject({ locked: true, banned: false });
    expect(findings["clerk-privileged-not-banned-or-locked"]).toEqual({ user_locked_admin: "fail", user_banned_client: "pass" });
  });
});
