import {
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  type Bucket,
  type PublicAccessBlockConfiguration,
  type S3Client,
} from "@aws-sdk/client-s3";
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand } from "@aws-sdk/client-s3-control";
import { CollectorError } from "../../errors.js";
import type { CollectContext, CollectorOutput, Resource } from "../types.js";
import { AwsCallError, callAws, callAwsOptional, openCallScope, type CallScope } from "./calls.js";
import type { AwsConfig } from "./config.js";
import { awsErrorCode } from "./errors.js";
import type { AwsOperation } from "./iam.js";
import { deniesInsecureTransport } from "./s3-policy.js";
import { mapLimited } from "./limiter.js";
import { openSession } from "./session.js";

/** Buckets per ListBuckets page: the API's maximum, so most accounts are listed in one call. */
const LIST_PAGE_SIZE = 10_000;

/** GetBucketLocation sent to us-east-1 returns the location of a bucket in any region. */
const LOCATION_REGION = "us-east-1";

type AccountBlock = { ok: true; block: PublicAccessBlockConfiguration | undefined } | { ok: false; error: AwsCallError };

/** A bucket being read. Its region changes when S3 returns a redirect. */
interface BucketTarget {
  name: string;
  region: string;
}

/** Buckets read at once per concurrent call allowed by `sources.aws.concurrency`. */
const BUCKETS_PER_CALL_SLOT = 4;

export async function collectBuckets(ctx: CollectContext<AwsConfig>): Promise<CollectorOutput> {
  const scope = openCallScope(ctx, await openSession(ctx));
  const homeRegion = ctx.source.regions[0]!;

  const [accountBlock, buckets] = await Promise.all([readAccountBlock(scope, homeRegion), listBuckets(scope, homeRegion)]);
  const warnings: string[] = [];
  // Every bucket takes seven reads; starting all of them at once would hold thousands of pending
  // SDK requests (and their memory) in the queue for the call limiter. A few buckets per call
  // slot keep the slots busy without that backlog.
  const inFlight = Math.max(1, ctx.source.concurrency * BUCKETS_PER_CALL_SLOT);
  const resources = await mapLimited(buckets, inFlight, (bucket) => bucketResource(ctx, scope, bucket, accountBlock, warnings));
  return {
    resources: resources.filter((resource): resource is Resource => resource !== undefined),
    coverage: scope.coverage.toEntries(),
    warnings,
  };
}

async function readAccountBlock(scope: CallScope, region: string): Promise<AccountBlock> {
  const client = await scope.session.client("s3control", region);
  const accountId = scope.session.accountId;
  try {
    const output = await callAwsOptional(scope, "s3control.GetPublicAccessBlock", "global", `account ${accountId}`, ["NoSuchPublicAccessBlockConfiguration"], () =>
      client.send(new GetAccountPublicAccessBlockCommand({ AccountId: accountId }), { abortSignal: scope.signal }));
    return { ok: true, block: output?.PublicAccessBlockConfiguration };
  } catch (error) {
    if (error instanceof AwsCallError) return { ok: false, error };
    throw error;
  }
}

async function listBuckets(scope: CallScope, region: string): Promise<Bucket[]> {
  const client = await scope.session.client("s3", region);
  const buckets: Bucket[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await callAws(scope, "s3.ListBuckets", "global", `account ${scope.session.accountId}`, () =>
        client.send(new ListBucketsCommand({ MaxBuckets: LIST_PAGE_SIZE, ContinuationToken: token }), { abortSignal: scope.signal }));
    } catch (error) {
      if (error instanceof AwsCallError) throw new CollectorError(error.code, error.message, { cause: error });
      throw error;
    }
    buckets.push(...(page.Buckets ?? []));
    token = page.ContinuationToken;
  } while (token);
  return buckets;
}

/**
 * Reads one bucket through a client of its own region. Returns undefined for a bucket deleted
 * since it was listed. A call that fails leaves the bucket with `_error`, never with guessed values.
 */
async function bucketResource(
  ctx: CollectContext<AwsConfig>,
  scope: CallScope,
  bucket: Bucket,
  accountBlock: AccountBlock,
  warnings: string[],
): Promise<Resource | undefined> {
  const name = bucket.Name ?? "";
  const account = scope.session.accountId;
  const resource: Resource = {
    id: scope.session.bucketArn(name),
    classes: [],
    name,
    arn: scope.session.bucketArn(name),
    account,
    region: bucket.BucketRegion ?? "",
    createdAt: bucket.CreationDate ? bucket.CreationDate.toISOString() : null,
    encryptionAlgorithm: null,
    kmsKeyId: null,
    bucketKeyEnabled: false,
    publicAccessBlock: { blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false, allBlocked: false },
    versioning: "Disabled",
    mfaDelete: false,
    denyInsecureTransport: false,
    accessLogging: false,
    accessLogTarget: null,
    objectLockEnabled: false,
    objectLockMode: null,
    objectLockRetentionDays: null,
    tags: {},
  };
  const failures: AwsCallError[] = [];

  try {
    const target: BucketTarget = { name, region: bucket.BucketRegion || (await locateBucket(scope, name)) };

    // The first call settles the region (a redirect moves the target); the rest then go straight there.
    await readEncryption(scope, target, resource);
    const reads = [readPublicAccessBlock, readVersioning, readPolicy, readLogging, readObjectLock, readTags];
    const outcomes = await Promise.allSettled(reads.map((read) => read(scope, target, resource)));
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") {
        if (!(outcome.reason instanceof AwsCallError)) throw outcome.reason;
        failures.push(outcome.reason);
      }
    }
    resource.region = target.region;
  } catch (error) {
    if (!(error instanceof AwsCallError)) throw error;
    if (error.code === "NoSuchBucket") {
      warnings.push(`bucket ${name} was deleted while the run read it; it is left out`);
      return undefined;
    }
    failures.push(error);
  }

  applyAccountBlock(resource, accountBlock, failures);
  resource.classes = ctx.classify({ kind: "bucket", name, account, region: resource.region as string, tags: resource.tags as Record<string, string> });
  if (failures.length > 0) {
    const messages = failures.map((failure) => failure.message);
    if (failures.some((failure) => failure.code === "InvalidToken")) messages.push(optInRegionHint(resource.region as string));
    resource._error = { code: failures[0]!.code, message: messages.join("; ") };
  }
  return resource;
}

/**
 * S3 answers InvalidToken in a region launched after March 2019 when that region is not enabled
 * for the account, or when the session token came from the global STS endpoint, whose tokens
 * those regions do not accept.
 */
function optInRegionHint(region: string): string {
  return `the bucket is in ${region}; if that is an opt-in region, check that it is enabled for the account and that the session token comes from a regional STS endpoint`;
}

async function locateBucket(scope: CallScope, name: string): Promise<string> {
  const client = await scope.session.client("s3", LOCATION_REGION);
  const output = await callAws(scope, "s3.GetBucketLocation", LOCATION_REGION, `bucket ${name}`, () =>
    client.send(new GetBucketLocationCommand({ Bucket: name }), { abortSignal: scope.signal }));
  return regionFromLocation(output.LocationConstraint);
}

/** GetBucketLocation returns no constraint for us-east-1 and the legacy "EU" for eu-west-1. */
function regionFromLocation(constraint: string | undefined): string {
  if (!constraint) return "us-east-1";
  if (constraint === "EU") return "eu-west-1";
  return constraint;
}

/**
 * Sends a bucket call to the bucket's region. S3 answers a call sent to another region in three
 * ways: a 301 PermanentRedirect, a 400 IllegalLocationConstraintException (buckets in regions
 * launched after March 2019, which S3 does not redirect to), or a 400
 * AuthorizationHeaderMalformed naming the expected region. botocore's S3RegionRedirectorv2 treats
 * all three as redirects. The bucket's region comes from the x-amz-bucket-region header, then the
 * error's Region element, then GetBucketLocation. The call is then sent again to that region, so
 * a wrong region never ends up as a verdict.
 */
async function bucketCall<T>(
  scope: CallScope,
  operation: AwsOperation,
  target: BucketTarget,
  absentCodes: readonly string[],
  send: (client: S3Client) => Promise<T>,
): Promise<T | undefined> {
  const attempt = async () => {
    try {
      return await send(await scope.session.client("s3", target.region));
    } catch (error) {
      if (!isWrongRegion(error)) throw error;
      const region = regionInError(error) || (await locateBucket(scope, target.name));
      if (region === target.region) throw error;
      target.region = region;
      return send(await scope.session.client("s3", region));
    }
  };
  return callAwsOptional(scope, operation, target.region, `bucket ${target.name}`, absentCodes, attempt);
}

interface S3ErrorLike {
  Region?: unknown;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
}

function isWrongRegion(error: unknown): boolean {
  const code = awsErrorCode(error);
  if (code === "PermanentRedirect" || code === "IllegalLocationConstraintException") return true;
  if (code === "AuthorizationHeaderMalformed") return typeof (error as S3ErrorLike).Region === "string";
  return (error as S3ErrorLike).$metadata?.httpStatusCode === 301;
}

function regionInError(error: unknown): string | undefined {
  const header = (error as S3ErrorLike).$response?.headers?.["x-amz-bucket-region"];
  if (header) return header;
  const region = (error as S3ErrorLike).Region;
  return typeof region === "string" && region !== "" ? region : undefined;
}

async function readEncryption(scope: CallScope, target: BucketTarget, resource: Resource): Promise<void> {
  const output = await bucketCall(scope, "s3.GetBucketEncryption", target, ["ServerSideEncryptionConfigurationNotFoundError"], (client) =>
    client.send(new GetBucketEncryptionCommand({ Bucket: target.name }), { abortSignal: scope.signal }));
  const rule = output?.ServerSideEncryptionConfiguration?.Rules?.[0];
  resource.encryptionAlgorithm = rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? null;
  resource.kmsKeyId = rule?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID ?? null;
  resource.bucketKeyEnabled = rule?.BucketKeyEnabled ?? false;
}

async function readPublicAccessBlock(scope: CallScope, target: BucketTarget, resource: Resource): Promise<void> {
  // A 404 NoSuchPublicAccessBlockConfiguration means the bucket sets no block of its own.
  const output = await bucketCall(scope, "s3.GetPublicAccessBlock", target, ["NoSuchPublicAccessBlockConfiguration"], (client) =>
    client.send(new GetPublicAccessBlockCommand({ Bucket: target.name }), { abortSignal: scope.signal }));
  const block = output?.PublicAccessBlockConfiguration;
  resource.publicAccessBlock = blockFields(block, undefined);
}

async function readVersioning(scope: CallScope, target: BucketTarget, resource: Resource): Promise<void> {
  const output = await bucketCall(scope, "s3.GetBucketVersioning", target, [], (client) =>
    client.send(new GetBucketVersioningCommand({ Bucket: target.name }), { abortSignal: scope.signal }));
  resource.versioning = output?.Status ?? "Disabled";
  resource.mfaDelete = output?.MFADelete === "Enabled";
}

async function readPolicy(scope: CallScope, target: BucketTarget, resource: Resource): Promise<void> {
  const output = await bucketCall(scope, "s3.GetBucketPolicy", target, ["NoSuchBucketPolicy"], (client) =>
    client.send(new GetBucketPolicyCommand({ Bucket: target.name }), { abortSignal: scope.signal }));
  if (!output?.Policy) return;
  let policy: unknown;
  try {
    // A policy saved from an editor may start with a UTF-8 byte order mark, which JSON.parse rejects.
    policy = JSON.parse(output.Policy.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new AwsCallError({ code: "SOC2_AWS_POLICY_INVALID", message: `the policy of bucket ${target.name} is not valid JSON: ${(error as Error).message}` }, error);
  }
  resource.denyInsecureTransport = deniesInsecureTransport(policy, target.name);
}

async function readLogging(scope: CallScope, target: BucketTarget, resource: Resource): Promise<void> {
  const output = await bucketCall(scope, "s3.GetBucketLogging", target, [], (client) =>
    client.send(new GetBucketLoggingCommand({ Bucket: target.name }), { abortSignal: scope.signal }));
  const logging = output?.LoggingEnabled;
  resource.accessLogging = Boolean(logging?.TargetBucket);
  resource.accessLogTarget = logging?.TargetBucket ? `${logging.TargetBucket}/${logging.TargetPrefix ?? ""}` : null;
}

async function readObjectLock(scope: CallScope, target: BucketTarget, resource: Resource): Promise<void> {
  const output = await bucketCall(scope, "s3.GetObjectLockConfiguration", target, ["ObjectLockConfigurationNotFoundError"], (client) =>
    client.send(new GetObjectLockConfigurationCommand({ Bucket: target.name }), { abortSignal: scope.signal }));
  const config = output?.ObjectLockConfiguration;
  const retention = config?.Rule?.DefaultRetention;
  resource.objectLockEnabled = config?.ObjectLockEnabled === "Enabled";
  resource.objectLockMode = retention?.Mode ?? null;
  // Retention in years is counted as 365 days a year, the lower bound of the real span.
  resource.objectLockRetentionDays = retention?.Days ?? (retention?.Years !== undefined ? retention.Years * 365 : null);
}

async function readTags(scope: CallScope, target: BucketTarget, resource: Resource): Promise<void> {
  const output = await bucketCall(scope, "s3.GetBucketTagging", target, ["NoSuchTagSet"], (client) =>
    client.send(new GetBucketTaggingCommand({ Bucket: target.name }), { abortSignal: scope.signal }));
  const tags: Record<string, string> = {};
  for (const tag of output?.TagSet ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? "";
  resource.tags = tags;
}

function blockFields(bucket: PublicAccessBlockConfiguration | undefined, account: PublicAccessBlockConfiguration | undefined) {
  const fields = {
    blockPublicAcls: Boolean(bucket?.BlockPublicAcls || account?.BlockPublicAcls),
    ignorePublicAcls: Boolean(bucket?.IgnorePublicAcls || account?.IgnorePublicAcls),
    blockPublicPolicy: Boolean(bucket?.BlockPublicPolicy || account?.BlockPublicPolicy),
    restrictPublicBuckets: Boolean(bucket?.RestrictPublicBuckets || account?.RestrictPublicBuckets),
  };
  return { ...fields, allBlocked: Object.values(fields).every(Boolean) };
}

/**
 * Combines the bucket's own block with the account's. When the account block could not be read,
 * the effective block is unknown unless the bucket already blocks everything itself.
 */
function applyAccountBlock(resource: Resource, accountBlock: AccountBlock, failures: AwsCallError[]): void {
  const own = resource.publicAccessBlock as ReturnType<typeof blockFields>;
  if (!accountBlock.ok) {
    if (!own.allBlocked) failures.push(accountBlock.error);
    return;
  }
  const account = accountBlock.block;
  resource.publicAccessBlock = blockFields(
    { BlockPublicAcls: own.blockPublicAcls, IgnorePublicAcls: own.ignorePublicAcls, BlockPublicPolicy: own.blockPublicPolicy, RestrictPublicBuckets: own.restrictPublicBuckets },
    account,
  );
}
