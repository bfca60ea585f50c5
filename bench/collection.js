// Collection through the real runner (engine/collect.ts `collect()`), with every collector timed,
// and the calls the fakes saw compared with the fewest the estate allows.

/** Fields of a resource each AWS operation fills, to tell which calls the shipped controls read. */
const OPERATION_FIELDS = {
  // The account id is in every ARN, and ARNs are the resources' ids.
  "sts.GetCallerIdentity": { collector: "*", fields: ["*"] },
  "s3.ListBuckets": { collector: "aws.s3.buckets", fields: ["name", "region", "createdAt", "id", "classes"] },
  "s3.GetBucketLocation": { collector: "aws.s3.buckets", fields: ["region"] },
  "s3.GetBucketEncryption": { collector: "aws.s3.buckets", fields: ["encryptionAlgorithm", "kmsKeyId", "bucketKeyEnabled"] },
  "s3.GetPublicAccessBlock": { collector: "aws.s3.buckets", fields: ["publicAccessBlock"] },
  "s3control.GetPublicAccessBlock": { collector: "aws.s3.buckets", fields: ["publicAccessBlock"] },
  "s3.GetBucketVersioning": { collector: "aws.s3.buckets", fields: ["versioning", "mfaDelete"] },
  "s3.GetBucketPolicy": { collector: "aws.s3.buckets", fields: ["denyInsecureTransport"] },
  "s3.GetBucketLogging": { collector: "aws.s3.buckets", fields: ["accessLogging", "accessLogTarget"] },
  "s3.GetObjectLockConfiguration": { collector: "aws.s3.buckets", fields: ["objectLockEnabled", "objectLockMode", "objectLockRetentionDays"] },
  // Tags feed `classes` through the classification selectors.
  "s3.GetBucketTagging": { collector: "aws.s3.buckets", fields: ["tags", "classes"] },
  "rds.DescribeDBInstances": { collector: "aws.rds.*", fields: ["*"] },
  "rds.DescribeDBClusters": { collector: "aws.rds.*", fields: ["*"] },
  "rds.DescribeDBParameters": { collector: "aws.rds.*", fields: ["forceSsl"] },
  "rds.DescribeDBClusterParameters": { collector: "aws.rds.*", fields: ["forceSsl"] },
  "cloudtrail.DescribeTrails": { collector: "aws.cloudtrail.trails", fields: ["*"] },
  "cloudtrail.GetTrailStatus": { collector: "aws.cloudtrail.trails", fields: ["isLogging", "latestDeliveryError", "latestDeliveryTime"] },
  "cloudtrail.GetEventSelectors": { collector: "aws.cloudtrail.trails", fields: ["managementEventsRead", "managementEventsWrite", "dataEvents"] },
};

/**
 * Runs every collector the controls need once, concurrently, as `soc2 check` does; returns the
 * snapshot and timings. The workspace's registry entries are replaced by timed copies, so each
 * run opens a workspace of its own.
 */
export async function runCollection(build, workspace, env, now) {
  const { collect } = await build.load("src/engine/collect.js");
  const { createClassifier } = await build.load("src/config/classify.js");
  const timings = {};
  const registry = workspace.registry;
  for (const [id, collector] of registry.collectors) {
    registry.collectors.set(id, {
      ...collector,
      async collect(ctx) {
        const started = performance.now();
        try {
          return await collector.collect(ctx);
        } finally {
          timings[id] = performance.now() - started;
        }
      },
    });
  }

  const started = performance.now();
  const snapshot = await collect(workspace.controls, {
    registry,
    sources: workspace.sources,
    env,
    now,
    classify: createClassifier(workspace.loaded.config.classification),
    timeoutMs: 600_000,
  });
  const totalMs = performance.now() - started;
  return { snapshot, timings, totalMs };
}

/**
 * The fewest calls per AWS operation that read the whole estate with the collectors' schemas:
 * one per bucket and per subresource, the API's largest pages, each parameter group once.
 */
export function minimumAwsCalls(estate, regions, accountIdConfigured) {
  const buckets = estate.buckets.length;
  const minimum = {
    "sts.GetCallerIdentity": accountIdConfigured ? 0 : 1,
    "s3.ListBuckets": Math.max(1, Math.ceil(buckets / 10_000)),
    "s3control.GetPublicAccessBlock": 1,
    "s3.GetBucketLocation": estate.buckets.filter((bucket) => bucket.listedRegion === null).length,
  };
  for (const operation of ["GetBucketEncryption", "GetPublicAccessBlock", "GetBucketVersioning", "GetBucketPolicy", "GetBucketLogging", "GetObjectLockConfiguration", "GetBucketTagging"]) {
    minimum[`s3.${operation}`] = buckets;
  }

  let instancePages = 0;
  let clusterPages = 0;
  let parameterPages = 0;
  let clusterParameterPages = 0;
  for (const region of regions) {
    const rds = estate.rds[region] ?? { instances: [], clusters: [], parameterGroups: {}, clusterParameterGroups: {} };
    instancePages += Math.max(1, Math.ceil(rds.instances.length / 100));
    clusterPages += Math.max(1, Math.ceil(rds.clusters.length / 100));
    // Instance groups are read for instances outside a cluster; Aurora reads its cluster's group.
    const instanceGroups = new Set(rds.instances.filter((instance) => !instance.clusterId).map((instance) => instance.parameterGroup));
    for (const group of instanceGroups) parameterPages += Math.max(1, Math.ceil(rds.parameterGroups[group].length / 100));
    const clusterGroups = new Set(rds.clusters.map((cluster) => cluster.parameterGroup));
    for (const group of clusterGroups) clusterParameterPages += Math.max(1, Math.ceil(rds.clusterParameterGroups[group].length / 100));
  }
  minimum["rds.DescribeDBInstances"] = instancePages;
  minimum["rds.DescribeDBClusters"] = clusterPages;
  minimum["rds.DescribeDBParameters"] = parameterPages;
  minimum["rds.DescribeDBClusterParameters"] = clusterParameterPages;

  minimum["cloudtrail.DescribeTrails"] = regions.length;
  minimum["cloudtrail.GetTrailStatus"] = estate.trails.length;
  minimum["cloudtrail.GetEventSelectors"] = estate.trails.length;
  return minimum;
}

/** Tells whether any shipped control reads a field the operation fills (or the whole resource, for listings). */
export function neededByControls(operation, controls) {
  const spec = OPERATION_FIELDS[operation];
  if (!spec) return true;
  const matching = controls.filter((control) => {
    const id = control.collector?.id ?? "";
    return spec.collector === "*" ? id.startsWith("aws.") : spec.collector.endsWith("*") ? id.startsWith(spec.collector.slice(0, -1)) : id === spec.collector;
  });
  if (spec.fields.includes("*")) return matching.length > 0;
  return matching.some((control) => {
    const read = [...(control.where?.fieldsRead ?? []), ...control.assertions.flatMap((assertion) => assertion.expression.fieldsRead)];
    return read.some((field) => spec.fields.includes(field.split(".")[0]));
  });
}

/** Calls per operation: sent (all attempts), throttled answers, successful, against the minimum. */
export function tallyAwsCalls(calls, minimum, controls) {
  const rows = new Map();
  for (const call of calls) {
    const row = rows.get(call.operation) ?? { operation: call.operation, sent: 0, throttled: 0, ok: 0 };
    row.sent += 1;
    if (call.status === 503 || (call.status === 400 && isThrottle(call))) row.throttled += 1;
    else row.ok += 1;
    rows.set(call.operation, row);
  }
  for (const operation of Object.keys(minimum)) if (!rows.has(operation) && minimum[operation] > 0) rows.set(operation, { operation, sent: 0, throttled: 0, ok: 0 });
  return [...rows.values()]
    .map((row) => ({ ...row, minimum: minimum[row.operation] ?? null, needed: neededByControls(row.operation, controls) }))
    .sort((a, b) => a.operation.localeCompare(b.operation));
}

/** A 400 from the fake is a throttle for the JSON and Query services; the estate itself never answers 400. */
function isThrottle(call) {
  return !call.operation.startsWith("s3");
}

/** Clerk requests per endpoint, and the fewest that read every user with the largest page (500). */
export function tallyClerkCalls(requests, users) {
  const counts = {};
  for (const request of requests) counts[request.path] = (counts[request.path] ?? 0) + 1;
  return [
    { operation: "clerk GET /v1/users", sent: counts["/v1/users"] ?? 0, minimum: Math.ceil(users / 500) },
    { operation: "clerk GET /v1/users/count", sent: counts["/v1/users/count"] ?? 0, minimum: 1 },
    { operation: "clerk GET /v1/organization_memberships", sent: counts["/v1/organization_memberships"] ?? 0, minimum: 1 },
  ];
}

/** Resources of every collector without run-specific details, to compare two runs. */
export function comparableResources(snapshot) {
  const out = {};
  for (const [key, record] of Object.entries(snapshot.collectors)) {
    out[key] = record.status === "ok" ? JSON.stringify(record.resources) : `${record.status}: ${JSON.stringify(record.error ?? record.reason)}`;
  }
  return out;
}
