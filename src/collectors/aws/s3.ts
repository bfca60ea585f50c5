import { resourceSchema, t } from "../schema.js";
import type { Collector } from "../types.js";
import type { AwsConfig } from "./config.js";

export const bucketSchema = resourceSchema({
  name: t.string(),
  arn: t.string(),
  account: t.string(),
  /** The bucket's own region, after following any redirect. */
  region: t.string(),
  createdAt: t.nullable(t.timestamp()),
  /** AES256 (SSE-S3), aws:kms (SSE-KMS) or aws:kms:dsse; null only where no default encryption is reported. */
  encryptionAlgorithm: t.nullable(t.string()),
  kmsKeyId: t.nullable(t.string()),
  bucketKeyEnabled: t.bool(),
  /** The effective block: each setting is on when the bucket or the account turns it on. */
  publicAccessBlock: t.object({
    blockPublicAcls: t.bool(),
    ignorePublicAcls: t.bool(),
    blockPublicPolicy: t.bool(),
    restrictPublicBuckets: t.bool(),
    allBlocked: t.bool(),
  }),
  /** Enabled, Suspended or Disabled (never enabled). */
  versioning: t.string(),
  mfaDelete: t.bool(),
  /** The bucket policy denies every request made without TLS. */
  denyInsecureTransport: t.bool(),
  accessLogging: t.bool(),
  /** `target-bucket/prefix` of server access logs; null when logging is off. */
  accessLogTarget: t.nullable(t.string()),
  objectLockEnabled: t.bool(),
  /** GOVERNANCE or COMPLIANCE default retention; null when none is set. */
  objectLockMode: t.nullable(t.string()),
  objectLockRetentionDays: t.nullable(t.int()),
  tags: t.map(t.string()),
});

export const s3Buckets: Collector<AwsConfig> = {
  id: "aws.s3.buckets",
  title: "S3 buckets in every region, with encryption, public access block, versioning, TLS policy, logging and object lock",
  source: "aws",
  schema: bucketSchema,
  async collect(ctx) {
    const [{ collectAccounts }, { collectBuckets }] = await Promise.all([import("./accounts.js"), import("./s3-read.js")]);
    return collectAccounts(ctx, { id: "aws.s3.buckets", schema: bucketSchema }, collectBuckets);
  },
};
