import { z } from "zod";

const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must be an AWS region name such as eu-west-1");
const accountId = z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id");
/** AWS allows 2 to 1,224 characters from this set in sts:AssumeRole ExternalId. */
const externalId = z.string().regex(/^[\w+=,.@:\/-]{2,1224}$/, "must be 2 to 1,224 letters, digits or +=,.@:/-_");

/** One account to read and how: through a role assumed there, or with the source's own credentials. */
const accountSchema = z.object({
  id: accountId,
  /** Role assumed in the account; without it the account must be the one the source's credentials belong to. */
  role_arn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/, "must be an IAM role ARN such as arn:aws:iam::123456789012:role/soc2-audit").optional(),
  external_id: externalId.optional(),
}).strict().superRefine((account, context) => {
  const owner = account.role_arn?.split(":")[4];
  if (owner !== undefined && owner !== account.id) {
    context.addIssue({ code: "custom", path: ["role_arn"], message: `belongs to account ${owner}, not ${account.id}; resources would be labelled with the wrong account` });
  }
  if (account.external_id !== undefined && account.role_arn === undefined) {
    context.addIssue({ code: "custom", path: ["external_id"], message: "needs role_arn: an external id is only sent with sts:AssumeRole" });
  }
});

/** Accounts discovered with organizations:ListAccounts, each read through the same role name. */
const organizationsSchema = z.object({
  role_name: z.string().regex(/^[\w+=,.@-]{1,64}$/, "must be an IAM role name such as soc2-audit"),
  external_id: externalId.optional(),
}).strict();

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
  account_id: accountId.optional(),
  /**
   * Accounts to read, each through its own role. Absent means only the account of the source's
   * credentials. With `organizations` instead, the organization's active accounts are read.
   */
  accounts: z.array(accountSchema).min(1).optional(),
  organizations: organizationsSchema.optional(),
  /** Accounts read at once (4 when absent); `concurrency` still bounds the calls of all of them together. */
  account_concurrency: z.number().int().min(1).max(64).optional(),
}).strict().superRefine((config, context) => {
  if (config.accounts && config.organizations) {
    context.addIssue({ code: "custom", path: ["organizations"], message: "cannot be combined with accounts; list the accounts or discover them, not both" });
  }
  const seen = new Set<string>();
  for (const [index, account] of (config.accounts ?? []).entries()) {
    if (seen.has(account.id)) context.addIssue({ code: "custom", path: ["accounts", index, "id"], message: `account ${account.id} is listed twice` });
    seen.add(account.id);
  }
});

export type AwsConfig = z.output<typeof awsConfigSchema>;
export type AwsAccountConfig = NonNullable<AwsConfig["accounts"]>[number];
