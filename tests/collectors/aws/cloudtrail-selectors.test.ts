import { afterEach, describe, expect, test } from "vitest";
import type { FakeTrail } from "../../fakes/aws/estate.js";
import { byName, startHarness, type Harness } from "./harness.js";

const ACCOUNT = "111122223333";

function trail(overrides: Partial<FakeTrail> & { name: string }): FakeTrail {
  return { homeRegion: "eu-west-1", isMultiRegion: true, logFileValidation: true, s3Bucket: "platform-trail", isLogging: true, ...overrides };
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("aws.cloudtrail.trails selectors", () => {
  test("excluded management event sources record neither direction", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      trails: [
        trail({ name: "no-kms", eventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true, ExcludeManagementEventSources: ["kms.amazonaws.com"] }] }),
        trail({ name: "no-rds-data", eventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true, ExcludeManagementEventSources: ["rdsdata.amazonaws.com"] }] }),
        trail({ name: "everything", eventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true, ExcludeManagementEventSources: [] }] }),
      ],
    });
    const output = await harness.run("aws.cloudtrail.trails");

    expect(byName(output.resources, "no-kms")).toMatchObject({ managementEventsRead: false, managementEventsWrite: false });
    expect(byName(output.resources, "no-rds-data")).toMatchObject({ managementEventsRead: false, managementEventsWrite: false });
    expect(byName(output.resources, "everything")).toMatchObject({ managementEventsRead: true, managementEventsWrite: true });
  });

  test("advanced selector excluding an event source records neither direction", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      trails: [
        trail({
          name: "advanced-no-kms",
          advancedEventSelectors: [{ Name: "management without KMS", FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }, { Field: "eventSource", NotEquals: ["kms.amazonaws.com"] }] }],
        }),
        trail({ name: "advanced-all", advancedEventSelectors: [{ Name: "management", FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }] }] }),
      ],
    });
    const output = await harness.run("aws.cloudtrail.trails");

    expect(byName(output.resources, "advanced-no-kms")).toMatchObject({ managementEventsRead: false, managementEventsWrite: false });
    expect(byName(output.resources, "advanced-all")).toMatchObject({ managementEventsRead: true, managementEventsWrite: true });
  });

  test("advanced selectors with data events only record no management events", async () => {
    harness = await startHarness({
      accountId: ACCOUNT,
      trails: [trail({ name: "data-only", advancedEventSelectors: [{ Name: "objects", FieldSelectors: [{ Field: "eventCategory", Equals: ["Data"] }, { Field: "resources.type", Equals: ["AWS::S3::Object"] }] }] })],
    });
    const output = await harness.run("aws.cloudtrail.trails");

    expect(byName(output.resources, "data-only")).toMatchObject({ managementEventsRead: false, managementEventsWrite: false, dataEvents: true });
  });

  test("logging trail with a delivery error keeps the error", async () => {
    harness = await startHarness({ accountId: ACCOUNT, trails: [trail({ name: "broken-bucket", latestDeliveryError: "NoSuchBucket", latestDeliveryTime: "2026-01-10T08:00:00Z" })] });
    const output = await harness.run("aws.cloudtrail.trails");

    expect(byName(output.resources, "broken-bucket")).toMatchObject({ isLogging: true, latestDeliveryError: "NoSuchBucket", latestDeliveryTime: "2026-01-10T08:00:00.000Z" });
  });
});
