import type { z } from "zod";
import type { ObjectType } from "./schema.js";

/** One thing a collector saw: a table, a bucket, a user. Plain JSON with a stable `id`. */
export interface Resource {
  id: string;
  /** Data classes attached from the configuration's classification selectors. */
  classes: string[];
  /**
   * Set when this one resource could not be read completely (e.g. one bucket's policy call was
   * denied). The engine reports the resource as `error` with this reason for every control.
   */
  _error?: { code: string; message: string };
  [field: string]: unknown;
}

/** The attributes of a resource that the configuration's classification selectors match on. */
export interface ClassifyTarget {
  kind: string;
  name: string;
  schema?: string;
  account?: string;
  region?: string;
  tags?: Record<string, string>;
}

/** Which part of a source was read (or could not be): accounts, regions, APIs, databases. */
export interface CoverageEntry {
  source: string;
  scope: string;
  api: string;
  status: "read" | "error";
  detail?: string;
  /** Who the source was read as (a database role, a cloud principal), for the bundle's metadata. */
  identity?: string;
}

export interface CollectorOutput {
  resources: Resource[];
  coverage?: CoverageEntry[];
  /** Things the operator should know that do not change a verdict (e.g. connected as superuser). */
  warnings?: string[];
}

export interface CollectContext<SourceConfig = unknown, Args = unknown> {
  /** The validated `sources.<name>` section of the configuration. */
  source: SourceConfig;
  /** The control's validated `collector.with` arguments, for collectors that take them. */
  args: Args;
  env: Readonly<Record<string, string | undefined>>;
  /** The run's clock. Collectors use it only for bounds such as "created after the run started". */
  now: Date;
  classify(target: ClassifyTarget): string[];
  /**
   * Opens a client once per run and source (a database pool, an SDK client) and shares it
   * between collectors; `close` runs when the run ends.
   */
  shared<T>(key: string, open: () => Promise<T>, close?: (value: T) => Promise<void>): Promise<T>;
  debug(message: string): void;
  signal: AbortSignal;
}

/**
 * A collector reads one kind of resource from one source. Definitions must stay cheap to import:
 * SDKs and drivers are loaded with `await import()` inside `collect`, so `soc2 --help` and
 * `soc2 validate` never load them.
 */
export interface Collector<SourceConfig = unknown, Args = unknown> {
  /** Dotted id used by controls, e.g. `postgres.tables`. */
  id: string;
  title: string;
  /** Name of the `sources.<name>` configuration section this collector reads. */
  source: string;
  /** Resource shape; a function when it depends on the control's arguments. */
  schema: ObjectType | ((args: Args) => ObjectType);
  /** Arguments a control passes with `collector: { id, with }`; absent when none are taken. */
  args?: z.ZodType<Args>;
  collect(ctx: CollectContext<SourceConfig, Args>): Promise<CollectorOutput>;
}

/**
 * A source groups collectors that share one configuration section and one connection.
 * `always` sources (policy files, attestations) need no configuration and never report skipped.
 */
export interface Source<SourceConfig = unknown> {
  id: string;
  title: string;
  config: z.ZodType<SourceConfig>;
  always?: boolean;
  collectors: Collector<SourceConfig, any>[];
}
