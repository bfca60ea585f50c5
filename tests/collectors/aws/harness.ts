import { createClassifier } from "../../../src/config/classify.js";
import type { Selector } from "../../../src/config/schema.js";
import { source } from "../../../src/collectors/aws/index.js";
import type { AwsConfig } from "../../../src/collectors/aws/config.js";
import type { CollectContext, Collector, CollectorOutput, Resource } from "../../../src/collectors/types.js";
import { startFakeAws, type FakeAws, type FakeEstate, type FakeServerOptions } from "../../fakes/aws/server.js";

/**
 * Environment for the real SDK against the fake: fixed test credentials, no shared config files,
 * no instance metadata, every endpoint on loopback.
 */
export function fakeAwsEnv(fake: FakeAws): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: "AKIAFAKEFAKEFAKEFAKE",
    AWS_SECRET_ACCESS_KEY: "fake-secret-access-key",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/nonexistent/soc2-test/config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/soc2-test/credentials",
    AWS_ENDPOINT_URL: fake.url,
    AWS_ENDPOINT_URL_S3_CONTROL: fake.controlUrl,
  };
}

const SDK_ENV = [
  "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
  "AWS_EC2_METADATA_DISABLED", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
  "AWS_ENDPOINT_URL_S3_CONTROL", "AWS_ENDPOINT_URL_RDS", "AWS_ENDPOINT_URL_CLOUDTRAIL", "AWS_ENDPOINT_URL_STS",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE",
];

/**
 * Replaces the SDK's environment for one test: the SDK reads process.env itself, so the test
 * process's own AWS settings must not leak in. Returns the function that restores it.
 */
export function setSdkEnv(env: Record<string, string>): () => void {
  const saved = new Map(SDK_ENV.map((name) => [name, process.env[name]]));
  for (const name of SDK_ENV) delete process.env[name];
  Object.assign(process.env, env);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

export interface RunOptions {
  config?: Partial<AwsConfig>;
  selectors?: Selector[];
}

export interface Harness {
  fake: FakeAws;
  run(collectorId: string, options?: RunOptions): Promise<CollectorOutput>;
  close(): Promise<void>;
}

/** Test defaults: retries stay quick so throttling cases take milliseconds. */
export const TEST_CONFIG: AwsConfig = { regions: ["eu-west-1"], concurrency: 8, max_attempts: 10, retry_base_delay_ms: 1 };

export async function startHarness(estate: FakeEstate, options: FakeServerOptions = {}): Promise<Harness> {
  const fake = await startFakeAws(estate, options);
  const restore = setSdkEnv(fakeAwsEnv(fake));
  return {
    fake,
    run: (collectorId, runOptions) => runCollector(collectorId, runOptions),
    async close() {
      restore();
      await fake.close();
    },
  };
}

/** Runs one collector with a fresh context, closing what it shared when done, as a run would. */
export async function runCollector(collectorId: string, options: RunOptions = {}): Promise<CollectorOutput> {
  const collector = source.collectors.find((candidate) => candidate.id === collectorId) as Collector<AwsConfig> | undefined;
  if (!collector) throw new Error(`no collector ${collectorId}`);
  const config = source.config.parse({ ...TEST_CONFIG, ...options.config });
  const { ctx, closeShared } = testContext(config, options.selectors ?? []);
  try {
    return await collector.collect(ctx);
  } finally {
    await closeShared();
  }
}

export function testContext(config: AwsConfig, selectors: Selector[]): { ctx: CollectContext<AwsConfig>; closeShared(): Promise<void> } {
  const shared = new Map<string, { value: Promise<unknown>; close?: (value: never) => Promise<void> }>();
  const ctx: CollectContext<AwsConfig> = {
    source: config,
    args: undefined,
    env: process.env,
    now: new Date("2026-03-01T12:00:00Z"),
    classify: createClassifier(selectors),
    shared<T>(key: string, open: () => Promise<T>, close?: (value: T) => Promise<void>): Promise<T> {
      let entry = shared.get(key);
      if (!entry) {
        entry = { value: open(), close: close as ((value: never) => Promise<void>) | undefined };
        shared.set(key, entry);
      }
      return entry.value as Promise<T>;
    },
    debug: () => {},
    signal: new AbortController().signal,
  };
  return {
    ctx,
    async closeShared() {
      for (const entry of shared.values()) {
        const value = await entry.value.catch(() => undefined);
        if (value !== undefined && entry.close) await entry.close(value as never);
      }
    },
  };
}

export function byName(resources: Resource[], name: string): Resource {
  const found = resources.find((resource) => resource.name === name);
  if (!found) throw new Error(`no resource named ${name} among ${resources.map((resource) => String(resource.name)).join(", ")}`);
  return found;
}
