import type { Selector } from "../../src/config/schema.js";
import type { FakeEstate, FakeParameter } from "../../tests/fakes/aws/estate.js";

/**
 * The demo's AWS account. It has one production PostgreSQL database whose backups are kept for
 * 7 days only, and a staging database. Its four buckets are uploads (SSE-S3 only), backups,
 * evidence (under Object Lock) and logs (without a TLS-only policy). One multi-region trail logs
 * without KMS. Names and ids are made up.
 */
export const DEMO_ACCOUNT = "418295730016";

const KMS = (region: string, id: string) => `arn:aws:kms:${region}:${DEMO_ACCOUNT}:key/${id}`;
const ALL_BLOCKED = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };

function tlsOnlyPolicy(bucket: string): unknown {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: "s3:*",
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

/** PostgreSQL parameters in the order DescribeDBParameters lists them (by name). */
function postgresParameters(forceSsl: string | undefined): FakeParameter[] {
  const set: Record<string, string> = {
    "autovacuum": "1", "autovacuum_max_workers": "3", "autovacuum_naptime": "15", "checkpoint_timeout": "300",
    "client_encoding": "UTF8", "default_transaction_isolation": "read committed", "effective_cache_size": "{DBInstanceClassMemory/16384}",
    "idle_in_transaction_session_timeout": "86400000", "lc_messages": "C", "log_connections": "1", "log_disconnections": "1",
    "log_min_duration_statement": "1000", "log_statement": "ddl", "maintenance_work_mem": "GREATEST({DBInstanceClassMemory*1024/63963136},65536)",
    "max_connections": "LEAST({DBInstanceClassMemory/9531392},5000)", "password_encryption": "scram-sha-256", "pgaudit.log": "write,ddl,role",
    "random_page_cost": "1.1", "rds.log_retention_period": "4320", "shared_buffers": "{DBInstanceClassMemory/32768}",
    "shared_preload_libraries": "pg_stat_statements,pgaudit", "ssl": "1", "ssl_min_protocol_version": "TLSv1.2",
    "statement_timeout": "0", "timezone": "UTC", "track_io_timing": "1", "work_mem": "4096",
  };
  const parameters: FakeParameter[] = Object.entries(set).map(([name, value]) => ({ name, value, source: "user" }));
  parameters.push({ name: "rds.force_ssl", value: forceSsl, source: forceSsl === undefined ? "engine-default" : "user" });
  return parameters.sort((a, b) => a.name.localeCompare(b.name));
}

export const DEMO_ESTATE: FakeEstate = {
  accountId: DEMO_ACCOUNT,
  callerArn: `arn:aws:sts::${DEMO_ACCOUNT}:assumed-role/soc2-audit/ci`,
  accountPublicAccessBlock: ALL_BLOCKED,
  rds: {
    "us-east-1": {
      instances: [
        {
          id: "renavest-prod",
          engine: "postgres",
          engineVersion: "16.4",
          instanceClass: "db.m6g.large",
          storageEncrypted: true,
          kmsKeyId: KMS("us-east-1", "7c1e2f4a-53b8-4d6e-9a0f-2b8c6d4e1f30"),
          multiAz: true,
          backupRetentionDays: 7,
          deletionProtection: true,
          publiclyAccessible: false,
          parameterGroup: "renavest-postgres16",
          logExports: ["postgresql", "upgrade"],
          availabilityZone: "us-east-1a",
          tags: { env: "production", app: "renavest" },
        },
        {
          id: "renavest-staging",
          engine: "postgres",
          engineVersion: "15.8",
          instanceClass: "db.t4g.medium",
          storageEncrypted: true,
          kmsKeyId: KMS("us-east-1", "aws-managed-rds"),
          multiAz: false,
          backupRetentionDays: 1,
          deletionProtection: false,
          publiclyAccessible: false,
          parameterGroup: "default.postgres15",
          availabilityZone: "us-east-1b",
          tags: { env: "staging", app: "renavest" },
        },
      ],
      parameterGroups: {
        "renavest-postgres16": postgresParameters("1"),
        // The default group leaves rds.force_ssl unset; PostgreSQL 15 and later default it to on.
        "default.postgres15": postgresParameters(undefined),
      },
    },
  },
  buckets: [
    {
      name: "renavest-uploads",
      region: "us-east-1",
      createdAt: "2024-02-12T15:04:11.000Z",
      encryption: { algorithm: "AES256" },
      versioning: "Enabled",
      policy: tlsOnlyPolicy("renavest-uploads"),
      logging: { targetBucket: "renavest-logs", targetPrefix: "s3/renavest-uploads/" },
      tags: { app: "renavest", data: "client-documents" },
    },
    {
      name: "renavest-db-backups",
      region: "us-east-1",
      createdAt: "2024-02-12T15:09:40.000Z",
      encryption: { algorithm: "aws:kms", kmsKeyId: KMS("us-east-1", "5d0a9c3e-8f21-4b7a-b6e4-91c2f3a8d7e5"), bucketKeyEnabled: true },
      publicAccessBlock: ALL_BLOCKED,
      versioning: "Enabled",
      policy: tlsOnlyPolicy("renavest-db-backups"),
      logging: { targetBucket: "renavest-logs", targetPrefix: "s3/renavest-db-backups/" },
      tags: { app: "renavest", data: "backups" },
    },
    {
      name: "renavest-soc2-evidence",
      region: "us-west-2",
      createdAt: "2025-06-02T08:30:00.000Z",
      encryption: { algorithm: "aws:kms", kmsKeyId: KMS("us-west-2", "c3b7e1d9-2a4f-4e86-8d15-6f0a9b2c4e71"), bucketKeyEnabled: true },
      publicAccessBlock: ALL_BLOCKED,
      versioning: "Enabled",
      policy: tlsOnlyPolicy("renavest-soc2-evidence"),
      objectLock: { mode: "COMPLIANCE", days: 400 },
      tags: { app: "soc2", data: "evidence" },
    },
    {
      name: "renavest-logs",
      region: "us-east-1",
      createdAt: "2024-02-12T14:58:02.000Z",
      encryption: { algorithm: "AES256" },
      tags: { app: "renavest", data: "logs" },
    },
  ],
  trails: [
    {
      name: "renavest-audit",
      homeRegion: "us-east-1",
      isMultiRegion: true,
      logFileValidation: true,
      s3Bucket: "renavest-logs",
      isLogging: true,
      latestDeliveryTime: "2026-12-04T08:52:37Z",
    },
  ],
};

/** The classification selectors the demo configuration needs for these resources. */
export const DEMO_SELECTORS: Selector[] = [
  { class: "production", match: { kind: "db-instance", tags: { env: "production" } } },
  { class: "confidential", match: { kind: "bucket", name: "renavest-uploads" } },
  { class: "backup", match: { kind: "bucket", name: "renavest-db-backups" } },
  { class: "evidence", match: { kind: "bucket", name: "renavest-soc2-evidence" } },
];

export const DEMO_REGIONS = ["us-east-1", "us-west-2", "eu-west-1"];
