import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { clerkConfigSchema } from "../../../src/collectors/clerk/index.js";
import { usersCollector } from "../../../src/collectors/clerk/users.js";
import { CollectorError } from "../../../src/errors.js";
import { membershipJson, userJson, type FakeUserSpec } from "../../fakes/clerk/builders.js";
import { clerkError, startFakeClerk, tooManyRequests, type FakeClerk, type FakeClerkOptions } from "../../fakes/clerk/server.js";
import { clerkContext, SECRET_KEY } from "./context.js";

const DAY = 86_400_000;
const NOW = Date.parse("2026-03-15T12:00:00Z");

let fake: FakeClerk | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function serve(options: Omit<FakeClerkOptions, "secretKey">): Promise<FakeClerk> {
  fake = await startFakeClerk({ secretKey: SECRET_KEY, ...options });
  return fake;
}

function manyUsers(count: number): ReturnType<typeof userJson>[] {
  return Array.from({ length: count }, (_, index) => userJson({
    id: `user_${String(index).padStart(5, "0")}`,
    role: "client",
    createdAt: NOW - 400 * DAY + index * 60_000,
    lastSignInAt: NOW - DAY,
  }));
}

async function collectError(promise: Promise<unknown>): Promise<CollectorError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(CollectorError);
  return error as CollectorError;
}

function userPageRequests(server: FakeClerk) {
  return server.requests.filter((request) => request.path === "/v1/users");
}

describe("clerk.users paging", () => {
  it("reads two full pages and a short last page", async () => {
    const server = await serve({ users: manyUsers(1203) });

    const output = await usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW) }));

    expect(output.resources).toHaveLength(1203);
    expect(new Set(output.resources.map((resource) => resource.id)).size).toBe(1203);
    expect(output.resources[0]!.id).toBe("user_00000");
    expect(output.resources[1202]!.id).toBe("user_01202");
    const pages = userPageRequests(server);
    expect(pages.map((request) => request.query.get("offset"))).toEqual([null, "500", "1000"]);
    expect(pages.every((request) => request.query.get("limit") === "500")).toBe(true);
    expect(pages.every((request) => request.query.get("order_by") === "+created_at")).toBe(true);
  });

  it("stops after one request when the instance is small", async () => {
    const server = await serve({ users: manyUsers(3), latencyMs: 20 });

    const output = await usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW) }));

    expect(output.resources).toHaveLength(3);
    expect(userPageRequests(server)).toHaveLength(1);
  });

  it("deduplicates a user listed on two pages", async () => {
    const users = manyUsers(600);
    const server = await serve({
      users,
      onRequest: (request) => {
        // The second page starts one user early, repeating user 499.
        if (request.path === "/v1/users" && request.query.get("offset") === "500") {
          return { status: 200, body: users.slice(499, 600) };
        }
        return undefined;
      },
    });

    const output = await usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW) }));

    expect(output.resources).toHaveLength(600);
  });

  it("rejects a count that disagrees with the list", async () => {
    const users = manyUsers(700);
    const server = await serve({
      users,
      onRequest: (request) => (request.path === "/v1/users/count" ? { status: 200, body: { object: "total_count", total_count: 705 } } : undefined),
    });

    const error = await collectError(usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW) })));

    expect(error.code).toBe("SOC2_INCOMPLETE");
    expect(error.message).toContain("counted 705 users");
    expect(error.message).toContain("returned 700");
  });

  it("rejects a list that lost a user deleted mid-run", async () => {
    const server = await serve({
      users: manyUsers(700),
      onRequest: (request, current) => {
        if (request.path === "/v1/users" && request.query.get("offset") === "500" && current.users.length === 700) {
          current.users.splice(10, 1);
        }
        return undefined;
      },
    });

    const error = await collectError(usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW) })));

    expect(error.code).toBe("SOC2_INCOMPLETE");
  });

  it("accepts users created after the run started", async () => {
    const runStart = new Date();
    const server = await serve({
      users: manyUsers(1000).map((user, index) => ({ ...user, created_at: runStart.getTime() - 400 * DAY + index })),
      onRequest: (request, current) => {
        if (request.path === "/v1/users" && request.query.get("offset") === "500" && current.users.length === 1000) {
          for (const suffix of ["a", "b", "c"]) {
            current.users.push(userJson({ id: `user_new_${suffix}`, role: "client", createdAt: Date.now() }));
          }
        }
        return undefined;
      },
    });

    const output = await usersCollector.collect(clerkContext({ url: server.url, now: runStart }));

    expect(output.resources).toHaveLength(1003);
    expect(output.resources.slice(-3).map((resource) => resource.id)).toEqual(["user_new_a", "user_new_b", "user_new_c"]);
  });

  it("rereads the tail for a user counted but not yet listed", async () => {
    const runStart = new Date();
    let added = false;
    const server = await serve({
      users: manyUsers(4).map((user) => ({ ...user, created_at: runStart.getTime() - DAY })),
      onRequest: (request, current) => {
        if (request.path === "/v1/users/count" && !added) {
          added = true;
          current.users.push(userJson({ id: "user_late", role: "client", createdAt: Date.now() }));
          return { status: 200, body: { object: "total_count", total_count: current.users.length } };
        }
        // The first list request raced ahead of the new user.
        if (request.path === "/v1/users" && userPageRequests(current).length === 1) {
          return { status: 200, body: current.users.slice(0, 4) };
        }
        return undefined;
      },
    });

    const output = await usersCollector.collect(clerkContext({ url: server.url, now: runStart }));

    expect(output.resources.map((resource) => resource.id)).toContain("user_late");
    expect(output.resources).toHaveLength(5);
  });
});

/** Tracks how many requests the fake holds at once: arrived (logged on arrival) minus answered. */
function inFlightTracker() {
  let answered = 0;
  let most = 0;
  return {
    onRequest(_request: unknown, current: FakeClerk): undefined {
      most = Math.max(most, current.requests.length - answered);
      answered += 1;
      return undefined;
    },
    most: () => most,
  };
}

function offsetsOf(server: FakeClerk): number[] {
  return userPageRequests(server).map((request) => Number(request.query.get("offset") ?? "0"));
}

describe("clerk.users concurrent paging", () => {
  it("counts once and bounds pages in flight", async () => {
    const tracker = inFlightTracker();
    const server = await serve({ users: manyUsers(2300), latencyMs: 30, onRequest: tracker.onRequest });

    const output = await usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW), config: { concurrency: 3 } }));

    expect(output.resources.map((resource) => resource.id)).toEqual(manyUsers(2300).map((user) => user.id));
    expect(server.requests.filter((request) => request.path === "/v1/users/count")).toHaveLength(1);
    expect(offsetsOf(server).sort((a, b) => a - b)).toEqual([0, 500, 1000, 1500, 2000]);
    expect(tracker.most()).toBe(3);
  });

  it("reads serially at concurrency 1", async () => {
    const tracker = inFlightTracker();
    const server = await serve({ users: manyUsers(1400), latencyMs: 10, onRequest: tracker.onRequest });

    const output = await usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW), config: { concurrency: 1 } }));

    expect(output.resources).toHaveLength(1400);
    expect(offsetsOf(server)).toEqual([0, 500, 1000]);
    expect(tracker.most()).toBe(1);
  });

  it("keeps order when the first page arrives last", async () => {
    const users = manyUsers(1200);
    const server = await serve({ users });
    // A loopback relay in front of the fake that holds the first page back until the others are answered.
    let answered = 0;
    const relay = createServer((request, response) => {
      const first = request.url?.startsWith("/v1/users?") && !request.url.includes("offset=");
      const forward = async (): Promise<void> => {
        if (first) while (answered < 2) await new Promise((resolve) => setTimeout(resolve, 5));
        const upstream = await fetch(`${server.url}${request.url}`, { headers: { authorization: request.headers.authorization ?? "" } });
        const body = Buffer.from(await upstream.arrayBuffer());
        if (request.url?.startsWith("/v1/users?") && !first) answered += 1;
        response.writeHead(upstream.status, { "Content-Type": upstream.headers.get("content-type") ?? "application/json" });
        response.end(body);
      };
      void forward();
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));

    try {
      const url = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
      const output = await usersCollector.collect(clerkContext({ url, now: new Date(NOW), config: { concurrency: 3 } }));

      expect(output.resources.map((resource) => resource.id)).toEqual(users.map((user) => user.id));
      expect(answered).toBe(2);
    } finally {
      relay.closeAllConnections();
      await new Promise((resolve) => relay.close(resolve));
    }
  });

  it("appends users created during concurrent paging", async () => {
    const runStart = new Date();
    const before = manyUsers(1000).map((user, index) => ({ ...user, created_at: runStart.getTime() - 400 * DAY + index }));
    const server = await serve({
      users: before,
      latencyMs: 10,
      onRequest: (request, current) => {
        if (request.path === "/v1/users" && request.query.get("offset") === "500" && current.users.length === 1000) {
          for (let index = 0; index < 600; index++) {
            current.users.push(userJson({ id: `user_new_${String(index).padStart(3, "0")}`, role: "client", createdAt: Date.now() + index }));
          }
        }
        return undefined;
      },
    });

    const output = await usersCollector.collect(clerkContext({ url: server.url, now: runStart, config: { concurrency: 4 } }));

    expect(output.resources).toHaveLength(1600);
    expect(output.resources.slice(0, 1000).map((resource) => resource.id)).toEqual(manyUsers(1000).map((user) => user.id));
    expect(output.resources.at(-1)!.id).toBe("user_new_599");
    expect(offsetsOf(server).sort((a, b) => a - b)).toEqual([0, 500, 1000, 1500]);
    expect(server.requests.filter((request) => request.path === "/v1/users/count")).toHaveLength(1);
  });

  it("rejects a user deleted during concurrent paging", async () => {
    const server = await serve({
      users: manyUsers(2000),
      latencyMs: 10,
      onRequest: (request, current) => {
        if (request.path === "/v1/users" && request.query.get("offset") === "1500" && current.users.length === 2000) current.users.splice(10, 1);
        return undefined;
      },
    });

    const error = await collectError(usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW), config: { concurrency: 4 } })));

    expect(error.code).toBe("SOC2_INCOMPLETE");
    expect(error.message).toContain("counted 2000 users");
  });

  it("pauses every page after a 429", async () => {
    const served: Array<{ offset: number; at: number; status: number }> = [];
    let throttled = false;
    const server = await serve({
      users: manyUsers(3000),
      onRequest: (request) => {
        if (request.path !== "/v1/users") return undefined;
        const offset = Number(request.query.get("offset") ?? "0");
        if (offset === 500 && !throttled) {
          throttled = true;
          served.push({ offset, at: Date.now(), status: 429 });
          return tooManyRequests(1);
        }
        served.push({ offset, at: Date.now(), status: 200 });
        return undefined;
      },
    });

    const output = await usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW), config: { concurrency: 2 } }));

    expect(output.resources.map((resource) => resource.id)).toEqual(manyUsers(3000).map((user) => user.id));
    const limited = served.find((entry) => entry.status === 429)!;
    // A page already on its way when the 429 was answered may still arrive; no new one until Retry-After has passed.
    const waits = served.filter((entry) => entry.at > limited.at).map((entry) => entry.at - limited.at);
    expect(waits.filter((wait) => wait > 100 && wait < 950)).toEqual([]);
    expect(waits.filter((wait) => wait >= 950).length).toBeGreaterThanOrEqual(4);
  });

  it("fails whole when one page stays throttled", async () => {
    const server = await serve({
      users: manyUsers(5000),
      onRequest: (request) => (request.path === "/v1/users" && request.query.get("offset") === "1000" ? tooManyRequests(1) : undefined),
    });

    const error = await collectError(usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW), config: { concurrency: 2, max_attempts: 2 } })));

    expect(error.code).toBe("too_many_requests");
    expect(error.message).toContain("offset 1000");
    expect(Math.max(...offsetsOf(server))).toBeLessThan(3000);
  });
});

describe("clerk.users rate limits", () => {
  it("retries a 429 after its Retry-After", async () => {
    let throttled = 0;
    const server = await serve({
      users: manyUsers(520),
      onRequest: (request) => {
        if (request.path === "/v1/users" && request.query.get("offset") === "500" && throttled < 1) {
          throttled += 1;
          return tooManyRequests(1);
        }
        return undefined;
      },
    });

    const started = Date.now();
    const output = await usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW) }));

    expect(output.resources).toHaveLength(520);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(userPageRequests(server).map((request) => request.query.get("offset"))).toEqual([null, "500", "500"]);
  });

  it("fails when the 429 never clears", async () => {
    const server = await serve({
      users: manyUsers(520),
      onRequest: (request) => (request.path === "/v1/users" && request.query.get("offset") === "500" ? tooManyRequests(1) : undefined),
    });

    const error = await collectError(usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW), config: { max_attempts: 2 } })));

    expect(error.code).toBe("too_many_requests");
    expect(error.message).toContain("still rate limited after 2 attempts");
    expect(userPageRequests(server).filter((request) => request.query.get("offset") === "500")).toHaveLength(2);
  });

  it("fails at once when Retry-After is over the limit", async () => {
    const server = await serve({
      users: manyUsers(3),
      onRequest: (request) => (request.path === "/v1/users" ? tooManyRequests(600) : undefined),
    });

    const error = await collectError(usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW) })));

    expect(error.code).toBe("too_many_requests");
    expect(error.message).toContain("Retry-After 600s");
    expect(userPageRequests(server)).toHaveLength(1);
  });

  it("uses rate_limited for a 429 without a Clerk code", async () => {
    const server = await serve({
      users: manyUsers(3),
      onRequest: (request) => (request.path === "/v1/users" ? { status: 429, body: {}, headers: { "Retry-After": "1" } } : undefined),
    });

    const error = await collectError(usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW), config: { max_attempts: 1 } })));

    expect(error.code).toBe("rate_limited");
  });
});

describe("clerk.users credentials and errors", () => {
  it("reports a missing secret key", async () => {
    const error = await collectError(usersCollector.collect(clerkContext({ url: "http://127.0.0.1:9", env: {} })));

    expect(error.code).toBe("SOC2_CREDENTIALS_MISSING");
    expect(error.message).toContain("CLERK_SECRET_KEY");
  });

  it("reads the key from the configured variable", async () => {
    const server = await serve({ users: manyUsers(2) });
    const ctx = clerkContext({ url: server.url, now: new Date(NOW), config: { secret_key_env: "OTHER_CLERK_KEY" }, env: { OTHER_CLERK_KEY: SECRET_KEY } });

    const output = await usersCollector.collect(ctx);

    expect(output.resources).toHaveLength(2);
  });

  it("reports Clerk's code for a rejected key", async () => {
    const server = await serve({ users: manyUsers(2) });

    const error = await collectError(usersCollector.collect(clerkContext({ url: server.url, env: { CLERK_SECRET_KEY: "sk_test_wrong" } })));

    expect(error.code).toBe("authentication_invalid");
    expect(error.message).toContain("HTTP 401");
    expect(error.message).not.toContain("sk_test_wrong");
  });

  it("takes the API URL from CLERK_API_URL", async () => {
    const server = await serve({ users: manyUsers(2) });

    const output = await usersCollector.collect(clerkContext({ now: new Date(NOW), env: { CLERK_SECRET_KEY: SECRET_KEY, CLERK_API_URL: server.url } }));

    expect(output.resources).toHaveLength(2);
    expect(server.requests.length).toBeGreaterThan(0);
  });

  it("reports an unreachable API as an error", async () => {
    const server = await serve({ users: [] });
    const url = server.url;
    await server.close();
    fake = undefined;

    const error = await collectError(usersCollector.collect(clerkContext({ url })));

    expect(error.code).toBe("unexpected_error");
  });
});

describe("clerk source configuration", () => {
  it("fills the defaults", () => {
    const config = clerkConfigSchema.parse({});

    expect(config.secret_key_env).toBe("CLERK_SECRET_KEY");
    expect(config.role_path).toBe("publicMetadata.role");
    expect(config.privileged_roles).toEqual(["therapist", "admin", "employer_admin"]);
    expect(config.max_attempts).toBe(5);
    expect(config.concurrency).toBe(4);
    expect(config.api_url).toBeUndefined();
  });

  it.each([
    [{ role_path: "unsafeMetadata.role" }, "unsafeMetadata"],
    [{ role_path: "role" }, "dotted path"],
    [{ secret_key: "sk_live_x" }, "secret_key"],
    [{ api_url: "file:///etc/passwd" }, "api_url"],
    [{ max_attempts: 0 }, "max_attempts"],
    [{ concurrency: 0 }, "concurrency"],
    [{ concurrency: 17 }, "concurrency"],
  ])("rejects %j", (input, expected) => {
    const result = clerkConfigSchema.safeParse(input);

    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(expected);
  });
});

describe("clerk.users organization memberships", () => {
  const users = [
    userJson({ id: "user_a", role: "employer_admin", createdAt: NOW - 10 * DAY, twoFactor: true }),
    userJson({ id: "user_b", role: "client", createdAt: NOW - 9 * DAY }),
  ];

  it("attaches each user's memberships", async () => {
    const server = await serve({
      users,
      memberships: [
        membershipJson({ id: "orgmem_1", userId: "user_a", orgId: "org_acme", role: "org:admin", createdAt: NOW - 5 * DAY }),
        membershipJson({ id: "orgmem_2", userId: "user_b", orgId: "org_acme", role: "org:member", createdAt: NOW - 4 * DAY }),
        membershipJson({ id: "orgmem_3", userId: "user_a", orgId: "org_beta", role: "org:member", createdAt: NOW - 3 * DAY }),
      ],
    });

    const output = await usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW) }));

    const byId = new Map(output.resources.map((resource) => [resource.id, resource]));
    expect(byId.get("user_a")!.orgMemberships).toEqual([{ org: "org_acme", role: "org:admin" }, { org: "org_beta", role: "org:member" }]);
    expect(byId.get("user_b")!.orgMemberships).toEqual([{ org: "org_acme", role: "org:member" }]);
    expect(server.requests.some((request) => request.path === "/v1/organization_memberships" && request.query.get("limit") === "500")).toBe(true);
  });

  it("treats a disabled organizations feature as no memberships", async () => {
    const server = await serve({
      users,
      memberships: { fail: clerkError(403, "organization_not_enabled_in_instance", "access denied", "The organizations feature is not enabled for this instance.") },
    });

    const output = await usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW) }));

    expect(output.resources.map((resource) => resource.orgMemberships)).toEqual([[], []]);
    expect(output.coverage?.find((entry) => entry.api === "organization_memberships")?.detail).toContain("not enabled");
  });

  it("treats a 404 as no memberships", async () => {
    const server = await serve({ users, memberships: { fail: clerkError(404, "resource_not_found", "not found") } });

    const output = await usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW) }));

    expect(output.resources.map((resource) => resource.orgMemberships)).toEqual([[], []]);
  });

  it.each([
    [403, "authorization_invalid"],
    [500, "internal_clerk_error"],
  ])("fails on a %i from the memberships endpoint", async (status, code) => {
    const server = await serve({ users, memberships: { fail: clerkError(status, code, "failed") } });

    const error = await collectError(usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW) })));

    expect(error.code).toBe(code);
    expect(error.message).toContain(`HTTP ${status}`);
  });
});

describe("clerk.users resource fields", () => {
  const specs: FakeUserSpec[] = [
    { id: "user_admin_mfa", email: "jane.admin@example.com", role: "admin", createdAt: NOW - 300 * DAY, lastSignInAt: NOW - DAY, twoFactor: true },
    { id: "user_therapist_sso", email: "tom@example-employer.com", role: "therapist", createdAt: NOW - 200 * DAY, lastSignInAt: NOW - 2 * DAY, enterpriseSso: true },
    { id: "user_sso_with_password", role: "therapist", createdAt: NOW - 200 * DAY, lastSignInAt: NOW - 2 * DAY, enterpriseSso: true, password: true },
    { id: "user_sso_with_phone", role: "therapist", createdAt: NOW - 200 * DAY, lastSignInAt: NOW - 2 * DAY, enterpriseSso: true, phone: "+15555550100" },
    { id: "user_sso_with_passkey", role: "therapist", createdAt: NOW - 200 * DAY, lastSignInAt: NOW - 2 * DAY, enterpriseSso: true, passkeys: 1 },
    { id: "user_google", role: "employer_admin", createdAt: NOW - 100 * DAY, lastSignInAt: NOW - 3 * DAY, social: ["oauth_google"] },
    { id: "user_google_mfa", role: "employer_admin", createdAt: NOW - 100 * DAY, lastSignInAt: NOW - 3 * DAY, social: ["oauth_google"], twoFactor: true },
    { id: "user_never", role: "therapist", createdAt: NOW - 120 * DAY, lastSignInAt: null },
    { id: "user_banned_admin", role: "admin", createdAt: NOW - 500 * DAY, lastSignInAt: NOW - 200 * DAY, banned: true },
    { id: "user_locked_therapist", role: "therapist", createdAt: NOW - 50 * DAY, lastSignInAt: NOW - 5 * DAY, locked: true, twoFactor: true },
    { id: "user_unknown_role", role: "superuser", createdAt: NOW - 40 * DAY, lastSignInAt: NOW - DAY },
    { id: "user_no_role", createdAt: NOW - 30 * DAY, lastSignInAt: NOW - DAY },
    { id: "user_numeric_role", publicMetadata: { role: 7 }, createdAt: NOW - 20 * DAY },
    { id: "user_no_email", email: null, role: "client", createdAt: NOW - 10 * DAY },
  ];

  async function collectFields() {
    const server = await serve({ users: specs.map(userJson) });
    const output = await usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW) }));
    return new Map(output.resources.map((resource) => [resource.id, resource]));
  }

  it("maps a second factor to second-factor", async () => {
    const users = await collectFields();

    expect(users.get("user_admin_mfa")!.mfa).toBe("second-factor");
    expect(users.get("user_admin_mfa")!.twoFactorEnabled).toBe(true);
    expect(users.get("user_google_mfa")!.mfa).toBe("second-factor");
  });

  it("maps SSO-only sign-in to enterprise-sso", async () => {
    const users = await collectFields();

    expect(users.get("user_therapist_sso")!.mfa).toBe("enterprise-sso");
    expect(users.get("user_therapist_sso")!.twoFactorEnabled).toBe(false);
  });

  it.each(["user_sso_with_password", "user_sso_with_phone", "user_sso_with_passkey", "user_google", "user_never"])(
    "maps %s to none",
    async (id) => {
      const users = await collectFields();

      expect(users.get(id)!.mfa).toBe("none");
    },
  );

  it("keeps sign-in times and creation as ISO timestamps", async () => {
    const users = await collectFields();

    expect(users.get("user_admin_mfa")!.lastSignInAt).toBe(new Date(NOW - DAY).toISOString());
    expect(users.get("user_admin_mfa")!.lastActiveAt).toBe(new Date(NOW - DAY).toISOString());
    expect(users.get("user_admin_mfa")!.createdAt).toBe(new Date(NOW - 300 * DAY).toISOString());
    expect(users.get("user_never")!.lastSignInAt).toBeNull();
    expect(users.get("user_never")!.lastActiveAt).toBeNull();
  });

  it("reads role, privilege and known role", async () => {
    const users = await collectFields();

    expect(users.get("user_admin_mfa")).toMatchObject({ role: "admin", roleKnown: true, privileged: true });
    expect(users.get("user_no_email")).toMatchObject({ role: "client", roleKnown: true, privileged: false });
    expect(users.get("user_unknown_role")).toMatchObject({ role: "superuser", roleKnown: false, privileged: false });
    expect(users.get("user_no_role")).toMatchObject({ role: null, roleKnown: false, privileged: false });
    expect(users.get("user_numeric_role")).toMatchObject({ role: null, roleKnown: false });
  });

  it("reads banned and locked", async () => {
    const users = await collectFields();

    expect(users.get("user_banned_admin")).toMatchObject({ banned: true, locked: false, privileged: true });
    expect(users.get("user_locked_therapist")).toMatchObject({ banned: false, locked: true, privileged: true });
  });

  it("masks emails and keeps no full address", async () => {
    const users = await collectFields();

    expect(users.get("user_admin_mfa")!.emailMasked).toBe("j***@example.com");
    expect(users.get("user_therapist_sso")!.emailMasked).toBe("t***@example-employer.com");
    expect(users.get("user_no_email")!.emailMasked).toBeNull();
    const text = JSON.stringify([...users.values()]);
    expect(text).not.toContain("jane.admin");
    expect(text).not.toContain("tom@");
    expect(text).not.toContain("+1555");
  });

  it("gives every resource every declared field", async () => {
    const users = await collectFields();
    const declared = Object.keys(usersCollector.schema instanceof Function ? {} : usersCollector.schema.fields).sort();

    for (const resource of users.values()) {
      expect(Object.keys(resource).sort()).toEqual(declared);
    }
  });

  it("reads the role from a configured path", async () => {
    const server = await serve({ users: [userJson({ id: "user_private", privateMetadata: { access: { role: "admin" } }, createdAt: NOW - DAY })] });

    const output = await usersCollector.collect(clerkContext({ url: server.url, now: new Date(NOW), config: { role_path: "privateMetadata.access.role" } }));

    expect(output.resources[0]).toMatchObject({ role: "admin", privileged: true });
  });
});
