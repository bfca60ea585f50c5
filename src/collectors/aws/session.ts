import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { RDSClient } from "@aws-sdk/client-rds";
import type { S3Client } from "@aws-sdk/client-s3";
import type { S3ControlClient } from "@aws-sdk/client-s3-control";
import type { STSClient } from "@aws-sdk/client-sts";
import type { CollectContext } from "../types.js";
import type { AwsConfig } from "./config.js";
import { toCollectorError } from "./errors.js";
import { Limiter } from "./limiter.js";

export interface AwsClients {
  rds: RDSClient;
  s3: S3Client;
  s3control: S3ControlClient;
  cloudtrail: CloudTrailClient;
  sts: STSClient;
  organizations: OrganizationsClient;
}

export type AwsService = keyof AwsClients;

/** Suffix of the per-service endpoint variable, e.g. AWS_ENDPOINT_URL_S3_CONTROL (SDK service ids). */
const ENDPOINT_ENV_SUFFIX: Record<AwsService, string> = {
  rds: "RDS",
  s3: "S3",
  s3control: "S3_CONTROL",
  cloudtrail: "CLOUDTRAIL",
  sts: "STS",
  organizations: "ORGANIZATIONS",
};

/** Key of the session in `ctx.shared`; the many-account reader opens each account's session under it. */
export const SESSION_KEY = "aws:session";

/** Temporary credentials as the SDK clients take them: a function they call again when `expiration` nears. */
export type CredentialsProvider = () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>;

/** How a session reaches an account other than the one of the default credentials. */
export interface SessionAccess {
  accountId: string;
  partition: string;
  /** Credentials of a role assumed in the account, refreshed before they expire. */
  credentials?: CredentialsProvider;
  /** The limiter of the session that opened this one, so `concurrency` bounds all accounts together. */
  limiter: Limiter;
  /** The role assumed in the account, recorded as the identity the account was read as. */
  roleArn?: string;
}

/** Maximum backoff between two attempts, as in the SDK's default strategy. */
const MAX_RETRY_DELAY_MS = 20_000;

/**
 * One run's AWS access: the account read, one client per service and region, and the limiter
 * every call goes through. Collectors share it through `ctx.shared`.
 */
export class AwsSession {
  accountId = "";
  partition = "aws";
  /** The principal the account is read as (caller or assumed role ARN), when known. */
  identity: string | undefined;
  private readonly clients = new Map<string, Promise<AwsClients[AwsService]>>();
  private readonly limiter: Limiter;

  private readonly credentials?: CredentialsProvider;

  constructor(readonly config: AwsConfig, private readonly env: CollectContext["env"], access?: SessionAccess) {
    this.limiter = access?.limiter ?? new Limiter(config.concurrency);
    if (access) {
      this.accountId = access.accountId;
      this.partition = access.partition;
      this.credentials = access.credentials;
      this.identity = access.roleArn;
    }
  }

  /** The limiter every call of this session goes through, for sessions of other accounts to share. */
  get callLimiter(): Limiter {
    return this.limiter;
  }

  /**
   * Runs one API call. Each attempt of it waits for a slot of the session's limiter inside the
   * client (see createClient), so a call waiting out a throttling backoff holds no slot.
   */
  call<T>(run: () => Promise<T>): Promise<T> {
    return run();
  }

  client<S extends AwsService>(service: S, region: string): Promise<AwsClients[S]> {
    const key = `${service}/${region}`;
    let client = this.clients.get(key);
    if (!client) {
      client = createClient(service, this.clientOptions(service, region), this.limiter);
      this.clients.set(key, client);
    }
    return client as Promise<AwsClients[S]>;
  }

  /** ARN of an S3 bucket in this session's partition. */
  bucketArn(bucket: string): string {
    return `arn:${this.partition}:s3:::${bucket}`;
  }

  async destroy(): Promise<void> {
    for (const client of this.clients.values()) {
      try {
        (await client).destroy();
      } catch {
        // A client that failed to construct has nothing to release.
      }
    }
  }

  /** Whether AWS_ENDPOINT_URL or the service's own variable points this service at another endpoint. */
  endpointOverridden(service: AwsService): boolean {
    if (this.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === "true") return false;
    return Boolean(this.env[`AWS_ENDPOINT_URL_${ENDPOINT_ENV_SUFFIX[service]}`] || this.env.AWS_ENDPOINT_URL);
  }

  private clientOptions(service: AwsService, region: string): Record<string, unknown> {
    const base = this.config.retry_base_delay_ms;
    const overridden = this.endpointOverridden(service);
    return {
      region,
      profile: this.config.profile,
      ...(this.credentials ? { credentials: this.credentials } : {}),
      // The SDK's standard strategy (retry quota, throttling and 5xx classification) with our
      // budget and backoff: full jitter over base * 2^attempt, capped as the SDK caps it.
      retryStrategy: { maxAttempts: this.config.max_attempts, baseDelayMs: base },
      requestHandler: {
        connectionTimeout: 5_000,
        requestTimeout: 60_000,
        throwOnRequestTimeout: true,
        ...(overridden ? emulatorAgents(this.config.concurrency) : {}),
      },
      // Path-style addressing keeps the bucket out of the host name, which an emulator on
      // 127.0.0.1 or localhost cannot serve.
      ...(service === "s3" && overridden ? { forcePathStyle: true } : {}),
    };
  }
}

/**
 * Returns the run's session, opening it on first use: the SDK's version notice is silenced, and
 * the account id comes from the configuration or from sts:GetCallerIdentity.
 */
export function openSession(ctx: CollectContext<AwsConfig>): Promise<AwsSession> {
  return ctx.shared(SESSION_KEY, async () => {
    // The SDK warns on every run under Node 20 that its 2027 releases will need Node 22; this
    // variable is its documented off switch. An operator's own setting is kept.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

    const session = new AwsSession(ctx.source, ctx.env);
    const firstRegion = ctx.source.regions[0]!;
    session.partition = partitionOf(firstRegion);
    if (ctx.source.account_id) {
      session.accountId = ctx.source.account_id;
      return session;
    }

    const { GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
    const sts = await session.client("sts", firstRegion);
    try {
      const identity = await session.call(() => sts.send(new GetCallerIdentityCommand({}), { abortSignal: ctx.signal }));
      session.accountId = identity.Account ?? "";
      session.partition = identity.Arn?.split(":")[1] ?? session.partition;
      session.identity = identity.Arn;
    } catch (error) {
      await session.destroy();
      throw toCollectorError(error, "sts:GetCallerIdentity", `region ${firstRegion}`);
    }
    return session;
  }, (session) => session.destroy());
}

function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

type Handler = (args: unknown) => Promise<unknown>;
interface MiddlewareStack {
  add(middleware: (next: Handler) => Handler, options: { step: "deserialize"; name: string; priority: "low" }): void;
}

/**
 * Creates one SDK client whose every HTTP attempt takes a slot of `limiter`. The slot is taken in
 * the deserialize step, which runs inside the SDK's retry loop, so the backoff between attempts
 * leaves the slot to other calls: under throttling the other calls keep `concurrency` requests in flight.
 */
async function createClient(service: AwsService, options: Record<string, unknown>, limiter: Limiter): Promise<AwsClients[AwsService]> {
  const client = await constructClient(service, options);
  // Every client's stack has this signature; the union of the five client types hides it from TypeScript.
  const stack = client.middlewareStack as unknown as MiddlewareStack;
  stack.add((next) => (args) => limiter.run(() => next(args)), { step: "deserialize", name: "soc2ConcurrencyLimit", priority: "low" });
  return client;
}

async function constructClient(service: AwsService, options: Record<string, unknown>): Promise<AwsClients[AwsService]> {
  const { retryStrategy, ...rest } = options as { retryStrategy: { maxAttempts: number; baseDelayMs: number } };
  const { ConfiguredRetryStrategy } = await import("@smithy/core/retry");
  const config = {
    ...rest,
    retryStrategy: new ConfiguredRetryStrategy(retryStrategy.maxAttempts, (attempt: number) =>
      Math.floor(Math.random() * Math.min(retryStrategy.baseDelayMs * 2 ** attempt, MAX_RETRY_DELAY_MS))),
  };
  switch (service) {
    case "rds":
      return new (await import("@aws-sdk/client-rds")).RDSClient(config);
    case "s3":
      return new (await import("@aws-sdk/client-s3")).S3Client(config);
    case "s3control":
      return new (await import("@aws-sdk/client-s3-control")).S3ControlClient(config);
    case "cloudtrail":
      return new (await import("@aws-sdk/client-cloudtrail")).CloudTrailClient(config);
    case "sts":
      return new (await import("@aws-sdk/client-sts")).STSClient(config);
    case "organizations":
      return new (await import("@aws-sdk/client-organizations")).OrganizationsClient(config);
  }
}

/**
 * HTTP agents for an overridden endpoint. S3 Control puts the account id in front of the host
 * (`123456789012.localhost`), so names under `.localhost` resolve to loopback as RFC 6761
 * reserves them; every other name goes to the system resolver.
 */
function emulatorAgents(concurrency: number): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  const lookup: LookupFunction = (hostname, options, callback) => {
    if (hostname === "localhost" || hostname.endsWith(".localhost")) {
      if (options.all) (callback as (error: null, addresses: dns.LookupAddress[]) => void)(null, [{ address: "127.0.0.1", family: 4 }]);
      else callback(null, "127.0.0.1", 4);
      return;
    }
    dns.lookup(hostname, options, callback);
  };
  const agentOptions = { keepAlive: true, maxSockets: concurrency, lookup };
  return { httpAgent: new http.Agent(agentOptions), httpsAgent: new https.Agent(agentOptions) };
}
