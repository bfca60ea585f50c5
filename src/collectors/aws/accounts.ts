import { CollectorError } from "../../errors.js";
import type { FieldType, ObjectType } from "../schema.js";
import type { CollectContext, CollectorOutput, CoverageEntry, Resource } from "../types.js";
import type { AwsConfig } from "./config.js";
import { toCollectorError } from "./errors.js";
import { Limiter } from "./limiter.js";
import { AwsSession, openSession, SESSION_KEY, type CredentialsProvider } from "./session.js";

/** Accounts read at once when `account_concurrency` is absent. */
const DEFAULT_ACCOUNT_CONCURRENCY = 4;

/** Session name of the assumed roles, as CloudTrail in the member account records it. */
const ROLE_SESSION_NAME = "soc2";

/**
 * Assumed-role credentials are renewed this long before they expire. The SDK clients ask again
 * within the same margin (EXPIRATION_MS in @smithy/core 3), so they never get stale ones back.
 */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** Accounts per ListAccounts page; 20 is the API's maximum. */
const ORGANIZATIONS_PAGE_SIZE = 20;

/** Reads one account: the collector's single-account reader, given a context whose session is that account's. */
export type AccountReader = (ctx: CollectContext<AwsConfig>) => Promise<CollectorOutput>;

/** The collector a many-account read is for: its id names failed reads in coverage, its schema shapes their placeholders. */
export interface AccountCollector {
  id: string;
  schema: ObjectType;
}

interface AccountTarget {
  id: string;
  roleArn?: string;
  externalId?: string;
}

/** The accounts of a run, resolved once and shared by every AWS collector. */
interface AccountPlan {
  targets: AccountTarget[];
  coverage: CoverageEntry[];
  warnings: string[];
}

interface AccountOutcome {
  target: AccountTarget;
  coverage: CoverageEntry[];
  output?: CollectorOutput;
  /** The placeholder that stands for an account that could not be read. */
  unread?: Resource;
}

/**
 * Runs `read` in every configured or discovered account and merges the results. Without
 * `accounts` or `organizations` in the configuration it reads the credentials' own account only.
 *
 * An account whose role cannot be assumed, or whose read fails as a whole, stays in the result as
 * one resource with `_error` (id `arn:<partition>:iam::<account>:root`). The engine reports such
 * a resource as `error` for every control on this collector, so a lost account can turn a pass
 * into an error but never disappear. Missing credentials of the source itself still fail the whole collector.
 */
export async function collectAccounts(ctx: CollectContext<AwsConfig>, collector: AccountCollector, read: AccountReader): Promise<CollectorOutput> {
  if (!ctx.source.accounts && !ctx.source.organizations) return read(ctx);

  const management = await openSession(ctx);
  const plan = await ctx.shared("aws:account-plan", () => planAccounts(ctx, management));
  const limiter = await ctx.shared("aws:account-limiter", async () => new Limiter(ctx.source.account_concurrency ?? DEFAULT_ACCOUNT_CONCURRENCY));
  const outcomes = await Promise.all(plan.targets.map((target) => limiter.run(() => readAccount(ctx, management, target, collector, read))));
  return mergeOutcomes(plan, outcomes);
}

async function planAccounts(ctx: CollectContext<AwsConfig>, management: AwsSession): Promise<AccountPlan> {
  if (ctx.source.accounts) {
    const targets = ctx.source.accounts.map((account) => ({ id: account.id, roleArn: account.role_arn, externalId: account.external_id }));
    return { targets, coverage: [], warnings: [] };
  }
  return discoverAccounts(ctx, management);
}

/**
 * Lists the organization's accounts with organizations:ListAccounts, every page. Only ACTIVE
 * accounts can be assumed; the others are named in a warning. A failure here fails the collector,
 * because without the list no result could show which accounts went unread.
 */
async function discoverAccounts(ctx: CollectContext<AwsConfig>, management: AwsSession): Promise<AccountPlan> {
  const organizations = ctx.source.organizations!;
  const { ListAccountsCommand } = await import("@aws-sdk/client-organizations");
  const client = await management.client("organizations", ctx.source.regions[0]!);
  const targets: AccountTarget[] = [];
  const warnings: string[] = [];
  let calls = 0;
  let listed = 0;
  let token: string | undefined;
  do {
    let page;
    try {
      page = await management.call(() => client.send(new ListAccountsCommand({ MaxResults: ORGANIZATIONS_PAGE_SIZE, NextToken: token }), { abortSignal: ctx.signal }));
    } catch (error) {
      throw toCollectorError(error, "organizations:ListAccounts", `the organization of account ${management.accountId}`);
    }
    calls += 1;
    for (const account of page.Accounts ?? []) {
      if (!account.Id) continue;
      listed += 1;
      // State replaces the deprecated Status; an older endpoint may send only Status.
      const state = account.State ?? account.Status ?? "UNKNOWN";
      if (state !== "ACTIVE") {
        warnings.push(`account ${account.Id} is ${state} in the organization and was not read`);
        continue;
      }
      const roleArn = `arn:${management.partition}:iam::${account.Id}:role/${organizations.role_name}`;
      targets.push({ id: account.Id, roleArn, externalId: organizations.external_id });
    }
    token = page.NextToken;
  } while (token);

  const coverage: CoverageEntry = {
    source: "aws",
    scope: management.accountId,
    api: "organizations:ListAccounts",
    status: "read",
    detail: `${calls} ${calls === 1 ? "call" : "calls"}, ${listed} accounts, ${targets.length} active`,
  };
  return { targets, coverage: [coverage], warnings };
}

async function readAccount(
  ctx: CollectContext<AwsConfig>,
  management: AwsSession,
  target: AccountTarget,
  collector: AccountCollector,
  read: AccountReader,
): Promise<AccountOutcome> {
  const accountCtx = accountContext(ctx, target);
  const access = target.roleArn ? "sts:AssumeRole" : "sts:GetCallerIdentity";

  // The session is shared under the account's own key, so the role is assumed once per run and
  // the reader's openSession finds this session instead of opening one with the default credentials.
  try {
    await accountCtx.shared(SESSION_KEY, () => openAccountSession(ctx, management, target), async (session) => {
      if (session !== management) await session.destroy();
    });
  } catch (error) {
    const failure = accountFailure(error);
    return { target, coverage: [{ source: "aws", scope: target.id, api: access, status: "error", detail: failure.message }], unread: unreadAccount(collector.schema, management.partition, target.id, failure) };
  }

  const accessEntry: CoverageEntry = { source: "aws", scope: target.id, api: access, status: "read", detail: target.roleArn ?? "the source's own credentials" };
  try {
    const output = await read(accountCtx);
    return { target, coverage: [accessEntry, ...(output.coverage ?? [])], output };
  } catch (error) {
    const failure = accountFailure(error);
    const readEntry: CoverageEntry = { source: "aws", scope: target.id, api: collector.id, status: "error", detail: failure.message };
    return { target, coverage: [accessEntry, readEntry], unread: unreadAccount(collector.schema, management.partition, target.id, failure) };
  }
}

/** An account's failure, unless it is one the whole collector must report (missing credentials, a bug). */
function accountFailure(error: unknown): CollectorError {
  if (!(error instanceof CollectorError) || error.code === "SOC2_CREDENTIALS_MISSING") throw error;
  return error;
}

/** Narrows the run's context to one account: its own shared values and its id in the configuration. */
function accountContext(ctx: CollectContext<AwsConfig>, target: AccountTarget): CollectContext<AwsConfig> {
  return {
    ...ctx,
    source: { ...ctx.source, account_id: target.id },
    shared: (key, open, close) => ctx.shared(`aws-account:${target.id}:${key}`, open, close),
    debug: (message) => ctx.debug(`account ${target.id}: ${message}`),
  };
}

/**
 * Opens the session of one account. With a role, the role is assumed before any read, so an
 * account that cannot be assumed fails here with the service's code. Without one, the account
 * must be the credentials' own, or its resources would carry another account's id.
 */
async function openAccountSession(ctx: CollectContext<AwsConfig>, management: AwsSession, target: AccountTarget): Promise<AwsSession> {
  if (!target.roleArn) {
    if (target.id === management.accountId) return management;
    throw new CollectorError(
      "SOC2_AWS_ACCOUNT_MISMATCH",
      `account ${target.id} has no role_arn, and the source's credentials belong to account ${management.accountId}; set role_arn to a role soc2 may assume in ${target.id}`,
    );
  }

  const credentials = assumedRoleCredentials(ctx, management, target.roleArn, target.externalId);
  await credentials();
  return new AwsSession(ctx.source, ctx.env, { accountId: target.id, partition: management.partition, credentials, limiter: management.callLimiter, roleArn: target.roleArn });
}

/**
 * Returns a provider of the role's credentials that every client of the account shares. It calls
 * sts:AssumeRole through the management session's limiter once, and again only when the
 * credentials are within REFRESH_MARGIN_MS of expiring; concurrent callers share one call.
 */
function assumedRoleCredentials(ctx: CollectContext<AwsConfig>, management: AwsSession, roleArn: string, externalId: string | undefined): CredentialsProvider {
  type Credentials = Awaited<ReturnType<CredentialsProvider>>;
  let cached: Credentials | undefined;
  let pending: Promise<Credentials> | undefined;

  const assume = async (): Promise<Credentials> => {
    const { AssumeRoleCommand } = await import("@aws-sdk/client-sts");
    const sts = await management.client("sts", ctx.source.regions[0]!);
    let output;
    try {
      // No abort signal: the credentials outlive the collector that first asked for them.
      output = await management.call(() => sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME, ExternalId: externalId })));
    } catch (error) {
      throw toCollectorError(error, "sts:AssumeRole", `role ${roleArn}`);
    }
    const issued = output.Credentials;
    if (!issued?.AccessKeyId || !issued.SecretAccessKey || !issued.Expiration) {
      throw new CollectorError("SOC2_AWS_ASSUME_ROLE_INVALID", `sts:AssumeRole on role ${roleArn} returned no complete credentials`);
    }
    return { accessKeyId: issued.AccessKeyId, secretAccessKey: issued.SecretAccessKey, sessionToken: issued.SessionToken, expiration: issued.Expiration };
  };

  return async () => {
    if (cached?.expiration && cached.expiration.getTime() - Date.now() > REFRESH_MARGIN_MS) return cached;
    pending ??= assume()
      .then((credentials) => {
        cached = credentials;
        return credentials;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/**
 * Merges the accounts' outputs. An organization trail is seen from every member account under
 * the same ARN, so resources are merged by id, keeping the first copy read without an error.
 */
function mergeOutcomes(plan: AccountPlan, outcomes: AccountOutcome[]): CollectorOutput {
  const resources = new Map<string, Resource>();
  const coverage = [...plan.coverage];
  const warnings = [...plan.warnings];
  for (const outcome of outcomes) {
    coverage.push(...outcome.coverage);
    warnings.push(...(outcome.output?.warnings ?? []));
    const read = outcome.output?.resources ?? [outcome.unread!];
    for (const resource of read) {
      const kept = resources.get(resource.id);
      if (!kept || (kept._error && !resource._error)) resources.set(resource.id, resource);
    }
  }
  return { resources: [...resources.values()], coverage, warnings };
}

/**
 * Builds the resource that represents an account not read. Every declared field is present, as
 * the schema requires, with empty values that no verdict reads: `_error` makes it an error for every control.
 */
function unreadAccount(schema: ObjectType, partition: string, accountId: string, failure: CollectorError): Resource {
  const resource = emptyValue(schema) as Resource;
  resource.id = `arn:${partition}:iam::${accountId}:root`;
  resource.classes = [];
  if ("account" in schema.fields) resource.account = accountId;
  if ("arn" in schema.fields) resource.arn = resource.id;
  if ("name" in schema.fields) resource.name = `account ${accountId}`;
  resource._error = { code: failure.code, message: `account ${accountId} could not be read: ${failure.message}` };
  return resource;
}

function emptyValue(type: FieldType): unknown {
  if (type.nullable) return null;
  switch (type.kind) {
    case "string":
      return "";
    case "int":
    case "double":
      return 0;
    case "bool":
      return false;
    case "timestamp":
      return new Date(0).toISOString();
    case "list":
      return [];
    case "map":
      return {};
    case "object":
      return Object.fromEntries(Object.entries(type.fields).map(([name, field]) => [name, emptyValue(field)]));
    case "dyn":
      return null;
  }
}
