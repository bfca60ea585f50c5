import { afterEach, describe, expect, test, vi } from "vitest";
import type { FakeBucket } from "../../fakes/aws/estate.js";
import { startHarness, type Harness } from "./harness.js";

let harness: Harness | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await harness?.close();
  harness = undefined;
});

describe("aws retry backoff", () => {
  test("backoff leaves the slot to other calls", async () => {
    // The SDK draws the backoff from Math.random: 0.99 makes the first retry wait about 0.99 * 2 * 200 ms.
    vi.spyOn(Math, "random").mockReturnValue(0.99);
    const buckets: FakeBucket[] = Array.from({ length: 6 }, (_, index) => ({ name: `bucket-${index}`, region: "eu-west-1" }));
    harness = await startHarness({ accountId: "111122223333", buckets, throttle: { "s3.GetBucketEncryption": 1 } }, { latencyMs: 5 });
    const output = await harness.run("aws.s3.buckets", { config: { concurrency: 1, retry_base_delay_ms: 200, account_id: "111122223333" } });

    expect(output.resources.filter((bucket) => bucket._error)).toEqual([]);
    const calls = harness.fake.calls;
    const throttled = calls.findIndex((call) => call.status === 503);
    const retried = calls.findIndex((call, index) => index > throttled && call.operation === "s3.GetBucketEncryption" && call.target === calls[throttled]!.target);
    expect(throttled).toBeGreaterThanOrEqual(0);
    // With one slot, every call answered in between ran while the throttled call waited.
    expect(retried - throttled - 1).toBeGreaterThan(10);
  });
});
