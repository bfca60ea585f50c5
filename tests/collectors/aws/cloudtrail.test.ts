import { afterEach, describe, expect, test } from "vitest";
import { CollectorError } from "../../../src/errors.js";
import type { FakeTrail } from "../../fakes/aws/estate.js";
import { byName, startHarness, type Harness } from "./harness.js";

const MEMBER = "111122223333";
const MANAGEMENT = "999988887777";

const ORGANIZATION_TRAIL: FakeTrail = {
  name: "org-audit",
  ownerAccount: MANAGEMENT,
  homeRegion: "us-east-1",
  isMultiRegion: true,
  isOrganizationTrail: true,
  logFileValidation: true,
  kmsKeyId: "arn:aws:kms:us-east-1:999988887777:key/org-audit",
  s3Bucket: "org-audit-logs",
  isLogging: true,
  latestDeliveryTime: "2026-03-01T11:55:00Z",
};

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("aws.cloudtrail.trails", () => {
  test("member account sees its organization's trail", async () => {
    harness = await startHarness({ accountId: MEMBER, trails: [ORGANIZATION_TRAIL] });
    const output = await harness.run("aws.cloudtrail.trails", { config: { regions: ["eu-west-1", "eu-central-1"] } });

    expect(output.resources).toHaveLength(1);
    const trail = output.resources[0]!;
    expect(trail).toMatchObject({
      id: `arn:aws:cloudtrail:us-east-1:${MANAGEMENT}:trail/org-audit`,
      account: MANAGEMENT,
      homeRegion: "us-east-1",
      isMultiRegion: true,
      isOrganizationTrail: true,
      isLogging: true,
      logFileValidation: true,
      kmsKeyId: "arn:aws:kms:us-east-1:999988887777:key/org-audit",
      managementEventsRead: true,
      managementEventsWrite: true,
      dataEvents: false,
      latestDeliveryTime: "2026-03-01T11:55:00.000Z",
      latestDeliveryError: null,
    });
    // Status is read by ARN in the trail's home region, though that region is not configured.
    const statusCalls = harness.fake.calls.filter((call) => call.operation === "cloudtrail.GetTrailStatus");
    expect(statusCalls).toEqual([expect.objectContaining({ region: "us-east-1", target: trail.arn, status: 200 })]);
  });

  test("trail that is not logging", async () => {
    harness = await startHarness({
      accountId: MEMBER,
      trails: [{ name: "platform", homeRegion: "eu-west-1", isMultiRegion: true, logFileValidation: true, s3Bucket: "platform-trail", isLogging: false, latestDeliveryError: "AccessDenied" }],
    });
    const output = await harness.run("aws.cloudtrail.trails");

    const trail = byName(output.resources, "platform");
    expect(trail.isLogging).toBe(false);
    expect(trail.latestDeliveryError).toBe("AccessDenied");
    expect(trail._error).toBeUndefined();
  });

  test("no trails at all gives no resources", async () => {
    harness = await startHarness({ accountId: MEMBER, trails: [] });
    const output = await harness.run("aws.cloudtrail.trails", { config: { regions: ["eu-west-1", "us-east-1"] } });

    expect(output.resources).toEqual([]);
    expect(output.coverage).toEqual([
      expect.objectContaining({ scope: `${MEMBER}/eu-west-1`, api: "cloudtrail:DescribeTrails", status: "read" }),
      expect.objectContaining({ scope: `${MEMBER}/us-east-1`, api: "cloudtrail:DescribeTrails", status: "read" }),
    ]);
  });

  test("shadow copies kept once per ARN", async () => {
    harness = await startHarness({
      accountId: MEMBER,
      trails: [
        { name: "platform", homeRegion: "eu-west-1", isMultiRegion: true, logFileValidation: true, s3Bucket: "platform-trail", isLogging: true },
        { name: "sydney-only", homeRegion: "ap-southeast-2", isMultiRegion: false, logFileValidation: false, s3Bucket: "sydney-trail", isLogging: true },
      ],
    });
    const output = await harness.run("aws.cloudtrail.trails", { config: { regions: ["eu-west-1", "us-east-1", "ap-southeast-2"] } });

    expect(output.resources.map((trail) => trail.name).sort()).toEqual(["platform", "sydney-only"]);
    expect(byName(output.resources, "sydney-only").isMultiRegion).toBe(false);
  });

  test("advanced selectors summarized", async () => {
    harness = await startHarness({
      accountId: MEMBER,
      trails: [
        {
          name: "write-only", homeRegion: "eu-west-1", isMultiRegion: true, logFileValidation: true, s3Bucket: "t", isLogging: true,
          advancedEventSelectors: [
            { Name: "management writes", FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }, { Field: "readOnly", Equals: ["false"] }] },
            { Name: "evidence objects", FieldSelectors: [{ Field: "eventCategory", Equals: ["Data"] }, { Field: "resources.type", Equals: ["AWS::S3::Object"] }] },
          ],
        },
        {
          name: "basic-read", homeRegion: "eu-west-1", isMultiRegion: false, logFileValidation: true, s3Bucket: "t", isLogging: true,
          eventSelectors: [{ ReadWriteType: "ReadOnly", IncludeManagementEvents: true }],
        },
      ],
    });
    const output = await harness.run("aws.cloudtrail.trails");

    expect(byName(output.resources, "write-only")).toMatchObject({ managementEventsRead: false, managementEventsWrite: true, dataEvents: true });
    expect(byName(output.resources, "basic-read")).toMatchObject({ managementEventsRead: true, managementEventsWrite: false, dataEvents: false });
  });

  test("throttling that clears is retried", async () => {
    harness = await startHarness({ accountId: MEMBER, throttle: { "cloudtrail.DescribeTrails": 4, "cloudtrail.GetTrailStatus": 2 }, trails: [ORGANIZATION_TRAIL] });
    const output = await harness.run("aws.cloudtrail.trails");

    expect(output.resources).toHaveLength(1);
    expect(output.resources[0]!.isLogging).toBe(true);
    expect(output.resources[0]!._error).toBeUndefined();
  });

  test("throttling that never clears fails the collector", async () => {
    harness = await startHarness({ accountId: MEMBER, throttle: { "cloudtrail.DescribeTrails": Infinity }, trails: [ORGANIZATION_TRAIL] });
    const failure = await harness.run("aws.cloudtrail.trails").catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CollectorError);
    expect((failure as CollectorError).code).toBe("ThrottlingException");
  });

  test("status that never clears throttling marks the trail error", async () => {
    harness = await startHarness({ accountId: MEMBER, throttle: { "cloudtrail.GetTrailStatus": Infinity }, trails: [ORGANIZATION_TRAIL] });
    const output = await harness.run("aws.cloudtrail.trails");

    expect(output.resources[0]!._error?.code).toBe("ThrottlingException");
    expect(output.resources[0]!.isLogging).toBe(false);
  });

  test("denied status names the action", async () => {
    harness = await startHarness({ accountId: MEMBER, deny: ["cloudtrail.GetTrailStatus"], trails: [ORGANIZATION_TRAIL] });
    const output = await harness.run("aws.cloudtrail.trails");

    expect(output.resources[0]!._error).toEqual({
      code: "AccessDeniedException",
      message: `cloudtrail:GetTrailStatus denied on trail arn:aws:cloudtrail:us-east-1:${MANAGEMENT}:trail/org-audit; grant it to the role soc2 runs as (see docs/iam-policy.json)`,
    });
  });
});
