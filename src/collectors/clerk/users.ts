import type { ClerkClient, OrganizationMembership, User } from "@clerk/backend";
import { CollectorError } from "../../errors.js";
import { resourceSchema, t } from "../schema.js";
import type { Collector, CollectContext, CoverageEntry, Resource } from "../types.js";
import { asResponseError, callClerk, openClerkClient, type ClerkCallOptions } from "./client.js";
import type { ClerkConfig } from "./index.js";
import { isoTime, maskEmail, mfaState, primaryEmail, readRole } from "./user-fields.js";

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

    const users = await listAllUsers(client, options, ctx.now);
    const memberships = await listMemberships(client, options);

    const resources = users.map((user) => toResource(user, ctx, memberships.byUser.get(user.id) ?? []));
    const coverage: CoverageEntry[] = [
      { source: "clerk", scope: "instance", api: "users", status: "read", detail: `${users.length} users` },
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

/**
 * Reads every user, oldest first, and checks the set against the instance's user count.
 *
 * Offset paging in creation order puts users created during the run at the end, so they are
 * read too. The count from the first page was taken at about the run's start: every user that
 * existed then must have been read, and the only users allowed beyond that count are ones created
 * after the run started (`now`). A user deleted mid-run shifts later pages and makes the check
 * fail, which is the intended outcome: an incomplete list is an error, never evidence.
 */
export async function listAllUsers(client: ClerkClient, options: ClerkCallOptions, now: Date): Promise<User[]> {
  const byId = new Map<string, User>();
  const first = await readUserPages(client, options, byId, 0);

  // The count runs beside the list request, so a user created between the two is counted but
  // not yet listed. One more pass over the tail picks such users up before judging.
  if (byId.size < first.startCount) await readUserPages(client, options, byId, first.nextOffset);

  checkComplete([...byId.values()], first.startCount, now);
  return [...byId.values()];
}

async function readUserPages(
  client: ClerkClient,
  options: ClerkCallOptions,
  byId: Map<string, User>,
  fromOffset: number,
): Promise<{ startCount: number; nextOffset: number }> {
  let startCount: number | undefined;
  let offset = fromOffset;
  for (;;) {
    const page = await callClerk(
      `listing users (offset ${offset})`,
      () => client.users.getUserList({ limit: PAGE_SIZE, offset, orderBy: "+created_at" }),
      options,
    );
    startCount ??= page.totalCount;
    for (const user of page.data) if (!byId.has(user.id)) byId.set(user.id, user);
    offset += page.data.length;
    if (page.data.length < PAGE_SIZE) return { startCount, nextOffset: offset };
  }
}

function checkComplete(users: User[], startCount: number, now: Date): void {
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

/** Converts a user to evidence: ids, role and sign-in facts, and the email only masked. */
export function toResource(user: User, ctx: CollectContext<ClerkConfig>, orgMemberships: Array<{ org: string; role: string }>): Resource {
  const role = readRole(user, ctx.source.role_path);
  const privilegedRoles = ctx.source.privileged_roles;
  const knownRoles = new Set([...ctx.source.known_roles, ...privilegedRoles]);
  const email = primaryEmail(user);

  return {
    id: user.id,
    classes: ctx.classify({ kind: "clerk-user", name: user.id, tags: role === null ? {} : { role } }),
    emailMasked: email === null ? null : maskEmail(email),
    role,
    roleKnown: role !== null && knownRoles.has(role),
    privileged: role !== null && privilegedRoles.includes(role),
    mfa: mfaState(user),
    twoFactorEnabled: user.twoFactorEnabled,
    lastSignInAt: isoTime(user.lastSignInAt),
    lastActiveAt: isoTime(user.lastActiveAt),
    createdAt: isoTime(user.createdAt)!,
    banned: user.banned,
    locked: user.locked,
    orgMemberships,
  };
}
