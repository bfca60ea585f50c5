import { afterEach, describe, expect, test } from "vitest";
import { CollectorError } from "../../../src/errors.js";
import type { FakeBlock, FakeBucket } from "../../fakes/aws/estate.js";
import { byName, startHarness, type Harness } from "./harness.js";

const ACCOUNT = "111122223333";
const ALL_BLOCKED: FakeBlock = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };

function tlsOnlyPolicy(bucket: string) {
  return {
    Version: "2012-10-17",
    Statement: [{
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    }],
  };
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("aws.s3.buckets", () => {
  test("account block covers a bucket without its own", async () => {
    harness = await startHarness({ accountId: ACCOUNT, accountPublicAccessBlock: ALL_BLOCKED, buckets: [{ name: "platform-uploads", region: "eu-west-1" }] });
    const output = await harness.run("aws.s3.buckets");

    const bucket = byName(output.resources, "platform-uploads");
    expect(bucket.publicAccessBlock).toEqual({ blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true, allBlocked: true });
    expect(bucket._error).toBeUndefined();
    expect(harness.fake.calls.find((call) => call.operation === "s3.GetPublicAccessBlock")?.status).toBe(404);
  });

  test("partial blocks combine per setting", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      accountPublicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false },
      buckets: [
        { name: "half", region: "eu-west-1", publicAccessBlock: { blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: true, restrictPublicBuckets: false } },
        { name: "none", region: "eu-west-1" },
      ],
    });
    const output = await harness.run("aws.s3.buckets");

    expect(byName(output.resources, "half").publicAccessBlock).toEqual({ blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: false, allBlocked: false });
    expect((byName(output.resources, "none").publicAccessBlock as { allBlocked: boolean }).allBlocked).toBe(false);
  });

  test("buckets in three regions read in their own", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      buckets: [
        { name: "ireland", region: "eu-west-1" },
        { name: "virginia", region: "us-east-1" },
        { name: "sydney", region: "ap-southeast-2", listedRegion: null },
      ],
    });
    const output = await harness.run("aws.s3.buckets");

    expect(output.resources.map((bucket) => [bucket.name, bucket.region])).toEqual([["ireland", "eu-west-1"], ["sydney", "ap-southeast-2"], ["virginia", "us-east-1"]]);
    for (const name of ["ireland", "virginia", "sydney"]) {
      const region = byName(output.resources, name).region;
      const reads = harness.fake.calls.filter((call) => call.target === name && call.operation !== "s3.GetBucketLocation");
      expect(reads.length).toBe(7);
      expect(reads.every((call) => call.region === region && call.status !== 301)).toBe(true);
    }
    expect(harness.fake.calls.filter((call) => call.operation === "s3.GetBucketLocation").map((call) => call.target)).toEqual(["sydney"]);
  });

  test("redirect followed to the bucket's region", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      buckets: [{ name: "moved", region: "eu-central-1", listedRegion: "us-east-1", versioning: "Enabled", encryption: { algorithm: "aws:kms", kmsKeyId: "arn:aws:kms:eu-central-1:111122223333:key/moved" } }],
    });
    const output = await harness.run("aws.s3.buckets");

    const bucket = byName(output.resources, "moved");
    expect(bucket.region).toBe("eu-central-1");
    expect(bucket.encryptionAlgorithm).toBe("aws:kms");
    expect(bucket.versioning).toBe("Enabled");
    expect(bucket._error).toBeUndefined();
    const redirects = harness.fake.calls.filter((call) => call.status === 301);
    expect(redirects).toHaveLength(1);
    // The region came from the redirect's x-amz-bucket-region header, not from another lookup.
    expect(harness.fake.calls.filter((call) => call.operation === "s3.GetBucketLocation")).toHaveLength(0);
  });

  test("two pages of buckets", async () => {
    const buckets: FakeBucket[] = Array.from({ length: 5 }, (_, index) => ({ name: `bucket-${index}`, region: "eu-west-1" }));
    harness = await startHarness({ accountId: ACCOUNT, buckets }, { bucketPageSize: 3 });
    const output = await harness.run("aws.s3.buckets");

    expect(output.resources.map((bucket) => bucket.name)).toEqual(buckets.map((bucket) => bucket.name));
    expect(harness.fake.calls.filter((call) => call.operation === "s3.ListBuckets")).toHaveLength(2);
  });

  test("settings read into fields", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      buckets: [
        {
          name: "evidence",
          region: "eu-west-1",
          encryption: { algorithm: "aws:kms", kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/evidence", bucketKeyEnabled: true },
          publicAccessBlock: ALL_BLOCKED,
          versioning: "Enabled",
          mfaDelete: true,
          policy: tlsOnlyPolicy("evidence"),
          logging: { targetBucket: "platform-logs", targetPrefix: "s3/evidence/" },
          objectLock: { mode: "COMPLIANCE", years: 1 },
          tags: { data: "evidence" },
        },
        { name: "plain", region: "eu-west-1", encryption: null, versioning: "Suspended" },
      ],
    });
    const output = await harness.run("aws.s3.buckets", { selectors: [{ class: "evidence", match: { kind: "bucket", tags: { data: "evidence" } } }] });

    const evidence = byName(output.resources, "evidence");
    expect(evidence).toMatchObject({
      classes: ["evidence"],
      encryptionAlgorithm: "aws:kms",
      kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/evidence",
      bucketKeyEnabled: true,
      versioning: "Enabled",
      mfaDelete: true,
      denyInsecureTransport: true,
      accessLogging: true,
      accessLogTarget: "platform-logs/s3/evidence/",
      objectLockEnabled: true,
      objectLockMode: "COMPLIANCE",
      objectLockRetentionDays: 365,
      tags: { data: "evidence" },
    });
    const plain = byName(output.resources, "plain");
    expect(plain).toMatchObject({
      classes: [],
      encryptionAlgorithm: null,
      kmsKeyId: null,
      versioning: "Suspended",
      denyInsecureTransport: false,
      accessLogging: false,
      accessLogTarget: null,
      objectLockEnabled: false,
      objectLockMode: null,
      objectLockRetentionDays: null,
      tags: {},
    });
  });

  test("denied bucket call marks that bucket error", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      deny: ["s3.GetBucketEncryption:platform-uploads"],
      buckets: [{ name: "platform-uploads", region: "eu-west-1" }, { name: "platform-logs", region: "eu-west-1" }],
    });
    const output = await harness.run("aws.s3.buckets");

    const denied = byName(output.resources, "platform-uploads");
    expect(denied._error?.code).toBe("AccessDenied");
    expect(denied._error?.message).toContain("s3:GetEncryptionConfiguration denied on bucket platform-uploads");
    expect(byName(output.resources, "platform-logs")._error).toBeUndefined();
    expect(output.coverage).toContainEqual(expect.objectContaining({ scope: `${ACCOUNT}/eu-west-1`, api: "s3:GetBucketEncryption", status: "error" }));
  });

  test("denied account block leaves open buckets in error", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      deny: ["s3control.GetPublicAccessBlock"],
      buckets: [{ name: "open", region: "eu-west-1" }, { name: "closed", region: "eu-west-1", publicAccessBlock: ALL_BLOCKED }],
    });
    const output = await harness.run("aws.s3.buckets");

    expect(byName(output.resources, "open")._error?.message).toContain(`s3:GetAccountPublicAccessBlock denied on account ${ACCOUNT}`);
    expect(byName(output.resources, "closed")._error).toBeUndefined();
  });

  test("slow down that clears is retried", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      throttle: { "s3.ListBuckets": 2, "s3.GetBucketVersioning": 3 },
      buckets: [{ name: "platform-backups", region: "eu-west-1", versioning: "Enabled" }],
    });
    const output = await harness.run("aws.s3.buckets");

    expect(byName(output.resources, "platform-backups").versioning).toBe("Enabled");
    expect(byName(output.resources, "platform-backups")._error).toBeUndefined();
  });

  test("slow down that never clears is an error", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      throttle: { "s3.GetBucketVersioning": Infinity },
      buckets: [{ name: "platform-backups", region: "eu-west-1", versioning: "Enabled" }],
    });
    const output = await harness.run("aws.s3.buckets");

    const bucket = byName(output.resources, "platform-backups");
    expect(bucket._error?.code).toBe("SlowDown");
    expect(bucket._error?.message).toContain("s3:GetBucketVersioning on bucket platform-backups failed after 10 attempts");
  });

  test("denied listing fails the collector", async () => {
    harness = await startHarness({ accountId: ACCOUNT, deny: ["s3.ListBuckets"], buckets: [] });
    const failure = await harness.run("aws.s3.buckets").catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CollectorError);
    expect((failure as CollectorError).code).toBe("AccessDenied");
    expect((failure as CollectorError).message).toContain("s3:ListAllMyBuckets denied");
  });
});
