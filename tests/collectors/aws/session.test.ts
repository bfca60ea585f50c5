import { afterEach, describe, expect, test } from "vitest";
import { source } from "../../../src/collectors/aws/index.js";
import { Limiter, mapLimited } from "../../../src/collectors/aws/limiter.js";
import { CollectorError } from "../../../src/errors.js";
import { startFakeAws, type FakeAws } from "../../fakes/aws/server.js";
import type { FakeBucket } from "../../fakes/aws/estate.js";
import { fakeAwsEnv, runCollector, setSdkEnv, startHarness, type Harness } from "./harness.js";

let harness: Harness | undefined;
let restore: (() => void) | undefined;
const fakes: FakeAws[] = [];
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  restore?.();
  restore = undefined;
  for (const fake of fakes.splice(0)) await fake.close();
});

describe("aws source config", () => {
  test("defaults for optional settings", () => {
    const config = source.config.parse({ regions: ["eu-west-1"] });
    expect(config).toEqual({ regions: ["eu-west-1"], concurrency: 16, max_attempts: 10, retry_base_delay_ms: 500 });
  });

  test("unknown keys and bad values rejected", () => {
    expect(source.config.safeParse({ regions: ["eu-west-1"], region: "eu-west-1" }).success).toBe(false);
    expect(source.config.safeParse({ regions: [] }).success).toBe(false);
    expect(source.config.safeParse({ regions: ["Ireland"] }).success).toBe(false);
    expect(source.config.safeParse({ regions: ["eu-west-1"], account_id: "1234" }).success).toBe(false);
  });
});

describe("aws session", () => {
  test("missing credentials are a collector error", async () => {
    const fake = await startFakeAws({ accountId: "111122223333" });
    fakes.push(fake);
    const env = fakeAwsEnv(fake);
    delete env.AWS_ACCESS_KEY_ID;
    delete env.AWS_SECRET_ACCESS_KEY;
    restore = setSdkEnv(env);

    const failure = await runCollector("aws.s3.buckets").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CollectorError);
    expect((failure as CollectorError).code).toBe("SOC2_CREDENTIALS_MISSING");
    expect(fake.calls).toEqual([]);
  });

  test("missing credentials with a configured account id", async () => {
    const fake = await startFakeAws({ accountId: "111122223333", trails: [] });
    fakes.push(fake);
    const env = fakeAwsEnv(fake);
    delete env.AWS_ACCESS_KEY_ID;
    delete env.AWS_SECRET_ACCESS_KEY;
    restore = setSdkEnv(env);

    const failure = await runCollector("aws.cloudtrail.trails", { config: { account_id: "111122223333" } }).catch((error: unknown) => error);
    expect((failure as CollectorError).code).toBe("SOC2_CREDENTIALS_MISSING");
  });

  test("per-service endpoint variable wins", async () => {
    const s3Fake = await startFakeAws({ accountId: "111122223333", buckets: [{ name: "only-here", region: "eu-west-1" }] });
    const otherFake = await startFakeAws({ accountId: "111122223333", buckets: [] });
    fakes.push(s3Fake, otherFake);
    restore = setSdkEnv({ ...fakeAwsEnv(otherFake), AWS_ENDPOINT_URL_S3: s3Fake.url });

    const output = await runCollector("aws.s3.buckets");
    expect(output.resources.map((bucket) => bucket.name)).toEqual(["only-here"]);
    expect(s3Fake.calls.every((call) => call.operation.startsWith("s3."))).toBe(true);
    // STS and the account-level block still go to the general endpoint.
    expect(otherFake.calls.map((call) => call.operation).sort()).toEqual(["s3control.GetPublicAccessBlock", "sts.GetCallerIdentity"]);
  });

  test("account id from the configuration skips sts", async () => {
    harness = await startHarness({ accountId: "111122223333", trails: [] });
    await harness.run("aws.cloudtrail.trails", { config: { account_id: "111122223333" } });
    expect(harness.fake.calls.map((call) => call.operation)).toEqual(["cloudtrail.DescribeTrails"]);
  });

  test("five percent random throttling leaves no errors", async () => {
    const buckets: FakeBucket[] = Array.from({ length: 60 }, (_, index) => ({ name: `bucket-${String(index).padStart(2, "0")}`, region: index % 2 ? "eu-west-1" : "us-east-1", versioning: "Enabled" }));
    harness = await startHarness({ accountId: "111122223333", buckets }, { throttleRate: 0.05, seed: 7, bucketPageSize: 25 });
    const output = await harness.run("aws.s3.buckets", { config: { concurrency: 16 } });

    expect(output.resources).toHaveLength(60);
    expect(output.resources.filter((bucket) => bucket._error)).toEqual([]);
    expect(output.resources.every((bucket) => bucket.versioning === "Enabled")).toBe(true);
    expect(harness.fake.calls.filter((call) => call.status === 503).length).toBeGreaterThan(5);
    expect(output.coverage?.every((entry) => entry.status === "read")).toBe(true);
  });

  test("concurrency bounds calls in flight", async () => {
    const buckets: FakeBucket[] = Array.from({ length: 12 }, (_, index) => ({ name: `bucket-${index}`, region: "eu-west-1" }));
    harness = await startHarness({ accountId: "111122223333", buckets }, { latencyMs: 5 });
    const output = await harness.run("aws.s3.buckets", { config: { concurrency: 3 } });

    expect(output.resources).toHaveLength(12);
    expect(harness.fake.maxInFlight).toBeLessThanOrEqual(3);
    expect(harness.fake.maxInFlight).toBeGreaterThan(1);
  });
});

describe("Limiter", () => {
  test("runs at most max tasks at once", async () => {
    let running = 0;
    let peak = 0;
    const results = await mapLimited(Array.from({ length: 20 }, (_, index) => index), 4, async (item) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running -= 1;
      return item * 2;
    });
    expect(peak).toBe(4);
    expect(results).toEqual(Array.from({ length: 20 }, (_, index) => index * 2));
  });

  test("frees the slot when a task fails", async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(async () => { throw new Error("boom"); })).rejects.toThrow("boom");
    await expect(limiter.run(async () => "next")).resolves.toBe("next");
  });
});
