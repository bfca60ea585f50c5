import { stat } from "node:fs/promises";
import path from "node:path";
import type { Severity, TrustCategory } from "../catalog/control-schema.js";
import { CRITERIA_BY_ID } from "../catalog/criteria.js";
import { loadControls, type LoadedControl } from "../catalog/load.js";
import { builtinRegistry, loadCollectorModules, type Registry } from "../collectors/registry.js";
import type { Snapshot } from "../collectors/snapshot.js";
import type { CoverageEntry } from "../collectors/types.js";
import { createClassifier } from "../config/classify.js";
import { loadConfig, resolveSources, type LoadedConfig } from "../config/load.js";
import { Soc2Error } from "../errors.js";
import { collect } from "./collect.js";
import { evaluateControls } from "./evaluate.js";
import { applyExceptions, DEFAULT_MAX_EXCEPTION_DAYS, loadExceptions, type ExceptionRecord } from "./exceptions.js";
import { summarize } from "./summary.js";
import type { ExceptionSummary, RunResult } from "./types.js";
import { computeStatus, type DueItem } from "../status/index.js";
import { readSnapshotFile } from "./snapshot-file.js";

export const TOOL_VERSION = "0.1.0";

export interface Workspace {
  loaded: LoadedConfig;
  registry: Registry;
  sources: Map<string, unknown>;
  controls: LoadedControl[];
  /**
   * Repository root: file paths in results, reports and bundles are relative to it. The git
   * work tree that contains the controls, else the controls folder's parent.
   */
  rootDir: string;
  exceptionsDir: string;
  /** Every control id in the catalog, in scope and selected or not: what exceptions may name. */
  catalogIds: Set<string>;
}

export interface WorkspaceOptions {
  configFile?: string;
  controlsDir?: string;
  cwd: string;
  /** Control ids, criterion ids or series (CC6), categories or tags to keep. */
  only?: string[];
  /** Exceptions folder instead of the configuration's (replay uses the bundle's own). */
  exceptionsDir?: string;
  /** Root that file paths are shown relative to, instead of the repository root. */
  rootDir?: string;
}

/** Loads the configuration, the collector registry and the control catalog; collects nothing. */
export async function openWorkspace(options: WorkspaceOptions): Promise<Workspace> {
  const loaded = await loadConfig(options.configFile, options.cwd);
  const registry = builtinRegistry();
  await loadCollectorModules(registry, loaded.config.collector_modules, loaded.baseDir);
  const sources = await resolveSources(loaded, registry);

  const controlsDir = options.controlsDir ? path.resolve(options.cwd, options.controlsDir) : path.resolve(loaded.baseDir, loaded.config.controls);
  const rootDir = options.rootDir ?? await repositoryRoot(controlsDir);
  const exceptionsDir = options.exceptionsDir ?? path.resolve(loaded.baseDir, loaded.config.exceptions);
  const all = await loadControls(controlsDir, { registry, rootDir, paramOverrides: loaded.config.params });
  const inScope = all.filter((control) => isInScope(control.spec.category, loaded.config.scope));
  const controls = options.only?.length ? selectOnly(inScope, options.only) : inScope;

  injectFileSources(sources, loaded);
  const catalogIds = new Set(all.map((control) => control.spec.id));
  return { loaded, registry, sources, controls, rootDir, exceptionsDir, catalogIds };
}

/** Finds the nearest folder above the controls folder that contains `.git`, else returns its parent. */
async function repositoryRoot(controlsDir: string): Promise<string> {
  for (let current = controlsDir; ; current = path.dirname(current)) {
    if (await stat(path.join(current, ".git")).then(() => true, () => false)) return current;
    if (path.dirname(current) === current) return path.dirname(controlsDir);
  }
}

/** Security is always in scope; the other trust categories only when the configuration lists them. */
export function isInScope(category: TrustCategory, scope: TrustCategory[]): boolean {
  return category === "security" || scope.includes(category);
}

function selectOnly(controls: LoadedControl[], only: string[]): LoadedControl[] {
  const requested = only.flatMap((item) => item.split(",")).map((item) => item.trim()).filter(Boolean);
  const unmatched = requested.filter((item) => !controls.some((control) => matchesOnly(control, item)));
  if (unmatched.length > 0) {
    throw new Soc2Error("SOC2_USAGE", `--only ${unmatched.join(", ")} matches no control in scope`, {
      hint: "Give a control id, a criterion (CC6.1), a series (CC6), a trust category, a tag, or a collector or source (postgres); `soc2 controls list` shows them.",
    });
  }
  return controls.filter((control) => requested.some((item) => matchesOnly(control, item)));
}

function matchesOnly(control: LoadedControl, item: string): boolean {
  const spec = control.spec;
  if (spec.id === item || spec.category === item || spec.tags.includes(item)) return true;
  const collector = control.collector?.id;
  if (collector && (collector === item || collector.split(".")[0] === item)) return true;
  return spec.criteria.some((criterion) => criterion.id === item || CRITERIA_BY_ID.get(criterion.id)?.series === item);
}

/** Resolves the folders the repository-file collectors read from the configuration's paths. */
function injectFileSources(sources: Map<string, unknown>, loaded: LoadedConfig): void {
  const configured = (sources.get("files") ?? {}) as Record<string, unknown>;
  const attestations = path.resolve(loaded.baseDir, loaded.config.evidence.attestations);
  sources.set("files", {
    ...configured,
    policies_dir: path.resolve(loaded.baseDir, (configured.policies_dir as string | undefined) ?? loaded.config.policies),
    attestations_dir: attestations,
    incidents_dir: path.resolve(path.dirname(attestations), "incidents"),
  });
}

export interface CheckOptions {
  workspace: Workspace;
  env: Readonly<Record<string, string | undefined>>;
  now: Date;
  failOn: Severity;
  /** Evaluate over this recorded snapshot instead of collecting. */
  snapshot?: Snapshot;
  progress?(message: string): void;
  debug?(message: string): void;
}

export interface CheckOutcome {
  run: RunResult;
  snapshot: Snapshot;
  exceptions: { active: ExceptionRecord[]; expired: ExceptionRecord[] };
}

/** Collects (or replays), evaluates, applies exceptions and summarizes one run. */
export async function check(options: CheckOptions): Promise<CheckOutcome> {
  const { workspace } = options;
  const startedAt = new Date();
  const config = workspace.loaded.config;

  const exceptions = await loadExceptions(workspace.exceptionsDir, {
    knownControls: workspace.catalogIds,
    maxDays: config.exception_max_days ?? DEFAULT_MAX_EXCEPTION_DAYS,
    now: options.now,
  });

  const replayed = options.snapshot ? undefined : await replayRecords(workspace);
  const snapshot = options.snapshot ?? await collect(workspace.controls, {
    registry: workspace.registry,
    sources: workspace.sources,
    env: options.env,
    now: options.now,
    classify: createClassifier(config.classification),
    replay: replayed?.records,
    progress: options.progress,
    debug: options.debug,
  });

  const evaluated = evaluateControls(workspace.controls, snapshot, { now: options.now });
  const waived = applyExceptions(evaluated, exceptions, options.now);
  const results = waived.results;

  const run: RunResult = {
    tool: { name: "soc2", version: TOOL_VERSION },
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    now: options.now.toISOString(),
    controls: results,
    summary: summarize(results, options.failOn),
    coverage: coverageOf(snapshot),
    warnings: [...(replayed?.notes ?? []), ...warningsOf(snapshot)],
    exceptions: { active: waived.active.map(summarizeException), expired: waived.expired.map(summarizeException) },
    due: dueItems(workspace, snapshot, exceptions, results, options.now),
    keyMetrics: keyMetrics(snapshot, options.now),
  };
  return { run, snapshot, exceptions: { active: waived.active, expired: waived.expired } };
}

/** Reads the recorded collector records that the configuration lists under `replay`. */
async function replayRecords(workspace: Workspace): Promise<{ records: Snapshot["collectors"]; notes: string[] } | undefined> {
  const files = workspace.loaded.config.replay;
  if (files.length === 0) return undefined;
  const records: Snapshot["collectors"] = {};
  const notes: string[] = [];
  for (const file of files) {
    const snapshot = await readSnapshotFile(path.resolve(workspace.loaded.baseDir, file), file);
    Object.assign(records, snapshot.collectors);
    notes.push(`${Object.keys(snapshot.collectors).join(", ")} replayed from ${file} (recorded ${snapshot.takenAt}), not collected live`);
  }
  return { records, notes };
}

function summarizeException(exception: ExceptionRecord): ExceptionSummary {
  return {
    control: exception.control,
    ...(exception.resource === undefined ? {} : { resource: exception.resource }),
    reason: exception.reason,
    owner: exception.owner,
    approver: exception.approver,
    ticket: exception.ticket,
    expires: exception.expires,
    file: exception.file,
  };
}

/** Days of `due` shown in a check report: what falls due within the next month. */
const DUE_WITHIN_DAYS = 30;

function dueItems(workspace: Workspace, snapshot: Snapshot, exceptions: ExceptionRecord[], results: RunResult["controls"], now: Date): DueItem[] {
  const resourcesOf = (key: string) => {
    const record = snapshot.collectors[key];
    return record?.status === "ok" ? record.resources : [];
  };
  const report = computeStatus({
    controls: workspace.controls.map((control) => ({
      id: control.spec.id,
      title: control.spec.title,
      type: control.spec.type,
      tags: control.spec.tags,
      ...(control.spec.attestation ? { attestation: control.spec.attestation } : {}),
    })),
    attestations: resourcesOf("files.attestations"),
    policies: resourcesOf("files.policies"),
    exceptions,
    results: new Map(results.map((result) => [result.id, result.status])),
    now,
    withinDays: DUE_WITHIN_DAYS,
  });
  return report.due;
}

/** Incidents detected in the last 365 days, from the incident register when a control read it. */
function keyMetrics(snapshot: Snapshot, now: Date): RunResult["keyMetrics"] {
  const record = snapshot.collectors["files.incidents"];
  if (record?.status !== "ok") return null;
  const periodDays = 365;
  const since = now.getTime() - periodDays * 24 * 60 * 60 * 1000;
  const recent = record.resources.filter((incident) => Date.parse(String(incident.detectedAt)) >= since);
  return {
    securityIncidents: recent.length,
    dataBreaches: recent.filter((incident) => incident.dataBreach === true).length,
    periodDays,
  };
}

function coverageOf(snapshot: Snapshot): CoverageEntry[] {
  const entries: CoverageEntry[] = [];
  for (const [key, record] of Object.entries(snapshot.collectors)) {
    if (record.status === "skipped") continue;
    if (record.coverage?.length) entries.push(...record.coverage);
    else if (record.status === "error") entries.push({ source: key.split(".")[0]!, scope: key, api: key, status: "error", detail: `${record.error.code}: ${record.error.message}` });
  }
  return entries;
}

function warningsOf(snapshot: Snapshot): string[] {
  const warnings = new Set<string>();
  for (const record of Object.values(snapshot.collectors)) {
    if (record.status === "ok") for (const warning of record.warnings ?? []) warnings.add(warning);
  }
  return [...warnings].sort();
}
