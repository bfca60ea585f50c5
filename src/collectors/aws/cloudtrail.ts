import { resourceSchema, t } from "../schema.js";
import type { Collector } from "../types.js";
import type { AwsConfig } from "./config.js";

export const trailSchema = resourceSchema({
  name: t.string(),
  arn: t.string(),
  /** Account that owns the trail: the management account for an organization trail. */
  account: t.string(),
  homeRegion: t.string(),
  isMultiRegion: t.bool(),
  isOrganizationTrail: t.bool(),
  /** Whether the trail is recording now (GetTrailStatus IsLogging); a stopped trail covers nothing. */
  isLogging: t.bool(),
  logFileValidation: t.bool(),
  kmsKeyId: t.nullable(t.string()),
  s3Bucket: t.string(),
  /** The event selectors record read-only management events of every event source. */
  managementEventsRead: t.bool(),
  /** The event selectors record write management events of every event source. */
  managementEventsWrite: t.bool(),
  /** Some selector records data events (S3 objects, Lambda invocations, …). */
  dataEvents: t.bool(),
  latestDeliveryError: t.nullable(t.string()),
  latestDeliveryTime: t.nullable(t.timestamp()),
});

export const cloudTrailTrails: Collector<AwsConfig> = {
  id: "aws.cloudtrail.trails",
  title: "CloudTrail trails visible to the account, organization trails included, with their logging status",
  source: "aws",
  schema: trailSchema,
  async collect(ctx) {
    const [{ collectAccounts }, { collectTrails }] = await Promise.all([import("./accounts.js"), import("./cloudtrail-read.js")]);
    return collectAccounts(ctx, { id: "aws.cloudtrail.trails", schema: trailSchema }, collectTrails);
  },
};
