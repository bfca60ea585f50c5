// The benchmark's synthetic estate: plain data the loopback fakes serve, built the same way on
// every run so figures from two runs compare. Sizes follow the full estate at scale 1.

export const ACCOUNT_ID = "600000000001";

export const REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1", "ap-southeast-2"];

/** Sizes of the full estate; `--scale` multiplies each (at least one of each remains). */
export const FULL_SIZES = { buckets: 2000, instances: 300, clusters: 40, trails: 20, clerkUsers: 50_000, tables: 1000 };

export function scaledSizes(scale) {
  const sizes = {};
  for (const [name, full] of Object.entries(FULL_SIZES)) sizes[name] = Math.max(1, Math.round(full * scale));
  return sizes;
}

const ALL_BLOCKED = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };

/** Parameters of every DB parameter group: about a page and a half, as a real group has hundreds. */
function parameters(forceSsl, tlsName) {
  const list = Array.from({ length: 140 }, (_, index) => ({ name: `param_${String(index).padStart(3, "0")}`, value: String(index), source: "user" }));
  list.push({ name: tlsName, value: forceSsl, source: "user" });
  return list.sort((a, b) => a.name.localeCompare(b.name));
}

function tlsOnlyPolicy(bucket) {
  return {
    Version: "2012-10-17",
    Statement: [{
      Sid: "DenyInsecureTransport", Effect: "Deny", Principal: { AWS: "*" }, Action: "s3:*",
      Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    }],
  };
}

/** Builds the AWS account: buckets spread over the regions, RDS per region, trails homed in the regions. */
export function awsEstate(sizes) {
  const buckets = Array.from({ length: sizes.buckets }, (_, index) => {
    const name = `bench-${String(index).padStart(5, "0")}`;
    const kind = index % 10;
    return {
      name,
      region: REGIONS[index % REGIONS.length],
      encryption: kind === 0 ? { algorithm: "aws:kms", kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/bench`, bucketKeyEnabled: true } : { algorithm: "AES256" },
      publicAccessBlock: kind === 1 ? undefined : ALL_BLOCKED,
      versioning: kind < 5 ? "Enabled" : undefined,
      policy: kind % 2 === 0 ? tlsOnlyPolicy(name) : undefined,
      logging: kind === 3 ? { targetBucket: "bench-00000", targetPrefix: `${name}/` } : undefined,
      objectLock: kind === 4 ? { mode: "COMPLIANCE", days: 365 } : undefined,
      tags: { env: kind < 3 ? "production" : "staging", data: kind === 0 ? "confidential" : kind === 2 ? "backup" : kind === 4 ? "evidence" : "internal" },
    };
  });

  const rds = {};
  for (const region of REGIONS) rds[region] = { instances: [], clusters: [], parameterGroups: {}, clusterParameterGroups: {} };
  for (let index = 0; index < sizes.clusters; index++) {
    const region = REGIONS[index % REGIONS.length];
    const group = `aurora-pg-${index % 4}`;
    rds[region].clusterParameterGroups[group] ??= parameters(index % 4 === 3 ? "0" : "1", "rds.force_ssl");
    rds[region].clusters.push({
      id: `aurora-${index}`, engine: "aurora-postgresql", engineVersion: "16.4", storageEncrypted: true, backupRetentionDays: 35,
      deletionProtection: index % 5 !== 0, parameterGroup: group, availabilityZones: [`${region}a`, `${region}b`],
      tags: { env: index % 2 ? "production" : "staging" },
    });
  }
  for (let index = 0; index < sizes.instances; index++) {
    const region = REGIONS[index % REGIONS.length];
    const regionClusters = rds[region].clusters;
    // One instance in three is an Aurora member, as long as the region has clusters.
    const cluster = index % 3 === 0 && regionClusters.length > 0 ? regionClusters[(index / 3) % regionClusters.length | 0] : undefined;
    const mysql = !cluster && index % 7 === 0;
    const group = cluster ? "aurora-instance" : mysql ? `mysql-${index % 3}` : `postgres-${index % 6}`;
    rds[region].parameterGroups[group] ??= parameters(index % 6 === 5 ? "0" : "1", mysql ? "require_secure_transport" : "rds.force_ssl");
    rds[region].instances.push({
      id: `db-${index}`, engine: cluster ? "aurora-postgresql" : mysql ? "mysql" : "postgres", engineVersion: mysql ? "8.0.36" : "16.4",
      storageEncrypted: index % 11 !== 0, multiAz: index % 4 !== 0, backupRetentionDays: index % 9 === 0 ? 7 : 35, deletionProtection: true,
      publiclyAccessible: index % 50 === 0, parameterGroup: group, clusterId: cluster?.id, availabilityZone: `${region}${"abc"[index % 3]}`,
      tags: { env: index % 2 ? "production" : "staging" },
    });
  }

  const trails = Array.from({ length: sizes.trails }, (_, index) => ({
    name: `trail-${index}`, homeRegion: REGIONS[index % REGIONS.length], isMultiRegion: index === 0, logFileValidation: index % 3 !== 2,
    kmsKeyId: index % 2 === 0 ? `arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/trail` : undefined, s3Bucket: "bench-00000", isLogging: index % 5 !== 4,
    latestDeliveryTime: "2026-03-01T11:00:00Z",
  }));

  return { accountId: ACCOUNT_ID, accountPublicAccessBlock: undefined, buckets, rds, trails };
}

/** Builds Clerk users in the Backend API's wire shape: one in 50 an admin, most of the others clients or therapists. */
export function clerkUsers(count, userJson) {
  const start = Date.parse("2024-01-01T00:00:00Z");
  const roles = ["client", "client", "client", "therapist", "employer_admin"];
  return Array.from({ length: count }, (_, index) => userJson({
    id: `user_bench${String(index).padStart(7, "0")}`,
    role: index % 50 === 0 ? "admin" : roles[index % roles.length],
    createdAt: start + index * 60_000,
    lastSignInAt: start + index * 60_000 + 86_400_000,
    twoFactor: index % 3 !== 0,
    password: true,
  }));
}
