import { CollectorError } from "../../errors.js";

/** Error codes AWS services use when the caller's policy does not allow an action. */
const ACCESS_DENIED_CODES = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "NotAuthorized"]);

/** The failure of one AWS call in the terms a result shows: the service's code and a readable message. */
export interface AwsFailure {
  code: string;
  message: string;
}

interface SdkErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

/** Returns the service's error code (`AccessDenied`, `Throttling`, `NoSuchBucketPolicy`, …). */
export function awsErrorCode(error: unknown): string {
  const candidate = error as SdkErrorLike | undefined;
  if (candidate?.name && candidate.name !== "Error" && candidate.name !== "TypeError") return candidate.name;
  if (typeof candidate?.code === "string") return candidate.code;
  return "SOC2_AWS_REQUEST_FAILED";
}

export function isCredentialsError(error: unknown): boolean {
  return (error as SdkErrorLike | undefined)?.name === "CredentialsProviderError";
}

export function credentialsMissing(cause: unknown): CollectorError {
  return new CollectorError(
    "SOC2_CREDENTIALS_MISSING",
    "no AWS credentials were found by the SDK's default chain (environment variables, shared config profile, SSO, web identity, container or instance metadata); set AWS_PROFILE or sources.aws.profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    { cause },
  );
}

/**
 * Describes a failed call. A denial names the IAM action and target and leaves out the service's
 * own message, which quotes the caller's user or role ARN.
 */
export function describeFailure(error: unknown, action: string, target: string): AwsFailure {
  const code = awsErrorCode(error);
  if (ACCESS_DENIED_CODES.has(code)) {
    return { code, message: `${action} denied on ${target}; grant it to the role soc2 runs as (see docs/iam-policy.json)` };
  }
  const sdkError = error as SdkErrorLike;
  const attempts = sdkError.$metadata?.attempts;
  const after = attempts !== undefined && attempts > 1 ? ` after ${attempts} attempts` : "";
  const detail = sdkError.message && sdkError.message !== code ? `: ${sdkError.message}` : "";
  return { code, message: `${action} on ${target} failed${after} with ${code}${detail}` };
}

/** Turns a failed call into the error of the whole collector; missing credentials get their own code. */
export function toCollectorError(error: unknown, action: string, target: string): CollectorError {
  if (error instanceof CollectorError) return error;
  if (isCredentialsError(error)) return credentialsMissing(error);
  const failure = describeFailure(error, action, target);
  return new CollectorError(failure.code, failure.message, { cause: error });
}
