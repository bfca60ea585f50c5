import type { ClerkClient } from "@clerk/backend";
import { CollectorError } from "../../errors.js";
import type { ClerkConfig } from "./index.js";

export interface ClerkCallOptions {
  maxAttempts: number;
  maxRetryAfterSeconds: number;
  signal?: AbortSignal;
  debug?: (message: string) => void;
  /**
   * Shared by calls that run at once. Clerk's rate limit is per instance, so a 429 to one call
   * holds back every call sharing this until its Retry-After has passed.
   */
  pause?: { until: number };
}

/** Fields of the SDK's `ClerkAPIResponseError` (SDK v3) that the collector reads. */
interface ClerkResponseErrorLike {
  status?: number;
  retryAfter?: number;
  clerkTraceId?: string;
  errors?: Array<{ code?: string; message?: string; longMessage?: string }>;
}

/**
 * Creates the Backend API client. The SDK reads no URL from the environment itself, so
 * `CLERK_API_URL` is applied here; without either, the SDK's default (api.clerk.com) is used.
 */
export async function openClerkClient(config: ClerkConfig, env: Readonly<Record<string, string | undefined>>): Promise<ClerkClient> {
  const secretKey = env[config.secret_key_env];
  if (secretKey === undefined || secretKey === "") {
    throw new CollectorError(
      "SOC2_CREDENTIALS_MISSING",
      `environment variable ${config.secret_key_env} is not set; it must hold the Clerk secret key (sk_live_...) of the instance`,
    );
  }
  const apiUrl = config.api_url ?? nonEmpty(env.CLERK_API_URL);

  const { createClerkClient } = await import("@clerk/backend");
  return createClerkClient(apiUrl === undefined ? { secretKey } : { secretKey, apiUrl });
}

/**
 * Runs one Backend API call, waiting out 429 responses for their Retry-After (the SDK does not
 * retry). Any other failure, or a 429 after the last attempt, becomes a CollectorError carrying
 * Clerk's own error code.
 */
export async function callClerk<T>(what: string, call: () => Promise<T>, options: ClerkCallOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    const paused = (options.pause?.until ?? 0) - Date.now();
    if (paused > 0) await sleep(paused, options.signal);
    try {
      return await call();
    } catch (error) {
      const response = asResponseError(error);
      if (response?.status !== 429) throw toCollectorError(what, error);

      const waitSeconds = response.retryAfter ?? 2 ** (attempt - 1);
      if (attempt >= options.maxAttempts) {
        throw toCollectorError(what, error, `still rate limited after ${attempt} attempts`);
      }
      if (waitSeconds > options.maxRetryAfterSeconds) {
        throw toCollectorError(what, error, `rate limited with Retry-After ${waitSeconds}s, over the ${options.maxRetryAfterSeconds}s limit (max_retry_after_seconds)`);
      }
      options.debug?.(`${what}: rate limited (429), retrying in ${waitSeconds}s (attempt ${attempt} of ${options.maxAttempts})`);
      if (options.pause) options.pause.until = Math.max(options.pause.until, Date.now() + waitSeconds * 1000);
      await sleep(waitSeconds * 1000, options.signal);
    }
  }
}

/** Turns an SDK failure into a CollectorError: Clerk's error code when the response has one. */
export function toCollectorError(what: string, error: unknown, detail?: string): CollectorError {
  const response = asResponseError(error);
  if (response === undefined) {
    return new CollectorError("unexpected_error", `${what} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }

  const first = response.errors?.[0];
  const code = first?.code || (response.status === 429 ? "rate_limited" : `http_${response.status ?? "error"}`);
  const parts = [`${what} failed`];
  if (response.status !== undefined) parts.push(`with HTTP ${response.status}`);
  if (first?.longMessage || first?.message) parts.push(`(${first.longMessage || first.message})`);
  let message = parts.join(" ");
  if (detail) message += `: ${detail}`;
  if (response.clerkTraceId) message += ` [clerk trace ${response.clerkTraceId}]`;
  return new CollectorError(code, message, { cause: error });
}

export function asResponseError(error: unknown): ClerkResponseErrorLike | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const candidate = error as ClerkResponseErrorLike & { clerkError?: boolean };
  if (!Array.isArray(candidate.errors)) return undefined;
  return candidate;
}

function sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, milliseconds);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
