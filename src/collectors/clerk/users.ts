import type { ClerkClient, OrganizationMembership, User } from "@clerk/backend";
import { CollectorError } from "../../errors.js";
import { resourceSchema, t } from "../schema.js";
import type { Collector, CollectContext, CoverageEntry, Resource } from "../types.js";
import { asResponseError, callClerk, openClerkClient, type ClerkCallOptions } from "./client.js";
import type { ClerkConfig } from "./index.js";
import { isoTime, maskEmail, mfaState, namesRole, primaryEmail, readRoleValue, roleText } from "./user-fields.js";

/** The Backend API's largest page for users and memberships (`limit` accepts 1 to 500). */
export const PAGE_SIZE = 500;

export const usersSchema = resourceSchema({
  emailMasked: t.nullable(t.string()),
  role: t.nullable(t.string()),
  roleKnown: t.bool(),
  privileged: t.bool(),
  mfa: t.string(),
  twoFactorEnabled: t.bool(),
  lastSignInAt: t.nullable(t.timestamp()),
  lastActiveAt: t.nullable(t.timestamp()),
  createdAt: t.timestamp(),
  banned: t.bool(),
  locked: t.bool(),
  orgMemberships: t.list(t.object({ org: t.string(), role: t.string() })),
});

export const usersCollector: Collector<ClerkConfig> = {
  id: "clerk.users",
  title: "Clerk users: role, MFA state, last sign-in, ban and lock",
  source: "clerk",
  schema: usersSchema,
  async collect(ctx) {
    const client = await sharedClient(ctx);
    const options = callOptions(ctx);

    // Memberships first, so each page of users becomes resources as it arrives and the SDK's
    // user objects (with their raw JSON) are dropped page by page.
    const memberships = await listMemberships(client, options);
    const convert = resourceConverter(ctx);
    const resources = await listAllUsers(client, options, ctx.now, {
      concurrency: ctx.source.concurrency,
      convert: (user) => convert(user, memberships.byUser.get(user.id) ?? []),
    });
    const coverage: CoverageEntry[] = [
      { source: "clerk", scope: "instance", api: "users", status: "read", detail: `${resources.length} users` },
      memberships.enabled
        ? { source: "clerk", scope: "instance", api: "organization_memberships", status: "read", detail: `${memberships.count} memberships` }
        : { source: "clerk", scope: "instance", api: "organization_memberships", status: "read", detail: "organizations are not enabled on this instance" },
    ];
    return { resources, coverage };
  },
};

export function sharedClient(ctx: CollectContext<ClerkConfig>): Promise<ClerkClient> {
  return ctx.shared("clerk", () => openClerkClient(ctx.source, ctx.env));
}

export function callOptions(ctx: CollectContext<ClerkConfig>): ClerkCallOptions {
  return {
    maxAttempts: ctx.source.max_attempts,
    maxRetryAfterSeconds: ctx.source.max_retry_after_seconds,
    signal: ctx.signal,
    debug: ctx.debug,
  };
}

export interface UserListOptions<T> {
  /** Pages read at once after the count. */
  concurrency: number;
  /** Called once per user as its page arrives; the SDK object is not kept. */
  convert(user: User): T;
}

/** A listed user, reduced to what paging and the completeness check need. */
interface Listed<T> {
  id: string;
  createdAt: number;
  value: T;
}

/**
 * Reads every user, oldest first, and checks the set against the instance's user count.
 *
 * The count is taken once, before any page, at about the run's start. Its value fixes the
 * offsets of every page, so the pages are read concurrently (at most `concurrency` at once) and
 * put back in offset order. Offset paging in creation order puts users created during the run at
 * the end. So when the last page is full, or fewer users than counted came back, the tail is
 * read on until a short page. Every user that existed at the count must have been read, and the only
 * users allowed beyond the count are ones created after the run started (`now`). A user deleted
 * mid-run shifts later pages and makes the check fail, which is the intended outcome: an
 * incomplete list is an error, never evidence. Any page that fails after its retries fails the
 * whole listing, so no partial list is ever returned.
 */
export async function listAllUsers<T>(client: ClerkClient, options: ClerkCallOptions, now: Date, list: UserListOptions<T>): Promise<T[]> {
  const readPage = userPageReader(client);
  const pause = options.pause ?? { until: 0 };
  const startCount = await callClerk("counting users", () => client.users.getCount(), { ...options, pause });

  const planned = Math.max(1, Math.ceil(startCount / PAGE_SIZE));
  const pages = await readPagesConcurrently(planned, list.concurrency, options, async (index, signal) => {
    const offset = index * PAGE_SIZE;
    const users = await callClerk(`listing users (offset ${offset})`, () => readPage(offset), { ...options, pause, signal });
    return users.map((user): Listed<T> => ({ id: user.id, createdAt: user.createdAt, value: list.convert(user) }));
  });

  const byId = new Map<string, Listed<T>>();
  const keep = (page: Array<Listed<T>>): void => {
    for (const user of page) if (!byId.has(user.id)) byId.set(user.id, user);
  };
  for (const page of pages) keep(page);

  // The tail: users created since the count, and any page boundary the count did not foresee.
  let last = pages[pages.length - 1]!;
  let offset = (pages.length - 1) * PAGE_SIZE + last.length;
  while (last.length === PAGE_SIZE || byId.size < startCount) {
    const from = offset;
    const users = await callClerk(`listing users (offset ${from})`, () => readPage(from), { ...options, pause });
    last = users.map((user): Listed<T> => ({ id: user.id, createdAt: user.createdAt, value: list.convert(user) }));
    keep(last);
    offset += last.length;
    if (last.length < PAGE_SIZE) break;
  }

  checkComplete([...byId.values()], startCount, now);
  return [...byId.values()].map((user) => user.value);
}

/** The SDK's `request` function of the users API, as `getUserList` uses it. */
type SdkRequest = (options: { method: "GET"; path: string; queryParams: Record<string, unknown> }) => Promise<User[]>;

/**
 * Reads one page of `GET /v1/users` through the SDK's own request function: the same
 * authentication, error type and `User` objects as `getUserList`, without the count request
 * `getUserList` sends beside every page. The function is a protected member of the SDK's API
 * classes, so its absence (a changed SDK) is reported rather than worked around.
 */
function userPageReader(client: ClerkClient): (offset: number) => Promise<User[]> {
  const users = client.users as unknown as { request?: SdkRequest };
  const request = users.request;
  if (typeof request !== "function") {
    throw new CollectorError("SOC2_SDK_UNSUPPORTED", "this version of @clerk/backend has no request function on its users API; the user list cannot be read page by page");
  }
  return (offset) => request.call(users, { method: "GET", path: "/users", queryParams: { limit: PAGE_SIZE, offset, orderBy: "+created_at" } });
}

/**
 * Runs `read` for page indexes 0 to count - 1, at most `concurrency` at once, and returns the
 * pages in index order. The first failure stops the rest: pages not started are not sent, and
 * the ones waiting out a Retry-After are aborted.
 */
async function readPagesConcurrently<P>(
  count: number,
  concurrency: number,
  options: ClerkCallOptions,
  read: (index: number, signal: AbortSignal) => Promise<P>,
): Promise<P[]> {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(options.signal!.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const pages = new Array<P>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && !stop.signal.aborted) {
      const index = next++;
      pages[index] = await read(index, stop.signal);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, () => worker().catch((error: unknown) => {
      stop.abort(error);
      throw error;
    })));
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  return pages;
}

function checkComplete(users: Array<Listed<unknown>>, startCount: number, now: Date): void {
  const createdBefore = users.filter((user) => user.createdAt <= now.getTime()).length;
  const createdAfter = users.length - createdBefore;
  if (createdBefore <= startCount && startCount <= createdBefore + createdAfter) return;

  throw new CollectorError(
    "SOC2_INCOMPLETE",
    `the user list is incomplete: Clerk counted ${startCount} users at the start of the run but the listing returned ${users.length} `
      + `(${createdBefore} created before the run started, ${createdAfter} after); users may have been deleted during the run, run the collection again`,
  );
}

interface Memberships {
  enabled: boolean;
  count: number;
  byUser: Map<string, Array<{ org: string; role: string }>>;
}

/**
 * Reads every organization membership of the instance. An instance without the organizations
 * feature returns `organization_not_enabled_in_instance` (or 404 from a proxy): no user has a
 * membership then. Any other failure, a 403 included, is an error.
 */
export async function listMemberships(client: ClerkClient, options: ClerkCallOptions): Promise<Memberships> {
  const byId = new Map<string, OrganizationMembership>();
  let offset = 0;
  let total = 0;

  try {
    for (;;) {
      const page = await callClerk(
        `listing organization memberships (offset ${offset})`,
        () => client.organizations.getInstanceOrganizationMembershipList({ limit: PAGE_SIZE, offset, orderBy: "+created_at" }),
        options,
      );
      total = page.totalCount;
      for (const membership of page.data) byId.set(membership.id, membership);
      offset += page.data.length;
      if (page.data.length < PAGE_SIZE) break;
    }
  } catch (error) {
    if (organizationsDisabled(error)) return { enabled: false, count: 0, byUser: new Map() };
    throw error;
  }

  if (byId.size < total) {
    throw new CollectorError(
      "SOC2_INCOMPLETE",
      `the organization membership list is incomplete: Clerk counted ${total} memberships but the listing returned ${byId.size}; run the collection again`,
    );
  }

  const byUser = new Map<string, Array<{ org: string; role: string }>>();
  for (const membership of byId.values()) {
    const userId = membership.publicUserData?.userId;
    if (!userId) continue;
    const list = byUser.get(userId) ?? [];
    list.push({ org: membership.organization.id, role: membership.role });
    byUser.set(userId, list);
  }
  for (const list of byUser.values()) list.sort((a, b) => a.org.localeCompare(b.org) || a.role.localeCompare(b.role));
  return { enabled: true, count: byId.size, byUser };
}

function organizationsDisabled(error: unknown): boolean {
  const response = asResponseError((error as { cause?: unknown }).cause);
  if (response === undefined) return false;
  if (response.status === 404) return true;
  return response.errors?.some((entry) => entry.code === "organization_not_enabled_in_instance") ?? false;
}

/**
 * Returns the conversion of a user to evidence: ids, role and sign-in facts, and the email only
 * masked. The role sets are built once for all users.
 */
export function resourceConverter(ctx: CollectContext<ClerkConfig>): (user: User, orgMemberships: Array<{ org: string; role: string }>) => Resource {
  const privilegedRoles = new Set(ctx.source.privileged_roles.map((role) => role.toLowerCase()));
  const knownRoles = new Set([...ctx.source.known_roles, ...ctx.source.privileged_roles]);
  return (user, orgMemberships) => {
    const roleValue = readRoleValue(user, ctx.source.role_path);
    const role = roleText(roleValue);
    const email = primaryEmail(user);
    return {
      id: user.id,
      classes: ctx.classify({ kind: "clerk-user", name: user.id, tags: role === null ? {} : { role } }),
      emailMasked: email === null ? null : maskEmail(email),
      role,
      roleKnown: role !== null && knownRoles.has(role),
      privileged: namesRole(roleValue, privilegedRoles),
      mfa: mfaState(user),
      twoFactorEnabled: user.twoFactorEnabled,
      lastSignInAt: isoTime(user.lastSignInAt),
      lastActiveAt: isoTime(user.lastActiveAt),
      createdAt: isoTime(user.createdAt)!,
      banned: user.banned,
      locked: user.locked,
      orgMemberships,
    };
  };
}
