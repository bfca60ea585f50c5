import type { Source } from "../types.js";
import { cloudTrailTrails } from "./cloudtrail.js";
import { awsConfigSchema, type AwsConfig } from "./config.js";
import { rdsClusters, rdsInstances } from "./rds.js";
import { s3Buckets } from "./s3.js";

/**
 * Amazon Web Services: RDS, S3 and CloudTrail, read-only, in one account or in many through
 * assumed roles (see accounts.ts). The collectors load the AWS SDK only
 * inside `collect`, so importing this module stays cheap.
 */
export const source: Source<AwsConfig> = {
  id: "aws",
  title: "Amazon Web Services (RDS, S3, CloudTrail)",
  config: awsConfigSchema,
  collectors: [rdsInstances, rdsClusters, s3Buckets, cloudTrailTrails],
};
