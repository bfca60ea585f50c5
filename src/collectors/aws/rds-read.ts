import {
  DescribeDBClusterParametersCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  type DBCluster,
  type DBInstance,
  type Parameter,
  type Tag,
} from "@aws-sdk/client-rds";
import { CollectorError } from "../../errors.js";
import type { CollectContext, CollectorOutput, Resource } from "../types.js";
import { AwsCallError, callAws, openCallScope, type CallScope } from "./calls.js";
import type { AwsConfig } from "./config.js";
import { tlsEnforced, tlsParameterFor, type TlsParameter } from "./rds-tls.js";
import { openSession } from "./session.js";

/** Rows per page for RDS describe calls; 100 is the API's maximum. */
const PAGE_SIZE = 100;

export async function collectDbInstances(ctx: CollectContext<AwsConfig>): Promise<CollectorOutput> {
  const scope = await openScope(ctx);
  const perRegion = await Promise.all(ctx.source.regions.map(async (region) => {
    const [instances, clusters] = await Promise.all([listInstances(scope, region), listClusters(scope, region)]);
    const parameters = new ParameterReader(scope, region);
    const clustersById = new Map(clusters.map((cluster) => [cluster.DBClusterIdentifier ?? "", cluster]));
    return Promise.all(instances.map((instance) => instanceResource(ctx, scope, region, instance, clustersById, parameters)));
  }));
  return { resources: perRegion.flat(), coverage: scope.coverage.toEntries() };
}

export async function collectDbClusters(ctx: CollectContext<AwsConfig>): Promise<CollectorOutput> {
  const scope = await openScope(ctx);
  const perRegion = await Promise.all(ctx.source.regions.map(async (region) => {
    const [clusters, instances] = await Promise.all([listClusters(scope, region), listInstances(scope, region)]);
    const parameters = new ParameterReader(scope, region);
    return Promise.all(clusters.map((cluster) => clusterResource(ctx, scope, region, cluster, instances, parameters)));
  }));
  return { resources: perRegion.flat(), coverage: scope.coverage.toEntries() };
}

async function openScope(ctx: CollectContext<AwsConfig>): Promise<CallScope> {
  return openCallScope(ctx, await openSession(ctx));
}

async function listInstances(scope: CallScope, region: string): Promise<DBInstance[]> {
  const client = await scope.session.client("rds", region);
  const instances: DBInstance[] = [];
  let marker: string | undefined;
  do {
    const page = await collectorCall(scope, "rds.DescribeDBInstances", region, `region ${region}`, () =>
      client.send(new DescribeDBInstancesCommand({ MaxRecords: PAGE_SIZE, Marker: marker }), { abortSignal: scope.signal }));
    instances.push(...(page.DBInstances ?? []));
    marker = page.Marker;
  } while (marker);
  return instances;
}

async function listClusters(scope: CallScope, region: string): Promise<DBCluster[]> {
  const client = await scope.session.client("rds", region);
  const clusters: DBCluster[] = [];
  let marker: string | undefined;
  do {
    const page = await collectorCall(scope, "rds.DescribeDBClusters", region, `region ${region}`, () =>
      client.send(new DescribeDBClustersCommand({ MaxRecords: PAGE_SIZE, Marker: marker }), { abortSignal: scope.signal }));
    clusters.push(...(page.DBClusters ?? []));
    marker = page.Marker;
  } while (marker);
  return clusters;
}

/** Sends a listing call. A failed listing leaves nothing to judge, so it fails the whole collector. */
async function collectorCall<T>(scope: CallScope, operation: Parameters<typeof callAws>[1], region: string, target: string, run: () => Promise<T>): Promise<T> {
  try {
    return await callAws(scope, operation, region, target, run);
  } catch (error) {
    if (error instanceof AwsCallError) throw new CollectorError(error.code, error.message, { cause: error });
    throw error;
  }
}

/**
 * Reads parameter values from DB and DB cluster parameter groups, each group once per run and
 * region. The API cannot filter by name, so every page of the group is read.
 */
class ParameterReader {
  private readonly groups = new Map<string, Promise<Parameter[]>>();

  constructor(private readonly scope: CallScope, private readonly region: string) {}

  async value(level: TlsParameter["level"], group: string, name: string): Promise<string | undefined> {
    const key = `${level}/${group}`;
    let parameters = this.groups.get(key);
    if (!parameters) {
      parameters = level === "cluster" ? this.readClusterGroup(group) : this.readGroup(group);
      this.groups.set(key, parameters);
    }
    return (await parameters).find((parameter) => parameter.ParameterName === name)?.ParameterValue;
  }

  private async readGroup(group: string): Promise<Parameter[]> {
    const client = await this.scope.session.client("rds", this.region);
    const parameters: Parameter[] = [];
    let marker: string | undefined;
    do {
      const page = await callAws(this.scope, "rds.DescribeDBParameters", this.region, `DB parameter group ${group} in ${this.region}`, () =>
        client.send(new DescribeDBParametersCommand({ DBParameterGroupName: group, MaxRecords: PAGE_SIZE, Marker: marker }), { abortSignal: this.scope.signal }));
      parameters.push(...(page.Parameters ?? []));
      marker = page.Marker;
    } while (marker);
    return parameters;
  }

  private async readClusterGroup(group: string): Promise<Parameter[]> {
    const client = await this.scope.session.client("rds", this.region);
    const parameters: Parameter[] = [];
    let marker: string | undefined;
    do {
      const page = await callAws(this.scope, "rds.DescribeDBClusterParameters", this.region, `DB cluster parameter group ${group} in ${this.region}`, () =>
        client.send(new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: group, MaxRecords: PAGE_SIZE, Marker: marker }), { abortSignal: this.scope.signal }));
      parameters.push(...(page.Parameters ?? []));
      marker = page.Marker;
    } while (marker);
    return parameters;
  }
}

async function instanceResource(
  ctx: CollectContext<AwsConfig>,
  scope: CallScope,
  region: string,
  instance: DBInstance,
  clustersById: Map<string, DBCluster>,
  parameters: ParameterReader,
): Promise<Resource> {
  const account = scope.session.accountId;
  const name = instance.DBInstanceIdentifier ?? "";
  const clusterId = instance.DBClusterIdentifier ?? null;
  const cluster = clusterId === null ? undefined : clustersById.get(clusterId);
  const tags = tagMap(instance.TagList);
  const classes = new Set(ctx.classify({ kind: "db-instance", name, account, region, tags }));
  if (cluster) {
    for (const value of ctx.classify({ kind: "db-cluster", name: clusterId!, account, region, tags: tagMap(cluster.TagList) })) classes.add(value);
  }

  // A cluster member's Multi-AZ, deletion protection, encryption and backup retention are set on
  // the cluster. The instance's own fields show false or a copy, so the cluster's values count.
  const judged = cluster ?? instance;
  const parameterGroups = (instance.DBParameterGroups ?? []).map((group) => group.DBParameterGroupName ?? "").filter(Boolean);
  const resource: Resource = {
    id: instance.DBInstanceArn ?? `arn:${scope.session.partition}:rds:${region}:${account}:db:${name}`,
    classes: [...classes].sort(),
    name,
    arn: instance.DBInstanceArn ?? "",
    account,
    region,
    engine: instance.Engine ?? "",
    engineVersion: instance.EngineVersion ?? "",
    status: instance.DBInstanceStatus ?? "",
    instanceClass: instance.DBInstanceClass ?? "",
    storageEncrypted: judged.StorageEncrypted ?? false,
    kmsKeyId: judged.KmsKeyId ?? null,
    multiAz: (cluster ? cluster.MultiAZ : instance.MultiAZ) ?? false,
    backupRetentionDays: judged.BackupRetentionPeriod ?? 0,
    deletionProtection: judged.DeletionProtection ?? false,
    publiclyAccessible: instance.PubliclyAccessible ?? false,
    parameterGroups,
    clusterParameterGroup: cluster?.DBClusterParameterGroup ?? null,
    logExports: instance.EnabledCloudwatchLogsExports ?? [],
    autoMinorVersionUpgrade: instance.AutoMinorVersionUpgrade ?? false,
    clusterId,
    replicaSource: instance.ReadReplicaSourceDBInstanceIdentifier ?? null,
    forceSsl: null,
    tags,
  };

  if (clusterId !== null && !cluster) {
    resource._error = { code: "SOC2_AWS_CLUSTER_NOT_FOUND", message: `DB instance ${name} names cluster ${clusterId}, which DescribeDBClusters in ${region} did not return` };
    return resource;
  }
  try {
    resource.forceSsl = await readForceSsl(parameters, instance.Engine ?? "", instance.EngineVersion ?? "", cluster !== undefined, parameterGroups[0], cluster?.DBClusterParameterGroup);
  } catch (error) {
    if (!(error instanceof AwsCallError)) throw error;
    resource._error = error.failure;
  }
  return resource;
}

async function clusterResource(
  ctx: CollectContext<AwsConfig>,
  scope: CallScope,
  region: string,
  cluster: DBCluster,
  instances: DBInstance[],
  parameters: ParameterReader,
): Promise<Resource> {
  const account = scope.session.accountId;
  const name = cluster.DBClusterIdentifier ?? "";
  const tags = tagMap(cluster.TagList);
  const memberIds = (cluster.DBClusterMembers ?? []).map((member) => member.DBInstanceIdentifier ?? "").filter(Boolean);
  const members = instances.filter((instance) => memberIds.includes(instance.DBInstanceIdentifier ?? ""));
  const resource: Resource = {
    id: cluster.DBClusterArn ?? `arn:${scope.session.partition}:rds:${region}:${account}:cluster:${name}`,
    classes: ctx.classify({ kind: "db-cluster", name, account, region, tags }),
    name,
    arn: cluster.DBClusterArn ?? "",
    account,
    region,
    engine: cluster.Engine ?? "",
    engineVersion: cluster.EngineVersion ?? "",
    status: cluster.Status ?? "",
    storageEncrypted: cluster.StorageEncrypted ?? false,
    kmsKeyId: cluster.KmsKeyId ?? null,
    multiAz: cluster.MultiAZ ?? false,
    backupRetentionDays: cluster.BackupRetentionPeriod ?? 0,
    deletionProtection: cluster.DeletionProtection ?? false,
    // Aurora sets public accessibility per instance: the cluster is reachable if any member is.
    publiclyAccessible: cluster.PubliclyAccessible ?? members.some((instance) => instance.PubliclyAccessible === true),
    parameterGroups: cluster.DBClusterParameterGroup ? [cluster.DBClusterParameterGroup] : [],
    logExports: cluster.EnabledCloudwatchLogsExports ?? [],
    autoMinorVersionUpgrade: cluster.AutoMinorVersionUpgrade ?? null,
    members: memberIds,
    availabilityZones: cluster.AvailabilityZones ?? [],
    forceSsl: null,
    tags,
  };
  try {
    resource.forceSsl = await readForceSsl(parameters, cluster.Engine ?? "", cluster.EngineVersion ?? "", true, undefined, cluster.DBClusterParameterGroup);
  } catch (error) {
    if (!(error instanceof AwsCallError)) throw error;
    resource._error = error.failure;
  }
  return resource;
}

/**
 * Reads the effective TLS switch from the group attached. A parameter change that waits for a
 * reboot (ParameterApplyStatus pending-reboot) is read as already applied.
 */
async function readForceSsl(
  parameters: ParameterReader,
  engine: string,
  engineVersion: string,
  inCluster: boolean,
  instanceGroup: string | undefined,
  clusterGroup: string | undefined,
): Promise<boolean | null> {
  const parameter = tlsParameterFor(engine, inCluster);
  if (!parameter) return null;
  const group = parameter.level === "cluster" ? clusterGroup : instanceGroup;
  if (!group) return tlsEnforced(undefined, engine, engineVersion);
  return tlsEnforced(await parameters.value(parameter.level, group, parameter.name), engine, engineVersion);
}

function tagMap(tags: Tag[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key) map[tag.Key] = tag.Value ?? "";
  return map;
}
