/**
 * Records demo/recorded/clerk.snapshot.json: the clerk.users collector run against the loopback
 * fake Backend API, loaded with a small made-up user base. Nothing here reaches Clerk.
 *
 *   npx tsc -p tsconfig.json --outDir .tmp/record && node .tmp/record/demo/record/clerk.js
 *
 * The clock is fixed, so the recording is the same on every run.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { clerkConfigSchema } from "../../src/collectors/clerk/index.js";
import { usersCollector } from "../../src/collectors/clerk/users.js";
import type { Snapshot } from "../../src/collectors/snapshot.js";
import { membershipJson, userJson, type FakeUserSpec } from "../../tests/fakes/clerk/builders.js";
import { startFakeClerk } from "../../tests/fakes/clerk/server.js";

const NOW = new Date("2026-12-04T09:00:00.000Z");
const DAY = 86_400_000;
const ago = (days: number, hours = 0): number => NOW.getTime() - days * DAY - hours * 3_600_000;
const SECRET_KEY = "sk_test_demo_recording";

const USERS: FakeUserSpec[] = [
  { id: "user_2admin01alice", email: "alice.nguyen@mindbridge.example", role: "admin", createdAt: ago(410), lastSignInAt: ago(0, 3), twoFactor: true },
  { id: "user_2admin02omar", email: "omar.haddad@mindbridge.example", role: "admin", createdAt: ago(380), lastSignInAt: ago(2), twoFactor: true },
  { id: "user_2admin03grace", email: "grace.owens@mindbridge.example", role: "admin", createdAt: ago(520), lastSignInAt: ago(190), twoFactor: true, banned: true },
  { id: "user_2ther01maria", email: "maria.lopez@mindbridge.example", role: "therapist", createdAt: ago(360), lastSignInAt: ago(1), twoFactor: true },
  { id: "user_2ther02james", email: "james.carter@mindbridge.example", role: "therapist", createdAt: ago(300), lastSignInAt: ago(0, 6), twoFactor: true },
  { id: "user_2ther03priya", email: "priya.shah@mindbridge.example", role: "therapist", createdAt: ago(250), lastSignInAt: ago(4), password: true },
  { id: "user_2ther04tom", email: "tom.becker@mindbridge.example", role: "therapist", createdAt: ago(400), lastSignInAt: ago(137), twoFactor: true },
  { id: "user_2ther05lena", email: "lena.fischer@harborclinic.example", role: "therapist", createdAt: ago(150), lastSignInAt: ago(3), enterpriseSso: true },
  { id: "user_2ther06sam", email: "sam.okafor@mindbridge.example", role: "therapist", createdAt: ago(12), lastSignInAt: null, twoFactor: true },
  { id: "user_2emp01rachel", email: "rachel.kim@northwind.example", role: "employer_admin", createdAt: ago(200), lastSignInAt: ago(6), enterpriseSso: true },
  { id: "user_2emp02david", email: "david.moreau@contoso.example", role: "employer_admin", createdAt: ago(180), lastSignInAt: ago(9), twoFactor: true },
  { id: "user_2emp03kevin", email: "kevin.walsh@fabrikam.example", role: "employer_admin", createdAt: ago(95), lastSignInAt: ago(20), social: ["oauth_google"] },
  { id: "user_2cli01ana", email: "ana.silva@mail.example", role: "client", createdAt: ago(160), lastSignInAt: ago(1) },
  { id: "user_2cli02ben", email: "ben.turner@mail.example", role: "client", createdAt: ago(140), lastSignInAt: ago(8), social: ["oauth_google"] },
  { id: "user_2cli03chloe", email: "chloe.martin@mail.example", role: "client", createdAt: ago(120), lastSignInAt: ago(30), twoFactor: true },
  { id: "user_2cli04diego", email: "diego.ramos@mail.example", role: "client", createdAt: ago(90), lastSignInAt: ago(2), social: ["oauth_apple"] },
  { id: "user_2cli05emma", email: "emma.johansson@mail.example", role: "client", createdAt: ago(60), lastSignInAt: null },
  { id: "user_2cli06farid", email: "farid.nasser@northwind.example", role: "client", createdAt: ago(45), lastSignInAt: ago(5), locked: true },
  { id: "user_2cli07hana", email: "hana.sato@contoso.example", role: "client", createdAt: ago(20), lastSignInAt: ago(0, 1) },
  { id: "user_2sup01ivan", email: "ivan.petrov@mindbridge.example", role: "support", createdAt: ago(70), lastSignInAt: ago(1), twoFactor: true },
  { id: "user_2none01jo", email: "jo.brennan@mail.example", createdAt: ago(15), lastSignInAt: ago(14) },
];

const MEMBERSHIPS = [
  membershipJson({ id: "orgmem_2northwind01", userId: "user_2emp01rachel", orgId: "org_2northwind", orgSlug: "northwind", role: "org:admin", createdAt: ago(199) }),
  membershipJson({ id: "orgmem_2contoso01", userId: "user_2emp02david", orgId: "org_2contoso", orgSlug: "contoso", role: "org:admin", createdAt: ago(179) }),
  membershipJson({ id: "orgmem_2fabrikam01", userId: "user_2emp03kevin", orgId: "org_2fabrikam", orgSlug: "fabrikam", role: "org:admin", createdAt: ago(94) }),
  membershipJson({ id: "orgmem_2northwind02", userId: "user_2cli06farid", orgId: "org_2northwind", orgSlug: "northwind", role: "org:member", createdAt: ago(44) }),
  membershipJson({ id: "orgmem_2contoso02", userId: "user_2cli07hana", orgId: "org_2contoso", orgSlug: "contoso", role: "org:member", createdAt: ago(19) }),
];

async function main(): Promise<void> {
  const fake = await startFakeClerk({ secretKey: SECRET_KEY, users: USERS.map(userJson), memberships: MEMBERSHIPS });
  try {
    const shared = new Map<string, Promise<unknown>>();
    const output = await usersCollector.collect({
      source: clerkConfigSchema.parse({ api_url: fake.url }),
      args: undefined,
      env: { CLERK_SECRET_KEY: SECRET_KEY },
      now: NOW,
      classify: () => [],
      shared<T>(key: string, open: () => Promise<T>): Promise<T> {
        if (!shared.has(key)) shared.set(key, open());
        return shared.get(key) as Promise<T>;
      },
      debug: () => {},
      signal: new AbortController().signal,
    });

    const snapshot: Snapshot = {
      version: 1,
      takenAt: NOW.toISOString(),
      collectors: { "clerk.users": { collector: "clerk.users", status: "ok", resources: output.resources, coverage: output.coverage } },
    };
    const target = repoPath("demo/recorded/clerk.snapshot.json");
    await writeFile(target, `${JSON.stringify(snapshot, null, 2)}\n`);
    process.stdout.write(`wrote ${output.resources.length} users to ${target}\n`);
  } finally {
    await fake.close();
  }
}

// Compiled as documented above, this file runs from .tmp/record/demo/record/, so the repository
// root is the part of the path before .tmp/record; run from demo/record/ it is two folders up.
function repoPath(file: string): string {
  const scriptDir = path.dirname(fileURLToPath(import.meta.url));
  const marker = `${path.sep}.tmp${path.sep}record${path.sep}`;
  const root = scriptDir.includes(marker) ? scriptDir.slice(0, scriptDir.indexOf(marker)) : path.resolve(scriptDir, "../..");
  return path.join(root, file);
}

await main();
