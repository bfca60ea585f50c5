import { afterEach, describe, expect, test } from "vitest";
import { CollectorError } from "../../../src/errors.js";
import type { FakeDbInstance, FakeEstate, FakeParameter } from "../../fakes/aws/estate.js";
import { byName, startHarness, type Harness } from "./harness.js";

const ACCOUNT = "111122223333";

function instance(overrides: Partial<FakeDbInstance> & { id: string }): FakeDbInstance {
  return {
    engine: "postgres",
    engineVersion: "16.4",
    storageEncrypted: true,
    kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/1111aaaa-2222-bbbb-3333-cccc4444dddd",
    multiAz: true,
    backupRetentionDays: 35,
    deletionProtection: true,
    publiclyAccessible: false,
    parameterGroup: "platform-postgres16",
    availabilityZone: "eu-west-1a",
    ...overrides,
  };
}

/** Unrelated parameters that push the one under test onto a later page (100 rows a page). */
function filler(count: number): FakeParameter[] {
  return Array.from({ length: count }, (_, index) => ({ name: `autovacuum_setting_${String(index).padStart(3, "0")}`, value: "1" }));
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("aws.rds.instances", () => {
  test("aurora members judged by their cluster", async () => {
    const estate: FakeEstate = {
      accountId: ACCOUNT,
      rds: {
        "eu-west-1": {
          instances: [
            // Aurora instances report MultiAZ false and no deletion protection of their own.
            instance({ id: "notes-1", engine: "aurora-postgresql", clusterId: "notes", multiAz: false, deletionProtection: false, backupRetentionDays: 1, parameterGroup: "default.aurora-postgresql16", availabilityZone: "eu-west-1a" }),
            instance({ id: "notes-2", engine: "aurora-postgresql", clusterId: "notes", multiAz: false, deletionProtection: false, backupRetentionDays: 1, parameterGroup: "default.aurora-postgresql16", availabilityZone: "eu-west-1b" }),
          ],
          clusters: [{
            id: "notes", engine: "aurora-postgresql", engineVersion: "16.4", storageEncrypted: true, kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/notes",
            backupRetentionDays: 35, deletionProtection: true, parameterGroup: "notes-cluster", availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
            tags: { env: "production" },
          }],
          parameterGroups: { "default.aurora-postgresql16": [{ name: "shared_buffers", value: "{DBInstanceClassMemory/32768}" }] },
          clusterParameterGroups: { "notes-cluster": [{ name: "rds.force_ssl", value: "1" }] },
        },
      },
    };
    harness = await startHarness(estate);
    const output = await harness.run("aws.rds.instances", { selectors: [{ class: "production", match: { kind: "db-cluster", tags: { env: "production" } } }] });

    const member = byName(output.resources, "notes-1");
    expect(member.multiAz).toBe(true);
    expect(member.deletionProtection).toBe(true);
    expect(member.backupRetentionDays).toBe(35);
    expect(member.kmsKeyId).toBe("arn:aws:kms:eu-west-1:111122223333:key/notes");
    expect(member.forceSsl).toBe(true);
    expect(member.clusterId).toBe("notes");
    expect(member.clusterParameterGroup).toBe("notes-cluster");
    expect(member.classes).toEqual(["production"]);
    expect(member._error).toBeUndefined();
  });

  test("aurora cluster in one zone is not multi-az", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      rds: {
        "eu-west-1": {
          instances: [
            instance({ id: "solo-1", engine: "aurora-mysql", engineVersion: "8.0.mysql_aurora.3.05.2", clusterId: "solo", multiAz: false, parameterGroup: "default.aurora-mysql8.0", availabilityZone: "eu-west-1a" }),
            instance({ id: "solo-2", engine: "aurora-mysql", engineVersion: "8.0.mysql_aurora.3.05.2", clusterId: "solo", multiAz: false, parameterGroup: "default.aurora-mysql8.0", availabilityZone: "eu-west-1a" }),
          ],
          clusters: [{ id: "solo", engine: "aurora-mysql", engineVersion: "8.0.mysql_aurora.3.05.2", storageEncrypted: false, backupRetentionDays: 7, deletionProtection: false, parameterGroup: "solo-cluster", availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }],
          parameterGroups: { "default.aurora-mysql8.0": [] },
          clusterParameterGroups: { "solo-cluster": [{ name: "require_secure_transport", value: "OFF" }] },
        },
      },
    });
    const instances = await harness.run("aws.rds.instances");
    for (const name of ["solo-1", "solo-2"]) {
      const member = byName(instances.resources, name);
      expect(member.multiAz).toBe(false);
      expect(member.storageEncrypted).toBe(false);
      expect(member.deletionProtection).toBe(false);
      expect(member.forceSsl).toBe(false);
    }

    const clusters = await harness.run("aws.rds.clusters");
    const cluster = byName(clusters.resources, "solo");
    expect(cluster.multiAz).toBe(false);
    expect(cluster.members).toEqual(["solo-1", "solo-2"]);
    expect(cluster.availabilityZones).toEqual(["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    expect(cluster.autoMinorVersionUpgrade).toBeNull();
    expect(cluster.publiclyAccessible).toBe(false);
  });

  test("force_ssl on the last parameter page", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      rds: {
        "eu-west-1": {
          instances: [instance({ id: "platform-prod", engineVersion: "14.12", parameterGroup: "platform-postgres14" })],
          parameterGroups: { "platform-postgres14": [...filler(250), { name: "rds.force_ssl", value: "1" }] },
        },
      },
    });
    const output = await harness.run("aws.rds.instances");

    expect(byName(output.resources, "platform-prod").forceSsl).toBe(true);
    const pages = harness.fake.calls.filter((call) => call.operation === "rds.DescribeDBParameters");
    expect(pages).toHaveLength(3);
  });

  test("unset force_ssl follows the engine default", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      rds: {
        "eu-west-1": {
          instances: [
            instance({ id: "pg13", engineVersion: "13.15", parameterGroup: "default.postgres13" }),
            instance({ id: "pg16", engineVersion: "16.4", parameterGroup: "default.postgres16" }),
            instance({ id: "mysql", engine: "mysql", engineVersion: "8.0.39", parameterGroup: "mysql-tls" }),
            instance({ id: "oracle", engine: "oracle-ee", engineVersion: "19.0.0.0.ru-2024-04.rur-2024-04.r1", parameterGroup: "default.oracle-ee-19" }),
          ],
          parameterGroups: {
            "default.postgres13": [{ name: "rds.force_ssl", source: "engine-default" }],
            "default.postgres16": [{ name: "rds.force_ssl", source: "engine-default" }],
            "mysql-tls": [{ name: "require_secure_transport", value: "1" }],
          },
        },
      },
    });
    const output = await harness.run("aws.rds.instances");

    expect(byName(output.resources, "pg13").forceSsl).toBe(false);
    expect(byName(output.resources, "pg16").forceSsl).toBe(true);
    expect(byName(output.resources, "mysql").forceSsl).toBe(true);
    expect(byName(output.resources, "oracle").forceSsl).toBeNull();
  });

  test("instances over several pages", async () => {
    const instances = Array.from({ length: 7 }, (_, index) => instance({ id: `db-${index}`, parameterGroup: "shared" }));
    harness = await startHarness({ accountId: ACCOUNT, rds: { "eu-west-1": { instances, parameterGroups: { shared: [{ name: "rds.force_ssl", value: "1" }] } } } }, { rdsPageSize: 3 });
    const output = await harness.run("aws.rds.instances");

    expect(output.resources.map((resource) => resource.name)).toEqual(instances.map((entry) => entry.id));
    expect(harness.fake.calls.filter((call) => call.operation === "rds.DescribeDBInstances")).toHaveLength(3);
    // One parameter group shared by seven instances is read once.
    expect(harness.fake.calls.filter((call) => call.operation === "rds.DescribeDBParameters")).toHaveLength(1);
  });

  test("denied parameter read marks the instance error", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      deny: ["rds.DescribeDBParameters"],
      rds: { "eu-west-1": { instances: [instance({ id: "platform-prod" })], parameterGroups: { "platform-postgres16": [] } } },
    });
    const output = await harness.run("aws.rds.instances");

    const resource = byName(output.resources, "platform-prod");
    expect(resource._error?.code).toBe("AccessDenied");
    expect(resource._error?.message).toContain("rds:DescribeDBParameters denied on DB parameter group platform-postgres16");
    expect(resource._error?.message).not.toContain("assumed-role");
    expect(output.coverage).toContainEqual(expect.objectContaining({ api: "rds:DescribeDBParameters", status: "error" }));
  });

  test("denied listing fails the collector", async () => {
    harness = await startHarness({ accountId: ACCOUNT, deny: ["rds.DescribeDBInstances"], rds: {} });
    const failure = await harness.run("aws.rds.instances").catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CollectorError);
    expect((failure as CollectorError).code).toBe("AccessDenied");
    expect((failure as CollectorError).message).toContain("rds:DescribeDBInstances denied on region eu-west-1");
  });

  test("throttling that clears is retried", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      throttle: { "rds.DescribeDBInstances": 3, "rds.DescribeDBParameters": 2 },
      rds: { "eu-west-1": { instances: [instance({ id: "platform-prod" })], parameterGroups: { "platform-postgres16": [{ name: "rds.force_ssl", value: "1" }] } } },
    });
    const output = await harness.run("aws.rds.instances");

    expect(byName(output.resources, "platform-prod").forceSsl).toBe(true);
    expect(byName(output.resources, "platform-prod")._error).toBeUndefined();
    expect(harness.fake.calls.filter((call) => call.operation === "rds.DescribeDBInstances").map((call) => call.status)).toEqual([400, 400, 400, 200]);
  });

  test("throttling that never clears fails the collector", async () => {
    harness = await startHarness({ accountId: ACCOUNT, throttle: { "rds.DescribeDBClusters": Infinity }, rds: {} });
    const failure = await harness.run("aws.rds.clusters").catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CollectorError);
    expect((failure as CollectorError).code).toBe("Throttling");
    expect((failure as CollectorError).message).toContain("after 10 attempts");
    expect(harness.fake.calls.filter((call) => call.operation === "rds.DescribeDBClusters")).toHaveLength(10);
  });

  test("every configured region is read", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      rds: {
        "eu-west-1": { instances: [instance({ id: "ireland" })], parameterGroups: { "platform-postgres16": [] } },
        "us-east-1": { instances: [instance({ id: "virginia", availabilityZone: "us-east-1a" })], parameterGroups: { "platform-postgres16": [] } },
      },
    });
    const output = await harness.run("aws.rds.instances", { config: { regions: ["eu-west-1", "us-east-1"] } });

    expect(byName(output.resources, "ireland").region).toBe("eu-west-1");
    expect(byName(output.resources, "virginia").region).toBe("us-east-1");
    expect(byName(output.resources, "virginia").id).toBe(`arn:aws:rds:us-east-1:${ACCOUNT}:db:virginia`);
  });
});

describe("aws.rds.clusters", () => {
  test("multi-az db cluster reports its own settings", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      rds: {
        "eu-west-1": {
          instances: [
            instance({ id: "maz-1", clusterId: "maz", availabilityZone: "eu-west-1a" }),
            instance({ id: "maz-2", clusterId: "maz", availabilityZone: "eu-west-1b" }),
            instance({ id: "maz-3", clusterId: "maz", availabilityZone: "eu-west-1c" }),
          ],
          clusters: [{
            id: "maz", engine: "postgres", engineVersion: "16.4", storageEncrypted: true, backupRetentionDays: 14, deletionProtection: true,
            parameterGroup: "maz-cluster", availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], publiclyAccessible: true, autoMinorVersionUpgrade: true,
            logExports: ["postgresql", "upgrade"],
          }],
          clusterParameterGroups: { "maz-cluster": [...filler(120), { name: "rds.force_ssl", value: "0" }] },
        },
      },
    });
    const output = await harness.run("aws.rds.clusters");

    const cluster = byName(output.resources, "maz");
    expect(cluster.multiAz).toBe(true);
    expect(cluster.publiclyAccessible).toBe(true);
    expect(cluster.autoMinorVersionUpgrade).toBe(true);
    expect(cluster.backupRetentionDays).toBe(14);
    expect(cluster.logExports).toEqual(["postgresql", "upgrade"]);
    expect(cluster.parameterGroups).toEqual(["maz-cluster"]);
    expect(cluster.forceSsl).toBe(false);
    expect(harness.fake.calls.filter((call) => call.operation === "rds.DescribeDBClusterParameters")).toHaveLength(2);
  });
});
