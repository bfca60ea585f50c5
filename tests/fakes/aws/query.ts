import type { FakeEstate, FakeDbCluster, FakeDbInstance, FakeParameter } from "./estate.js";
import { assumedAccessKeyId, decodeMarker, encodeMarker, requestId, type FakeRequest, type FakeResponse, type FakeServerOptions, type ServiceProtocol } from "./protocol.js";
import { members, xml, xmlDocument, type XmlNode } from "./xml.js";

const RDS_NAMESPACE = "http://rds.amazonaws.com/doc/2014-10-31/";
const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

/** RDS and STS over the AWS Query protocol: form-encoded POST, XML answers wrapped in `<Action>Response`. */
export const queryProtocol: ServiceProtocol = {
  identify(request) {
    const params = new URLSearchParams(request.body);
    const action = params.get("Action");
    if (!action) return undefined;
    const client = request.service === "sts" ? "sts" : "rds";
    const target = params.get("RoleArn") ?? params.get("DBParameterGroupName") ?? params.get("DBClusterParameterGroupName") ?? request.region;
    return { operation: `${client}.${action}`, target };
  },

  respond(request, operation, estate, options) {
    const params = new URLSearchParams(request.body);
    switch (operation) {
      case "sts.GetCallerIdentity":
        return queryResult(STS_NAMESPACE, "GetCallerIdentity", xml({
          Arn: estate.callerArn ?? `arn:aws:sts::${estate.accountId}:assumed-role/soc2-audit/session`,
          UserId: "AROAEXAMPLEROLEID:session",
          Account: estate.accountId,
        }));
      case "sts.AssumeRole":
        return assumeRole(params, estate);
      case "rds.DescribeDBInstances":
        return describeInstances(request, params, estate, options);
      case "rds.DescribeDBClusters":
        return describeClusters(request, params, estate, options);
      case "rds.DescribeDBParameters":
        return describeParameters(request, params, estate, options, "instance");
      case "rds.DescribeDBClusterParameters":
        return describeParameters(request, params, estate, options, "cluster");
      default:
        return queryError(400, "Sender", "InvalidAction", `The action ${params.get("Action")} is not valid for this web service.`);
    }
  },

  error(request, kind, operation, estate) {
    if (kind === "throttled") return queryError(400, "Sender", "Throttling", "Rate exceeded");
    if (operation === "sts.AssumeRole" && kind === "denied") return assumeRoleDenied(new URLSearchParams(request.body).get("RoleArn") ?? "", estate);
    if (kind === "internal") return queryError(500, "Receiver", "InternalFailure", "An internal error has occurred. Please try your query again at a later time.");
    const action = operation.replace(".", ":");
    return queryError(403, "Sender", "AccessDenied",
      `User: arn:aws:sts::${estate.accountId}:assumed-role/soc2-audit/session is not authorized to perform: ${action} on resource: arn:aws:rds:${request.region}:${estate.accountId}:db:* because no identity-based policy allows the ${action} action`);
  },
};

/**
 * Issues credentials for a role of a member account. The role must be listed in the member's
 * `roles`, with its external id when it requires one; anything else is AccessDenied, as AWS
 * answers for a role that does not exist or does not trust the caller.
 */
function assumeRole(params: URLSearchParams, estate: FakeEstate): FakeResponse {
  const roleArn = params.get("RoleArn") ?? "";
  const match = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(roleArn);
  const member = estate.members?.find((candidate) => candidate.accountId === match?.[1]);
  const role = member?.roles?.find((candidate) => candidate.name === match?.[2]);
  if (!member || !role || (role.externalId !== undefined && role.externalId !== params.get("ExternalId"))) return assumeRoleDenied(roleArn, estate);

  const sessionName = params.get("RoleSessionName") ?? "";
  return queryResult(STS_NAMESPACE, "AssumeRole", xml({
    AssumedRoleUser: { Arn: `arn:aws:sts::${member.accountId}:assumed-role/${role.name}/${sessionName}`, AssumedRoleId: `AROAFAKEROLE${member.accountId}:${sessionName}` },
    Credentials: {
      AccessKeyId: assumedAccessKeyId(member.accountId),
      SecretAccessKey: "fake-assumed-secret-access-key",
      SessionToken: `fake-session-token-${member.accountId}`,
      Expiration: new Date(Date.now() + 3_600_000).toISOString(),
    },
  }));
}

function assumeRoleDenied(roleArn: string, estate: FakeEstate): FakeResponse {
  return stsError(403, "AccessDenied",
    `User: arn:aws:sts::${estate.accountId}:assumed-role/soc2-audit/session is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
}

function stsError(status: number, code: string, message: string): FakeResponse {
  return {
    status,
    headers: { "content-type": "text/xml" },
    body: xmlDocument("ErrorResponse", STS_NAMESPACE, xml({ Error: { Type: "Sender", Code: code, Message: message }, RequestId: requestId() })),
  };
}

function queryResult(namespace: string, action: string, body: string): FakeResponse {
  return {
    status: 200,
    headers: { "content-type": "text/xml" },
    body: xmlDocument(`${action}Response`, namespace, `<${action}Result>${body}</${action}Result>${xml({ ResponseMetadata: { RequestId: requestId() } })}`),
  };
}

function queryError(status: number, type: string, code: string, message: string): FakeResponse {
  return {
    status,
    headers: { "content-type": "text/xml" },
    body: xmlDocument("ErrorResponse", RDS_NAMESPACE, xml({ Error: { Type: type, Code: code, Message: message }, RequestId: requestId() })),
  };
}

/** Cuts one page at the request's Marker, at most MaxRecords (default 100) and the fake's page size. */
function page<T>(items: T[], params: URLSearchParams, options: FakeServerOptions): { items: T[]; marker?: string } {
  const start = decodeMarker(params.get("Marker"));
  const requested = Number(params.get("MaxRecords") ?? 100);
  const size = Math.min(requested, options.rdsPageSize ?? 100);
  const next = start + size;
  return { items: items.slice(start, next), marker: next < items.length ? encodeMarker(next) : undefined };
}

function tagList(tags: Record<string, string> | undefined): XmlNode[] {
  return Object.entries(tags ?? {}).map(([Key, Value]) => ({ Tag: { Key, Value } }));
}

function arn(request: FakeRequest, estate: FakeEstate, kind: "db" | "cluster", id: string): string {
  return `arn:aws:rds:${request.region}:${estate.accountId}:${kind}:${id}`;
}

function describeInstances(request: FakeRequest, params: URLSearchParams, estate: FakeEstate, options: FakeServerOptions): FakeResponse {
  const all = estate.rds?.[request.region]?.instances ?? [];
  const { items, marker } = page(all, params, options);
  const body = xml({ DBInstances: items.map((instance) => ({ DBInstance: instanceXml(request, estate, instance) })), Marker: marker });
  return queryResult(RDS_NAMESPACE, "DescribeDBInstances", body);
}

function instanceXml(request: FakeRequest, estate: FakeEstate, instance: FakeDbInstance): XmlNode {
  return {
    DBInstanceIdentifier: instance.id,
    DBInstanceClass: instance.instanceClass ?? "db.r6g.large",
    Engine: instance.engine,
    DBInstanceStatus: instance.status ?? "available",
    BackupRetentionPeriod: instance.backupRetentionDays,
    DBParameterGroups: [{ DBParameterGroup: { DBParameterGroupName: instance.parameterGroup, ParameterApplyStatus: "in-sync" } }],
    AvailabilityZone: instance.availabilityZone,
    MultiAZ: instance.multiAz,
    EngineVersion: instance.engineVersion,
    AutoMinorVersionUpgrade: instance.autoMinorVersionUpgrade ?? true,
    PubliclyAccessible: instance.publiclyAccessible,
    StorageEncrypted: instance.storageEncrypted,
    KmsKeyId: instance.kmsKeyId,
    DBClusterIdentifier: instance.clusterId,
    ReadReplicaSourceDBInstanceIdentifier: instance.replicaOf,
    DBInstanceArn: arn(request, estate, "db", instance.id),
    EnabledCloudwatchLogsExports: instance.logExports ? members("member", instance.logExports) : undefined,
    DeletionProtection: instance.deletionProtection,
    TagList: tagList(instance.tags),
  };
}

function describeClusters(request: FakeRequest, params: URLSearchParams, estate: FakeEstate, options: FakeServerOptions): FakeResponse {
  const region = estate.rds?.[request.region];
  const all = region?.clusters ?? [];
  const { items, marker } = page(all, params, options);
  const body = xml({ DBClusters: items.map((cluster) => ({ DBCluster: clusterXml(request, estate, cluster, region?.instances ?? []) })), Marker: marker });
  return queryResult(RDS_NAMESPACE, "DescribeDBClusters", body);
}

/**
 * A cluster as DescribeDBClusters shows it. MultiAZ is derived as RDS derives it: true when the
 * cluster has instances in more than one Availability Zone.
 */
function clusterXml(request: FakeRequest, estate: FakeEstate, cluster: FakeDbCluster, instances: FakeDbInstance[]): XmlNode {
  const memberInstances = instances.filter((instance) => instance.clusterId === cluster.id);
  const zones = new Set(memberInstances.map((instance) => instance.availabilityZone));
  return {
    AvailabilityZones: cluster.availabilityZones.map((zone) => ({ AvailabilityZone: zone })),
    BackupRetentionPeriod: cluster.backupRetentionDays,
    DBClusterIdentifier: cluster.id,
    DBClusterParameterGroup: cluster.parameterGroup,
    Status: cluster.status ?? "available",
    MultiAZ: zones.size > 1,
    Engine: cluster.engine,
    EngineVersion: cluster.engineVersion,
    DBClusterMembers: memberInstances.map((instance, index) => ({
      DBClusterMember: { DBInstanceIdentifier: instance.id, IsClusterWriter: index === 0, DBClusterParameterGroupStatus: "in-sync", PromotionTier: 1 },
    })),
    StorageEncrypted: cluster.storageEncrypted,
    KmsKeyId: cluster.kmsKeyId,
    DBClusterArn: arn(request, estate, "cluster", cluster.id),
    EnabledCloudwatchLogsExports: cluster.logExports ? members("member", cluster.logExports) : undefined,
    DeletionProtection: cluster.deletionProtection,
    PubliclyAccessible: cluster.publiclyAccessible,
    AutoMinorVersionUpgrade: cluster.autoMinorVersionUpgrade,
    TagList: tagList(cluster.tags),
  };
}

function describeParameters(request: FakeRequest, params: URLSearchParams, estate: FakeEstate, options: FakeServerOptions, level: "instance" | "cluster"): FakeResponse {
  const region = estate.rds?.[request.region];
  const name = params.get(level === "cluster" ? "DBClusterParameterGroupName" : "DBParameterGroupName") ?? "";
  const groups = level === "cluster" ? region?.clusterParameterGroups : region?.parameterGroups;
  const group = groups?.[name];
  if (!group) {
    return queryError(404, "Sender", "DBParameterGroupNotFound", `${level === "cluster" ? "DBClusterParameterGroup" : "DBParameterGroup"} not found: ${name}`);
  }
  const { items, marker } = page(group, params, options);
  const body = xml({ Parameters: items.map((parameter) => ({ Parameter: parameterXml(parameter) })), Marker: marker });
  return queryResult(RDS_NAMESPACE, level === "cluster" ? "DescribeDBClusterParameters" : "DescribeDBParameters", body);
}

function parameterXml(parameter: FakeParameter): XmlNode {
  return {
    ParameterName: parameter.name,
    ParameterValue: parameter.value,
    Description: `fake description of ${parameter.name}`,
    Source: parameter.source ?? (parameter.value === undefined ? "engine-default" : "user"),
    ApplyType: "dynamic",
    DataType: "string",
    IsModifiable: true,
    ApplyMethod: "pending-reboot",
  };
}
