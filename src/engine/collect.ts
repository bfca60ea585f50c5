import type { LoadedControl } from "../catalog/load.js";
import type { Registry } from "../collectors/registry.js";
import type { CollectorRecord, Snapshot } from "../collectors/snapshot.js";
import type { ClassifyTarget, CollectContext, Collector, Resource } from "../collectors/types.js";
import { CollectorError, Soc2Error } from "../errors.js";
import { ATTESTATIONS_KEY } from "./evaluate.js";

export interface CollectOptions {
  registry: Registry;
  /** Validated `sources.<id>` sections; a source absent here is not configured. */
  sources: Map<string, unknown>;
  env: Readonly<Record<string, string | undefined>>;
  now: Date;
  classify(target: ClassifyTarget): string[];
  /** Recorded collector output used instead of collecting live, by snapshot key. */
  replay?: Snapshot["collectors"];
  /** Upper bound for one collector, after which it is an error (milliseconds). */
  timeoutMs?: number;
  progress?(message: string): void;
  debug?(message: string): void;
}

interface Call {
  key: string;
  collector: Collector;
  args: unknown;
}

/** The collector calls a set of controls needs, each once, plus attestations for manual controls. */
export function plannedCalls(controls: LoadedControl[], registry: Registry): Call[] {
  const calls = new Map<string, Call>();
  for (const control of controls) {
    if (control.collector) {
      const collector = registry.collectors.get(control.collector.id)!;
      calls.set(control.collector.key, { key: control.collector.key, collector, args: control.collector.args });
    }
    if (control.spec.type === "manual") {
      const collector = registry.collectors.get(ATTESTATIONS_KEY);
      if (collector) calls.set(ATTESTATIONS_KEY, { key: ATTESTATIONS_KEY, collector, args: undefined });
    }
  }
  return [...calls.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * Runs every needed collector once, concurrently, and records what each returned. A collector
 * that throws is recorded as `error` with its reason; one whose source is not configured as
 * `skipped`. Nothing here ever turns a failure into an empty result.
 */
export async function collect(controls: LoadedControl[], options: CollectOptions): Promise<Snapshot> {
  const takenAt = options.now.toISOString();
  const calls = plannedCalls(controls, options.registry);
  const shared = new Map<string, Promise<unknown>>();
  const closers: Array<() => Promise<void>> = [];
  const records: Snapshot["collectors"] = {};
  let done = 0;

  const context = (call: Call, signal: AbortSignal): CollectContext => ({
    source: options.sources.get(call.collector.source) ?? {},
    args: call.args,
    env: options.env,
    now: options.now,
    classify: options.classify,
    signal,
    debug: (message) => options.debug?.(`${call.collector.id}: ${message}`),
    shared<T>(key: string, open: () => Promise<T>, close?: (value: T) => Promise<void>): Promise<T> {
      let existing = shared.get(key) as Promise<T> | undefined;
      if (!existing) {
        existing = open();
        shared.set(key, existing);
        if (close) closers.push(async () => close(await existing!));
      }
      return existing;
    },
  });

  await Promise.all(calls.map(async (call) => {
    records[call.key] = await runOne(call, options, context);
    done++;
    options.progress?.(`collected ${done}/${calls.length}: ${call.key}`);
  }));

  await Promise.allSettled(closers.map((close) => close()));
  const ordered: Snapshot["collectors"] = {};
  for (const key of Object.keys(records).sort()) ordered[key] = records[key]!;
  return { version: 1, takenAt, collectors: ordered };
}

async function runOne(
  call: Call,
  options: CollectOptions,
  context: (call: Call, signal: AbortSignal) => CollectContext,
): Promise<CollectorRecord> {
  const recorded = options.replay?.[call.key];
  if (recorded) return recorded;

  const base = { collector: call.collector.id, ...(call.args === undefined ? {} : { args: call.args }) };
  const source = options.registry.sources.get(call.collector.source);
  if (!source?.always && !options.sources.has(call.collector.source)) {
    return { ...base, status: "skipped", reason: `source "${call.collector.source}" is not configured` };
  }

  const controller = new AbortController();
  const timeoutMs = options.timeoutMs ?? 300_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new CollectorError("SOC2_TIMEOUT", `no answer within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
  });

  try {
    const output = await Promise.race([call.collector.collect(context(call, controller.signal)), timeout]);
    const resources = sortResources(output.resources);
    return {
      ...base,
      status: "ok",
      resources,
      ...(output.coverage ? { coverage: output.coverage } : {}),
      ...(output.warnings?.length ? { warnings: output.warnings } : {}),
    };
  } catch (error) {
    // Bad input found while collecting (a malformed policy or attestation file) stops the run
    // with exit 2, like a malformed control, rather than becoming one control's error.
    if (error instanceof Soc2Error) throw error;
    if (error instanceof CollectorError) return { ...base, status: "error", error: { code: error.code, message: error.message } };
    options.debug?.(`${call.collector.id} failed unexpectedly: ${(error as Error).stack ?? String(error)}`);
    return { ...base, status: "error", error: { code: "SOC2_COLLECTOR_BUG", message: `collector failed unexpectedly: ${(error as Error).message}` } };
  } finally {
    clearTimeout(timer);
  }
}

function sortResources(resources: Resource[]): Resource[] {
  return [...resources].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
