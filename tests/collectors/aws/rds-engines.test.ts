import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { loadControls } from "../../../src/catalog/load.js";
import { builtinRegistry } from "../../../src/collectors/registry.js";
import type { CollectorRecord, Snapshot } from "../../../src/collectors/snapshot.js";
import { evaluateControls } from "../../../src/engine/evaluate.js";
import type { FakeDbInstance, FakeEstate } from "../../fakes/aws/estate.js";
import { byName, startHarness, type Harness } from "./harness.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const NOW = new Date("2026-03-16T09:00:00.000Z");
const ACCOUNT = "111122223333";
const PRODUCTION = [{ class: "production", match: { kind: "db-instance" as const, tags: { env: "production" } } }];
const controls = await loadControls(path.join(ROOT, "controls/aws"), { registry: builtinRegistry(), rootDir: ROOT });

function instance(overrides: Partial<FakeDbInstance> & { id: string }): FakeDbInstance {
  return {
    engine: "postgres",
    engineVersion: "16.4",
    storageEncrypted: true,
    multiAz: true,
    backupRetentionDays: 35,
    deletionProtection: true,
    publiclyAccessible: false,
    parameterGroup: "platform-postgres16",
    availabilityZone: "eu-west-1a",
    tags: { env: "production" },
    ...overrides,
  };
}

/** Runs aws.rds.instances against the fake and evaluates its controls: status per control and instance name. */
async function findings(harness: Harness): Promise<Record<string, Record<string, string>>> {
  const output = await harness.run("aws.rds.instances", { selectors: PRODUCTION });
  const record: CollectorRecord = { collector: "aws.rds.instances", status: "ok", resources: output.resources, coverage: output.coverage };
  const snapshot: Snapshot = { version: 1, takenAt: NOW.toISOString(), collectors: { "aws.rds.instances": record } };
  const byControl: Record<string, Record<string, string>> = {};
  for (const result of evaluateControls(controls.filter((control) => control.collector?.id === "aws.rds.instances"), snapshot, { now: NOW })) {
    byControl[result.id] = Object.fromEntries((result.findings ?? []).map((finding) => [finding.resource.split(":").pop()!, finding.status]));
  }
  return byControl;
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("aws.rds.instances engines and roles", () => {
  test("postgres replica skips backup retention", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      rds: {
        "eu-west-1": {
          instances: [
            instance({ id: "platform-prod" }),
            // RDS reports retention 0 on a PostgreSQL replica and rejects any other value.
            instance({ id: "platform-prod-replica", replicaOf: "platform-prod", backupRetentionDays: 0, multiAz: false, availabilityZone: "eu-west-1b" }),
          ],
          parameterGroups: { "platform-postgres16": [{ name: "rds.force_ssl", value: "1" }] },
        },
      },
    });
    const output = await harness.run("aws.rds.instances");
    expect(byName(output.resources, "platform-prod-replica").replicaSource).toBe("platform-prod");
    expect(byName(output.resources, "platform-prod").replicaSource).toBeNull();

    const result = await findings(harness);
    expect(result["rds-backup-retention"]).toEqual({ "platform-prod": "pass" });
    // A replica can run Multi-AZ, so it is still judged there.
    expect(result["rds-multi-az-production"]).toEqual({ "platform-prod": "pass", "platform-prod-replica": "fail" });
  });

  test("documentdb and neptune judged by cluster", async () => {
    // DescribeDBInstances and DescribeDBClusters return DocumentDB and Neptune resources too. Their
    // instances report no deletion protection or Multi-AZ of their own, because the cluster has both.
    const member = (id: string, engine: string, clusterId: string, zone: string) =>
      instance({ id, engine, engineVersion: engine === "docdb" ? "5.0.0" : "1.3.2.1", clusterId, multiAz: false, deletionProtection: false, backupRetentionDays: 1, parameterGroup: `default.${engine}`, availabilityZone: zone });
    harness = await startHarness({
      accountId: ACCOUNT,
      rds: {
        "eu-west-1": {
          instances: [member("docs-1", "docdb", "docs", "eu-west-1a"), member("docs-2", "docdb", "docs", "eu-west-1b"), member("graph-1", "neptune", "graph", "eu-west-1a"), member("graph-2", "neptune", "graph", "eu-west-1c")],
          clusters: [
            { id: "docs", engine: "docdb", engineVersion: "5.0.0", storageEncrypted: true, backupRetentionDays: 35, deletionProtection: true, parameterGroup: "default.docdb5.0", availabilityZones: ["eu-west-1a", "eu-west-1b"] },
            { id: "graph", engine: "neptune", engineVersion: "1.3.2.1", storageEncrypted: true, backupRetentionDays: 35, deletionProtection: true, parameterGroup: "default.neptune1.3", availabilityZones: ["eu-west-1a", "eu-west-1c"] },
          ],
          parameterGroups: { "default.docdb": [], "default.neptune": [] },
        },
      },
    });
    const output = await harness.run("aws.rds.instances");
    for (const name of ["docs-1", "graph-2"]) {
      const resource = byName(output.resources, name);
      expect(resource._error).toBeUndefined();
      expect(resource.forceSsl).toBeNull();
      expect(resource.multiAz).toBe(true);
      expect(resource.deletionProtection).toBe(true);
      expect(resource.backupRetentionDays).toBe(35);
    }
    // No parameter group was read: the collector reads no TLS parameter for either engine.
    expect(harness.fake.calls.filter((call) => call.operation.startsWith("rds.DescribeDB") && call.operation.endsWith("Parameters"))).toHaveLength(0);

    const result = await findings(harness);
    for (const control of ["rds-multi-az-production", "rds-deletion-protection", "rds-backup-retention", "rds-storage-encrypted"]) {
      expect(Object.values(result[control]!)).toEqual(["pass", "pass", "pass", "pass"]);
    }
    expect(result["rds-tls-enforced"]).toEqual({});
  });

  test("serverless v2 and creating judged as reported", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      rds: {
        "eu-west-1": {
          instances: [
            instance({ id: "notes-writer", engine: "aurora-postgresql", instanceClass: "db.serverless", clusterId: "notes", multiAz: false, deletionProtection: false, backupRetentionDays: 1, parameterGroup: "default.aurora-postgresql16", availabilityZone: "eu-west-1a" }),
            instance({ id: "notes-reader", engine: "aurora-postgresql", instanceClass: "db.serverless", clusterId: "notes", multiAz: false, deletionProtection: false, backupRetentionDays: 1, parameterGroup: "default.aurora-postgresql16", availabilityZone: "eu-west-1b" }),
            instance({ id: "new-db", status: "creating", deletionProtection: false }),
          ],
          clusters: [{ id: "notes", engine: "aurora-postgresql", engineVersion: "16.4", storageEncrypted: true, backupRetentionDays: 35, deletionProtection: true, parameterGroup: "notes-cluster", availabilityZones: ["eu-west-1a", "eu-west-1b"] }],
          parameterGroups: { "default.aurora-postgresql16": [], "platform-postgres16": [{ name: "rds.force_ssl", value: "1" }] },
          clusterParameterGroups: { "notes-cluster": [{ name: "rds.force_ssl", value: "1" }] },
        },
      },
    });
    const output = await harness.run("aws.rds.instances");
    expect(byName(output.resources, "notes-writer").instanceClass).toBe("db.serverless");
    expect(byName(output.resources, "new-db").status).toBe("creating");

    const result = await findings(harness);
    expect(result["rds-deletion-protection"]).toEqual({ "notes-writer": "pass", "notes-reader": "pass", "new-db": "fail" });
    expect(result["rds-multi-az-production"]).toEqual({ "notes-writer": "pass", "notes-reader": "pass", "new-db": "pass" });
    expect(result["rds-tls-enforced"]).toEqual({ "notes-writer": "pass", "notes-reader": "pass", "new-db": "pass" });
  });
});
