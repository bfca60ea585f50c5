import { resourceSchema, t } from "../schema.js";
import type { Collector } from "../types.js";
import type { AwsConfig } from "./config.js";

/** Fields both RDS collectors share, so one control reads alike over instances and clusters. */
const databaseFields = {
  name: t.string(),
  arn: t.string(),
  account: t.string(),
  region: t.string(),
  engine: t.string(),
  engineVersion: t.string(),
  status: t.string(),
  storageEncrypted: t.bool(),
  kmsKeyId: t.nullable(t.string()),
  multiAz: t.bool(),
  backupRetentionDays: t.int(),
  deletionProtection: t.bool(),
  publiclyAccessible: t.bool(),
  parameterGroups: t.list(t.string()),
  logExports: t.list(t.string()),
  /** Effective rds.force_ssl or require_secure_transport; null when the engine has no such parameter. */
  forceSsl: t.nullable(t.bool()),
  tags: t.map(t.string()),
};

export const dbInstanceSchema = resourceSchema({
  ...databaseFields,
  instanceClass: t.string(),
  autoMinorVersionUpgrade: t.bool(),
  clusterId: t.nullable(t.string()),
  clusterParameterGroup: t.nullable(t.string()),
  /** Source of a read replica, as ReadReplicaSourceDBInstanceIdentifier names it; null for an instance that is no replica. */
  replicaSource: t.nullable(t.string()),
});

export const dbClusterSchema = resourceSchema({
  ...databaseFields,
  /** Null for Aurora, which sets it per instance. */
  autoMinorVersionUpgrade: t.nullable(t.bool()),
  members: t.list(t.string()),
  availabilityZones: t.list(t.string()),
});

export const rdsInstances: Collector<AwsConfig> = {
  id: "aws.rds.instances",
  title: "RDS DB instances, members of Aurora and Multi-AZ DB clusters judged by their cluster",
  source: "aws",
  schema: dbInstanceSchema,
  async collect(ctx) {
    const [{ collectAccounts }, { collectDbInstances }] = await Promise.all([import("./accounts.js"), import("./rds-read.js")]);
    return collectAccounts(ctx, { id: "aws.rds.instances", schema: dbInstanceSchema }, collectDbInstances);
  },
};

export const rdsClusters: Collector<AwsConfig> = {
  id: "aws.rds.clusters",
  title: "RDS DB clusters (Aurora and Multi-AZ DB clusters)",
  source: "aws",
  schema: dbClusterSchema,
  async collect(ctx) {
    const [{ collectAccounts }, { collectDbClusters }] = await Promise.all([import("./accounts.js"), import("./rds-read.js")]);
    return collectAccounts(ctx, { id: "aws.rds.clusters", schema: dbClusterSchema }, collectDbClusters);
  },
};
