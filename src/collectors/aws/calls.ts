import { setMaxListeners } from "node:events";
import type { CollectContext, CoverageEntry } from "../types.js";
import { awsErrorCode, credentialsMissing, describeFailure, isCredentialsError, type AwsFailure } from "./errors.js";
import { IAM_ACTIONS, type AwsOperation } from "./iam.js";
import type { AwsSession } from "./session.js";

/** A call that failed for good, already described with the IAM action and the target it was on. */
export class AwsCallError extends Error {
  readonly code: string;

  constructor(readonly failure: AwsFailure, cause: unknown) {
    super(failure.message, { cause });
    this.name = "AwsCallError";
    this.code = failure.code;
  }
}

/** Counts the calls per account, region and API, so a run reports what it read and what it could not. */
export class CoverageLog {
  private readonly entries = new Map<string, { scope: string; api: string; read: number; failed: number; firstError?: string }>();

  constructor(private readonly accountId: string, private readonly identity?: string) {}

  read(region: string, operation: AwsOperation): void {
    this.entry(region, operation).read += 1;
  }

  failed(region: string, operation: AwsOperation, message: string): void {
    const entry = this.entry(region, operation);
    entry.failed += 1;
    entry.firstError ??= message;
  }

  toEntries(): CoverageEntry[] {
    return [...this.entries.values()]
      .sort((a, b) => a.scope.localeCompare(b.scope) || a.api.localeCompare(b.api))
      .map((entry) => {
        const total = entry.read + entry.failed;
        const identity = this.identity === undefined ? {} : { identity: this.identity };
        if (entry.failed === 0) return { source: "aws", scope: entry.scope, api: entry.api, status: "read", detail: `${total} ${total === 1 ? "call" : "calls"}`, ...identity };
        return { source: "aws", scope: entry.scope, api: entry.api, status: "error", detail: `${entry.failed} of ${total} calls failed; first: ${entry.firstError}`, ...identity };
      });
  }

  private entry(region: string, operation: AwsOperation) {
    const scope = `${this.accountId}/${region}`;
    const api = operation.replace(".", ":").replace(/^s3control:/, "s3-control:");
    const key = `${scope} ${api}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { scope, api, read: 0, failed: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }
}

/** Context of every call in one collector run: the session, its coverage log and its abort signal. */
export interface CallScope {
  session: AwsSession;
  coverage: CoverageLog;
  signal: AbortSignal;
}

/**
 * Opens the call scope of one collector run. Every call in flight listens on the run's abort
 * signal, so the signal's listener limit is lifted: Node would otherwise warn past 10 listeners.
 */
export function openCallScope(ctx: CollectContext<unknown>, session: AwsSession): CallScope {
  setMaxListeners(0, ctx.signal);
  return { session, coverage: new CoverageLog(session.accountId, session.identity), signal: ctx.signal };
}

/**
 * Sends one call through the session's limiter and records it in the coverage log. A failure that
 * outlasted the SDK's retries becomes an AwsCallError; missing credentials become the collector's
 * SOC2_CREDENTIALS_MISSING error wherever they surface.
 */
export async function callAws<T>(scope: CallScope, operation: AwsOperation, region: string, target: string, run: () => Promise<T>): Promise<T> {
  try {
    const value = await scope.session.call(run);
    scope.coverage.read(region, operation);
    return value;
  } catch (error) {
    throw recordFailure(scope, operation, region, target, error);
  }
}

/**
 * Like `callAws`, for reads where an error code means "not configured" (e.g. NoSuchBucketPolicy):
 * those return undefined and count as read.
 */
export async function callAwsOptional<T>(
  scope: CallScope,
  operation: AwsOperation,
  region: string,
  target: string,
  absentCodes: readonly string[],
  run: () => Promise<T>,
): Promise<T | undefined> {
  try {
    const value = await scope.session.call(run);
    scope.coverage.read(region, operation);
    return value;
  } catch (error) {
    if (absentCodes.includes(awsErrorCode(error))) {
      scope.coverage.read(region, operation);
      return undefined;
    }
    throw recordFailure(scope, operation, region, target, error);
  }
}

function recordFailure(scope: CallScope, operation: AwsOperation, region: string, target: string, error: unknown): Error {
  if (isCredentialsError(error)) return credentialsMissing(error);
  const failure = describeFailure(error, IAM_ACTIONS[operation], target);
  scope.coverage.failed(region, operation, failure.message);
  return new AwsCallError(failure, error);
}
