import { z } from "zod";

const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must be an AWS region name such as eu-west-1");

/**
 * `sources.aws` in soc2.config.yaml. Credentials never appear here: the SDK's default chain
 * (environment, shared config profile, SSO, web identity, container and instance metadata)
 * supplies them, and `AWS_ENDPOINT_URL` with its per-service variants can point the clients at an
 * emulator.
 */
export const awsConfigSchema = z.object({
  /** Regions read for RDS and CloudTrail; S3 buckets are listed once and read in their own region. */
  regions: z.array(region).min(1),
  /** Named profile from the shared config files; the default chain's choice when absent. */
  profile: z.string().min(1).optional(),
  /** Maximum AWS API calls in flight at once for the whole source. */
  concurrency: z.number().int().min(1).max(256).default(16),
  /**
   * Attempts per API call, the first included, under the SDK's standard retry strategy
   * (exponential backoff with full jitter and a retry quota). With 10 attempts a call that is
   * throttled independently 5% of the time fails for good with probability 0.05^10, about 1e-13,
   * so random throttling at that rate leaves no errors even over millions of calls.
   */
  max_attempts: z.number().int().min(1).max(30).default(10),
  /**
   * Base of the exponential backoff between attempts, in milliseconds: retry n waits a random
   * time up to min(base * 2^n, 20 s). 500 ms is the SDK's classic throttling base.
   */
  retry_base_delay_ms: z.number().int().min(1).max(10_000).default(500),
  /** Account id used in ARNs and for the account-level S3 public access block; from sts:GetCallerIdentity when absent. */
  account_id: z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id").optional(),
}).strict();

export type AwsConfig = z.output<typeof awsConfigSchema>;
