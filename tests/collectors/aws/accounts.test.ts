import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { loadControls } from "../../../src/catalog/load.js";
import type { AwsConfig } from "../../../src/collectors/aws/config.js";
import { source } from "../../../src/collectors/aws/index.js";
import { builtinRegistry } from "../../../src/collectors/registry.js";
import type { CollectorRecord, Snapshot } from "../../../src/collectors/snapshot.js";
import type { Collector, CollectorOutput } from "../../../src/collectors/types.js";
import { CollectorError } from "../../../src/errors.js";
import { evaluateControls } from "../../../src/engine/evaluate.js";
import type { FakeEstate, FakeTrail } from "../../fakes/aws/estate.js";
import { startHarness, TEST_CONFIG, testContext, type Harness } from "./harness.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const MANAGEMENT = "111111111111";
const SHARED = "222222222222";
const PAYMENTS = "333333333333";
const COLLECTORS = ["aws.rds.instances", "aws.rds.clusters", "aws.s3.buckets", "aws.cloudtrail.trails"];

const organizationTrail: FakeTrail = {
  name: "organization", ownerAccount: MANAGEMENT, homeRegion: "eu-west-1", isMultiRegion: true, isOrganizationTrail: true,
  logFileValidation: true, kmsKeyId: "arn:aws:kms:eu-west-1:111111111111:key/org", s3Bucket: "org-trail-logs", isLogging: true,
};

/** An account the management account reaches through the role `soc2-audit`. */
function member(accountId: string, extra: Partial<FakeEstate> = {}): FakeEstate {
  return {
    accountId,
    roles: [{ name: "soc2-audit" }],
    accountPublicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
    buckets: [{ name: `logs-${accountId}`, region: "eu-west-1", versioning: "Enabled" }],
    rds: {
      "eu-west-1": {
        instances: [{
          id: `db-${accountId}`, engine: "postgres", engineVersion: "16.4", storageEncrypted: true, multiAz: true, backupRetentionDays: 35,
          deletionProtection: true, publiclyAccessible: false, parameterGroup: "pg", availabilityZone: "eu-west-1a",
        }],
        parameterGroups: { pg: [{ name: "rds.force_ssl", value: "1" }] },
      },
    },
    trails: [organizationTrail],
    ...extra,
  };
}

function estate(members: FakeEstate[], extra: Partial<FakeEstate> = {}): FakeEstate {
  return {
    accountId: MANAGEMENT,
    members,
    organization: [
      { id: MANAGEMENT, name: "management", state: "SUSPENDED" },
      ...members.map((account) => ({ id: account.accountId, name: `member ${account.accountId}` })),
    ],
    ...extra,
  };
}

function roleArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:role/soc2-audit`;
}

/** Runs every AWS collector in one shared context, as one `soc2 check` run does. */
async function runAll(config: Partial<AwsConfig>): Promise<Record<string, CollectorRecord>> {
  const parsed = source.config.parse({ ...TEST_CONFIG, ...config });
  const { ctx, closeShared } = testContext(parsed, []);
  const records: Record<string, CollectorRecord> = {};
  try {
    await Promise.all(COLLECTORS.map(async (id) => {
      const collector = source.collectors.find((candidate) => candidate.id === id) as Collector<AwsConfig>;
      try {
        const output = await collector.collect(ctx);
        records[id] = { collector: id, status: "ok", resources: output.resources, coverage: output.coverage, warnings: output.warnings };
      } catch (error) {
        if (!(error instanceof CollectorError)) throw error;
        records[id] = { collector: id, status: "error", error: { code: error.code, message: error.message } };
      }
    }));
  } finally {
    await closeShared();
  }
  return records;
}

function output(records: Record<string, CollectorRecord>, id: string): CollectorOutput {
  const record = records[id];
  if (record?.status !== "ok") throw new Error(`${id} did not read: ${JSON.stringify(record)}`);
  return { resources: record.resources, coverage: record.coverage, warnings: record.warnings };
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("aws accounts config", () => {
  test("single account keeps its defaults", () => {
    expect(source.config.parse({ regions: ["eu-west-1"] })).toEqual({ regions: ["eu-west-1"], concurrency: 16, max_attempts: 10, retry_base_delay_ms: 500 });
  });

  test.each([
    ["accounts and organizations together", { accounts: [{ id: SHARED, role_arn: roleArn(SHARED) }], organizations: { role_name: "soc2-audit" } }, ["organizations"]],
    ["role of another account", { accounts: [{ id: SHARED, role_arn: roleArn(PAYMENTS) }] }, ["accounts", 0, "role_arn"]],
    ["account listed twice", { accounts: [{ id: SHARED, role_arn: roleArn(SHARED) }, { id: SHARED, role_arn: roleArn(SHARED) }] }, ["accounts", 1, "id"]],
    ["external id without role", { accounts: [{ id: SHARED, external_id: "tenant-42" }] }, ["accounts", 0, "external_id"]],
    ["role name with a slash", { organizations: { role_name: "audit/soc2" } }, ["organizations", "role_name"]],
    ["empty account list", { accounts: [] }, ["accounts"]],
  ])("%s rejected", (_name, extra, where) => {
    const parsed = source.config.safeParse({ regions: ["eu-west-1"], ...extra });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path)).toContainEqual(where);
  });
});

describe("aws accounts", () => {
  test("listed accounts read through their roles", async () => {
    harness = await startHarness(estate([member(SHARED), member(PAYMENTS)]));
    const records = await runAll({ accounts: [{ id: SHARED, role_arn: roleArn(SHARED) }, { id: PAYMENTS, role_arn: roleArn(PAYMENTS) }] });

    const buckets = output(records, "aws.s3.buckets").resources;
    expect(buckets.map((bucket) => [bucket.name, bucket.account])).toEqual([[`logs-${SHARED}`, SHARED], [`logs-${PAYMENTS}`, PAYMENTS]]);
    expect(buckets.filter((bucket) => bucket._error)).toEqual([]);
    const instances = output(records, "aws.rds.instances").resources;
    expect(instances.map((instance) => instance.id)).toEqual([`arn:aws:rds:eu-west-1:${SHARED}:db:db-${SHARED}`, `arn:aws:rds:eu-west-1:${PAYMENTS}:db:db-${PAYMENTS}`]);
    expect(instances.map((instance) => instance.forceSsl)).toEqual([true, true]);
  });

  test("role assumed once per account per run", async () => {
    harness = await startHarness(estate([member(SHARED), member(PAYMENTS)]));
    await runAll({ accounts: [{ id: SHARED, role_arn: roleArn(SHARED) }, { id: PAYMENTS, role_arn: roleArn(PAYMENTS) }] });

    const assumed = harness.fake.calls.filter((call) => call.operation === "sts.AssumeRole").map((call) => call.target).sort();
    expect(assumed).toEqual([roleArn(SHARED), roleArn(PAYMENTS)]);
    const readIn = new Set(harness.fake.calls.filter((call) => call.operation.startsWith("s3.")).map((call) => call.account));
    expect(readIn).toEqual(new Set([SHARED, PAYMENTS]));
  });

  test("coverage lists every account", async () => {
    harness = await startHarness(estate([member(SHARED), member(PAYMENTS)]));
    const records = await runAll({ accounts: [{ id: SHARED, role_arn: roleArn(SHARED) }, { id: PAYMENTS, role_arn: roleArn(PAYMENTS) }] });

    const coverage = output(records, "aws.s3.buckets").coverage ?? [];
    expect(coverage.filter((entry) => entry.api === "sts:AssumeRole")).toEqual([
      { source: "aws", scope: SHARED, api: "sts:AssumeRole", status: "read", detail: roleArn(SHARED) },
      { source: "aws", scope: PAYMENTS, api: "sts:AssumeRole", status: "read", detail: roleArn(PAYMENTS) },
    ]);
    expect(coverage.some((entry) => entry.scope === `${PAYMENTS}/eu-west-1` && entry.api === "s3:GetBucketEncryption")).toBe(true);
  });

  test("coverage names the role each account was read as", async () => {
    harness = await startHarness(estate([member(SHARED), member(PAYMENTS)]));
    const records = await runAll({ accounts: [{ id: SHARED, role_arn: roleArn(SHARED) }, { id: PAYMENTS, role_arn: roleArn(PAYMENTS) }] });

    const coverage = output(records, "aws.s3.buckets").coverage ?? [];
    const encryption = coverage.find((entry) => entry.scope === `${PAYMENTS}/eu-west-1` && entry.api === "s3:GetBucketEncryption");
    expect(encryption?.identity).toBe(roleArn(PAYMENTS));
  });

  test("account that cannot be assumed is an error resource", async () => {
    const locked = member(PAYMENTS, { roles: [] });
    harness = await startHarness(estate([member(SHARED), locked]));
    const records = await runAll({ accounts: [{ id: SHARED, role_arn: roleArn(SHARED) }, { id: PAYMENTS, role_arn: roleArn(PAYMENTS) }] });

    for (const id of COLLECTORS) {
      const resources = output(records, id).resources;
      const unread = resources.find((resource) => resource.id === `arn:aws:iam::${PAYMENTS}:root`);
      expect(unread?._error?.code, id).toBe("AccessDenied");
      expect(unread?._error?.message, id).toContain(`sts:AssumeRole denied on role ${roleArn(PAYMENTS)}`);
      expect(unread?.account, id).toBe(PAYMENTS);
    }
    const coverage = output(records, "aws.rds.instances").coverage ?? [];
    expect(coverage.find((entry) => entry.scope === PAYMENTS)?.status).toBe("error");
    expect(output(records, "aws.s3.buckets").resources.map((bucket) => bucket.name)).toContain(`logs-${SHARED}`);
    // The role was tried once; the failure is shared by the four collectors.
    expect(harness.fake.calls.filter((call) => call.operation === "sts.AssumeRole" && call.target === roleArn(PAYMENTS))).toHaveLength(1);
  });

  test("unassumed account makes passing controls error", async () => {
    harness = await startHarness(estate([member(SHARED), member(PAYMENTS, { roles: [] })]));
    const records = await runAll({ accounts: [{ id: SHARED, role_arn: roleArn(SHARED) }, { id: PAYMENTS, role_arn: roleArn(PAYMENTS) }] });
    const controls = await loadControls(path.join(ROOT, "controls/aws"), { registry: builtinRegistry(), rootDir: ROOT });
    const snapshot: Snapshot = { version: 1, takenAt: "2026-03-01T12:00:00.000Z", collectors: records };
    const results = evaluateControls(controls, snapshot, { now: new Date("2026-03-01T12:00:00Z") });

    const encrypted = results.find((result) => result.id === "rds-storage-encrypted")!;
    expect(encrypted.status).toBe("error");
    expect(encrypted.findings.find((finding) => finding.resource === `arn:aws:iam::${PAYMENTS}:root`)?.status).toBe("error");
    expect(encrypted.findings.find((finding) => finding.resource.includes(`db-${SHARED}`))?.status).toBe("pass");
  });

  test("read failing in one account errors that account", async () => {
    harness = await startHarness(estate([member(SHARED), member(PAYMENTS, { deny: ["cloudtrail.DescribeTrails"] })]));
    const records = await runAll({ accounts: [{ id: SHARED, role_arn: roleArn(SHARED) }, { id: PAYMENTS, role_arn: roleArn(PAYMENTS) }] });

    const trails = output(records, "aws.cloudtrail.trails");
    const unread = trails.resources.find((resource) => resource.id === `arn:aws:iam::${PAYMENTS}:root`);
    expect(unread?._error?.code).toBe("AccessDeniedException");
    expect(trails.coverage).toContainEqual(expect.objectContaining({ scope: PAYMENTS, api: "aws.cloudtrail.trails", status: "error" }));
    expect(trails.resources.find((resource) => resource.name === "organization")?._error).toBeUndefined();
  });

  test("organization trail merged across accounts", async () => {
    harness = await startHarness(estate([member(SHARED), member(PAYMENTS)]));
    const records = await runAll({ accounts: [{ id: SHARED, role_arn: roleArn(SHARED) }, { id: PAYMENTS, role_arn: roleArn(PAYMENTS) }] });

    const trails = output(records, "aws.cloudtrail.trails").resources;
    expect(trails.map((trail) => trail.id)).toEqual([`arn:aws:cloudtrail:eu-west-1:${MANAGEMENT}:trail/organization`]);
    expect(trails[0]!.account).toBe(MANAGEMENT);
    expect(trails[0]!.isLogging).toBe(true);
  });

  test("external id sent with the role", async () => {
    const guarded = member(PAYMENTS, { roles: [{ name: "soc2-audit", externalId: "tenant-42" }] });
    harness = await startHarness(estate([guarded]));
    const without = await runAll({ accounts: [{ id: PAYMENTS, role_arn: roleArn(PAYMENTS) }] });
    const withId = await runAll({ accounts: [{ id: PAYMENTS, role_arn: roleArn(PAYMENTS), external_id: "tenant-42" }] });

    expect(output(without, "aws.s3.buckets").resources[0]?._error?.code).toBe("AccessDenied");
    expect(output(withId, "aws.s3.buckets").resources.map((bucket) => bucket.name)).toEqual([`logs-${PAYMENTS}`]);
  });

  test("own account read without a role", async () => {
    harness = await startHarness(estate([member(SHARED)], { buckets: [{ name: "management-logs", region: "eu-west-1" }], trails: [] }));
    const records = await runAll({ accounts: [{ id: MANAGEMENT }, { id: SHARED, role_arn: roleArn(SHARED) }] });

    const buckets = output(records, "aws.s3.buckets").resources;
    expect(buckets.map((bucket) => [bucket.name, bucket.account])).toEqual([["management-logs", MANAGEMENT], [`logs-${SHARED}`, SHARED]]);
    expect(harness.fake.calls.filter((call) => call.operation === "sts.AssumeRole")).toHaveLength(1);
  });

  test("other account without a role is an error", async () => {
    harness = await startHarness(estate([member(SHARED)]));
    const records = await runAll({ accounts: [{ id: SHARED }] });

    const unread = output(records, "aws.s3.buckets").resources[0];
    expect(unread?._error?.code).toBe("SOC2_AWS_ACCOUNT_MISMATCH");
    expect(harness.fake.calls.filter((call) => call.account === SHARED)).toEqual([]);
  });

  test("concurrency bounds calls of all accounts", async () => {
    const members = ["444444444444", "555555555555", "666666666666"].map((id) =>
      member(id, { buckets: Array.from({ length: 6 }, (_, index) => ({ name: `bucket-${id}-${index}`, region: "eu-west-1" })) }));
    harness = await startHarness(estate(members), { latencyMs: 5 });
    const records = await runAll({ concurrency: 4, account_concurrency: 3, accounts: members.map((account) => ({ id: account.accountId, role_arn: roleArn(account.accountId) })) });

    expect(output(records, "aws.s3.buckets").resources).toHaveLength(18);
    expect(harness.fake.maxInFlight).toBeLessThanOrEqual(4);
  });
});

describe("aws organizations discovery", () => {
  test("active accounts listed on every page", async () => {
    const members = ["444444444444", "555555555555", "666666666666", "777777777777"].map((id) => member(id));
    harness = await startHarness(estate(members), { organizationsPageSize: 2 });
    const records = await runAll({ organizations: { role_name: "soc2-audit" } });

    const buckets = output(records, "aws.s3.buckets");
    expect(buckets.resources.map((bucket) => bucket.account)).toEqual(["444444444444", "555555555555", "666666666666", "777777777777"]);
    expect(buckets.warnings).toContain(`account ${MANAGEMENT} is SUSPENDED in the organization and was not read`);
    expect(buckets.coverage).toContainEqual({ source: "aws", scope: MANAGEMENT, api: "organizations:ListAccounts", status: "read", detail: "3 calls, 5 accounts, 4 active" });
    // Listed once for the run, not once per collector.
    expect(harness.fake.calls.filter((call) => call.operation === "organizations.ListAccounts")).toHaveLength(3);
  });

  test("denied listing fails every collector", async () => {
    harness = await startHarness(estate([member(SHARED)], { deny: ["organizations.ListAccounts"] }));
    const records = await runAll({ organizations: { role_name: "soc2-audit" } });

    for (const id of COLLECTORS) {
      const record = records[id];
      expect(record?.status, id).toBe("error");
      if (record?.status !== "error") continue;
      expect(record.error.code).toBe("AccessDeniedException");
      expect(record.error.message).toContain("organizations:ListAccounts denied");
    }
  });

  test("throttled listing retried", async () => {
    harness = await startHarness(estate([member(SHARED)], { throttle: { "organizations.ListAccounts": 2 } }));
    const records = await runAll({ organizations: { role_name: "soc2-audit" } });

    expect(output(records, "aws.s3.buckets").resources.map((bucket) => bucket.name)).toEqual([`logs-${SHARED}`]);
    expect(harness.fake.calls.filter((call) => call.operation === "organizations.ListAccounts").map((call) => call.status)).toEqual([400, 400, 200]);
  });
});
