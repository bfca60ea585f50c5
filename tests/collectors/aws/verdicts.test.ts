import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { loadControls } from "../../../src/catalog/load.js";
import { builtinRegistry } from "../../../src/collectors/registry.js";
import type { CollectorRecord, Snapshot } from "../../../src/collectors/snapshot.js";
import { CollectorError } from "../../../src/errors.js";
import { evaluateControls } from "../../../src/engine/evaluate.js";
import { DEMO_ESTATE, DEMO_REGIONS, DEMO_SELECTORS } from "../../../demo/record/aws-estate.js";
import type { FakeEstate } from "../../fakes/aws/estate.js";
import { startHarness, type Harness, type RunOptions } from "./harness.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const NOW = new Date("2026-03-16T09:00:00.000Z");
const controls = await loadControls(path.join(ROOT, "controls/aws"), { registry: builtinRegistry(), rootDir: ROOT });

/** Runs the collectors against the fake as a check run would, errors included, into a snapshot. */
async function collect(harness: Harness, ids: string[], options: RunOptions): Promise<Snapshot> {
  const collectors: Record<string, CollectorRecord> = {};
  for (const id of ids) {
    try {
      const output = await harness.run(id, options);
      collectors[id] = { collector: id, status: "ok", resources: output.resources, coverage: output.coverage };
    } catch (error) {
      if (!(error instanceof CollectorError)) throw error;
      collectors[id] = { collector: id, status: "error", error: { code: error.code, message: error.message } };
    }
  }
  return { version: 1, takenAt: NOW.toISOString(), collectors };
}

function verdicts(snapshot: Snapshot): Record<string, string> {
  return Object.fromEntries(evaluateControls(controls, snapshot, { now: NOW }).map((result) => [result.id, result.status]));
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const DEMO_VERDICTS = {
  "rds-storage-encrypted": "pass",
  "rds-multi-az-production": "pass",
  "rds-backup-retention": "fail",
  "rds-deletion-protection": "pass",
  "rds-not-publicly-accessible": "pass",
  "rds-tls-enforced": "pass",
  "s3-bucket-encrypted": "pass",
  "s3-confidential-kms": "fail",
  "s3-public-access-blocked": "pass",
  "s3-versioning-backup-evidence": "pass",
  "s3-evidence-object-lock": "pass",
  "s3-tls-only-policy": "fail",
  "cloudtrail-multi-region-logging": "pass",
  "cloudtrail-logs-kms": "fail",
};

describe("AWS control verdicts", () => {
  test("demo estate collected live", async () => {
    harness = await startHarness(DEMO_ESTATE, { rdsPageSize: 20 });
    const snapshot = await collect(harness, ["aws.rds.instances", "aws.rds.clusters", "aws.s3.buckets", "aws.cloudtrail.trails"], { config: { regions: DEMO_REGIONS }, selectors: DEMO_SELECTORS });
    expect(verdicts(snapshot)).toEqual(DEMO_VERDICTS);
  });

  test("recorded demo snapshot", async () => {
    const snapshot = JSON.parse(await readFile(path.join(ROOT, "demo/recorded/aws.snapshot.json"), "utf8")) as Snapshot;
    expect(verdicts(snapshot)).toEqual(DEMO_VERDICTS);
  });

  test("aurora cluster in one zone fails multi-az", async () => {
    const estate: FakeEstate = {
      accountId: "111122223333",
      rds: {
        "eu-west-1": {
          instances: ["a", "b"].map((suffix) => ({
            id: `notes-${suffix}`, engine: "aurora-postgresql", engineVersion: "16.4", storageEncrypted: false, multiAz: false, backupRetentionDays: 35,
            deletionProtection: false, publiclyAccessible: false, parameterGroup: "default.aurora-postgresql16", clusterId: "notes", availabilityZone: "eu-west-1a",
          })),
          clusters: [{ id: "notes", engine: "aurora-postgresql", engineVersion: "16.4", storageEncrypted: true, backupRetentionDays: 35, deletionProtection: true, parameterGroup: "notes", availabilityZones: ["eu-west-1a", "eu-west-1b"] }],
          parameterGroups: { "default.aurora-postgresql16": [] },
          clusterParameterGroups: { notes: [{ name: "rds.force_ssl", value: "1" }] },
        },
      },
    };
    harness = await startHarness(estate);
    const snapshot = await collect(harness, ["aws.rds.instances"], { selectors: [{ class: "production", match: { kind: "db-cluster", name: "notes" } }] });
    const result = verdicts(snapshot);

    expect(result["rds-multi-az-production"]).toBe("fail");
    // Encryption and deletion protection come from the cluster, which has both.
    expect(result["rds-storage-encrypted"]).toBe("pass");
    expect(result["rds-deletion-protection"]).toBe("pass");
    expect(result["rds-tls-enforced"]).toBe("pass");
  });

  test("no trails at all fails", async () => {
    harness = await startHarness({ accountId: "111122223333", trails: [] });
    const snapshot = await collect(harness, ["aws.cloudtrail.trails"], {});
    expect(verdicts(snapshot)["cloudtrail-multi-region-logging"]).toBe("fail");
  });

  test("stopped trail fails", async () => {
    harness = await startHarness({ accountId: "111122223333", trails: [{ name: "platform", homeRegion: "eu-west-1", isMultiRegion: true, logFileValidation: true, s3Bucket: "t", isLogging: false }] });
    const snapshot = await collect(harness, ["aws.cloudtrail.trails"], {});
    expect(verdicts(snapshot)["cloudtrail-multi-region-logging"]).toBe("fail");
  });

  test("organization trail passes for a member", async () => {
    harness = await startHarness({
      accountId: "111122223333",
      trails: [{ name: "org-audit", ownerAccount: "999988887777", homeRegion: "us-east-1", isMultiRegion: true, isOrganizationTrail: true, logFileValidation: true, s3Bucket: "org", isLogging: true, kmsKeyId: "arn:aws:kms:us-east-1:999988887777:key/org" }],
    });
    const snapshot = await collect(harness, ["aws.cloudtrail.trails"], {});
    expect(verdicts(snapshot)).toMatchObject({ "cloudtrail-multi-region-logging": "pass", "cloudtrail-logs-kms": "pass" });
  });

  test("account block alone passes public access", async () => {
    harness = await startHarness({
      accountId: "111122223333",
      accountPublicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
      buckets: [{ name: "no-own-block", region: "eu-west-1" }],
    });
    const snapshot = await collect(harness, ["aws.s3.buckets"], {});
    expect(verdicts(snapshot)["s3-public-access-blocked"]).toBe("pass");
  });

  test("throttling that never clears is an error", async () => {
    harness = await startHarness({ accountId: "111122223333", throttle: { "cloudtrail.DescribeTrails": Infinity, "s3.GetBucketPolicy": Infinity }, buckets: [{ name: "b", region: "eu-west-1" }], trails: [] });
    const snapshot = await collect(harness, ["aws.cloudtrail.trails", "aws.s3.buckets"], {});
    const result = verdicts(snapshot);

    expect(result["cloudtrail-multi-region-logging"]).toBe("error");
    expect(result["s3-tls-only-policy"]).toBe("error");
    expect(result["s3-bucket-encrypted"]).toBe("error");
  });

  test("access denied is an error", async () => {
    harness = await startHarness({ accountId: "111122223333", deny: ["rds.DescribeDBInstances"], rds: {} });
    const snapshot = await collect(harness, ["aws.rds.instances"], {});
    expect(verdicts(snapshot)["rds-storage-encrypted"]).toBe("error");
  });
});
