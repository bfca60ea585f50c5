import { afterEach, describe, expect, test } from "vitest";
import { byName, startHarness, type Harness } from "./harness.js";

const ACCOUNT = "111122223333";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("aws.s3.buckets regions", () => {
  test("illegal location constraint followed like a redirect", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      buckets: [{ name: "bahrain", region: "me-south-1", listedRegion: "eu-west-1", wrongRegionAnswer: "illegal-location-constraint", versioning: "Enabled" }],
    });
    const output = await harness.run("aws.s3.buckets");

    const bucket = byName(output.resources, "bahrain");
    expect(bucket._error).toBeUndefined();
    expect(bucket.region).toBe("me-south-1");
    expect(bucket.versioning).toBe("Enabled");
    // The 400 carries no region header, so the region came from GetBucketLocation.
    expect(harness.fake.calls.filter((call) => call.status === 400).map((call) => call.operation)).toEqual(["s3.GetBucketEncryption"]);
    expect(harness.fake.calls.filter((call) => call.operation === "s3.GetBucketLocation")).toHaveLength(1);
  });

  test("authorization header malformed names the region", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      buckets: [{ name: "frankfurt", region: "eu-central-1", listedRegion: "eu-west-1", wrongRegionAnswer: "authorization-header-malformed", encryption: { algorithm: "aws:kms:dsse", kmsKeyId: "arn:aws:kms:eu-central-1:111122223333:key/dsse" } }],
    });
    const output = await harness.run("aws.s3.buckets");

    const bucket = byName(output.resources, "frankfurt");
    expect(bucket._error).toBeUndefined();
    expect(bucket.region).toBe("eu-central-1");
    expect(bucket.encryptionAlgorithm).toBe("aws:kms:dsse");
    expect(bucket.kmsKeyId).toBe("arn:aws:kms:eu-central-1:111122223333:key/dsse");
    // The error body's Region element was enough; no GetBucketLocation was needed.
    expect(harness.fake.calls.filter((call) => call.operation === "s3.GetBucketLocation")).toHaveLength(0);
  });

  test("bucket in a disabled opt-in region is an error", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      disabledRegions: ["ap-east-1"],
      buckets: [
        { name: "hong-kong", region: "ap-east-1", policy: { Statement: [] } },
        { name: "ireland", region: "eu-west-1" },
      ],
    });
    const output = await harness.run("aws.s3.buckets");

    const bucket = byName(output.resources, "hong-kong");
    expect(bucket._error?.code).toBe("InvalidToken");
    expect(bucket._error?.message).toContain("s3:GetEncryptionConfiguration on bucket hong-kong failed with InvalidToken");
    expect(bucket._error?.message).toContain("the bucket is in ap-east-1; if that is an opt-in region");
    expect(bucket.region).toBe("ap-east-1");
    expect(byName(output.resources, "ireland")._error).toBeUndefined();
  });

  test("legacy EU and empty locations map to their regions", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      buckets: [
        { name: "virginia", region: "us-east-1", listedRegion: null },
        { name: "ireland-legacy", region: "eu-west-1", listedRegion: null, legacyLocation: true },
      ],
    });
    const output = await harness.run("aws.s3.buckets", { config: { regions: ["eu-central-1"] } });

    expect(byName(output.resources, "virginia").region).toBe("us-east-1");
    expect(byName(output.resources, "ireland-legacy").region).toBe("eu-west-1");
    expect(output.resources.every((bucket) => bucket._error === undefined)).toBe(true);
    expect(harness.fake.calls.filter((call) => call.operation === "s3.GetBucketLocation")).toHaveLength(2);
  });

  test("bucket deleted after listing is left out with a warning", async () => {
    harness = await startHarness({ accountId: ACCOUNT, buckets: [{ name: "kept", region: "eu-west-1" }, { name: "gone", region: "eu-west-1", deletedAfterListing: true }] });
    const output = await harness.run("aws.s3.buckets");

    expect(output.resources.map((bucket) => bucket.name)).toEqual(["kept"]);
    expect(output.warnings).toEqual(["bucket gone was deleted while the run read it; it is left out"]);
  });

  test("policy with a byte order mark is read", async () => {
    const policy = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Deny", Principal: { AWS: ["*"] }, Action: "s3:*", Resource: ["arn:aws:s3:::bom", "arn:aws:s3:::bom/*"], Condition: { Bool: { "aws:SecureTransport": ["false"] } } }],
    };
    harness = await startHarness({ accountId: ACCOUNT, buckets: [{ name: "bom", region: "eu-west-1", policy: `\uFEFF\n  ${JSON.stringify(policy, null, 2)}\n` }] });
    const output = await harness.run("aws.s3.buckets");

    const bucket = byName(output.resources, "bom");
    expect(bucket._error).toBeUndefined();
    expect(bucket.denyInsecureTransport).toBe(true);
  });
});
