import { readFile } from "node:fs/promises";
import path from "node:path";
import { readAttestations } from "../attestations/store.js";
import { openProject, type ProjectOptions } from "../attestations/project.js";
import { toAttestationResource } from "../collectors/files/attestations.js";
import { policiesCollector } from "../collectors/files/policies.js";
import type { CollectContext } from "../collectors/types.js";
import { isInScope } from "../engine/run.js";
import { DEFAULT_MAX_EXCEPTION_DAYS, loadExceptions } from "../engine/exceptions.js";
import type { Status } from "../engine/types.js";
import { Soc2Error } from "../errors.js";
import { computeStatus, formatStatus, type StatusReport } from "./index.js";

export interface StatusOptions extends ProjectOptions {
  now: Date;
  withinDays: number;
  /** JSON output of `soc2 check --format json`, for the status of automated controls. */
  resultsFile?: string;
}

/**
 * Builds the status report from the repository alone: attestations, policy front matter and
 * exceptions. Automated controls count as not evaluated unless a run's JSON results are given.
 */
export async function runStatus(options: StatusOptions): Promise<{ report: StatusReport; text: string }> {
  const project = await openProject(options);
  const inScope = project.controls.filter((control) => isInScope(control.spec.category, project.loaded.config.scope));

  const attestations = (await readAttestations(project.attestationsDir)).map((stored) => toAttestationResource(stored, []));
  const policies = (await policiesCollector.collect(localContext({ policies_dir: project.policiesDir }, options.now))).resources;
  const exceptions = await loadExceptions(project.exceptionsDir, {
    knownControls: new Set(project.controls.map((control) => control.spec.id)),
    maxDays: DEFAULT_MAX_EXCEPTION_DAYS,
    now: options.now,
  });
  const results = options.resultsFile ? await readResults(path.resolve(options.cwd, options.resultsFile)) : undefined;

  const report = computeStatus({
    controls: inScope.map((control) => control.spec),
    attestations,
    policies,
    exceptions,
    results,
    now: options.now,
    withinDays: options.withinDays,
  });
  return { report, text: formatStatus(report) };
}

async function readResults(file: string): Promise<Map<string, Status>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new Soc2Error("SOC2_INPUT_INVALID", `--results ${file} could not be read as JSON: ${(error as Error).message}`, { cause: error });
  }
  const controls = (parsed as { controls?: unknown }).controls;
  if (!Array.isArray(controls)) {
    throw new Soc2Error("SOC2_INPUT_INVALID", `--results ${file} has no "controls" list`, { hint: "Pass the output of `soc2 check --format json`." });
  }
  return new Map(controls.map((control: { id: string; status: Status }) => [control.id, control.status]));
}

/** Builds a collection context for repository files only, without network or shared clients. */
function localContext<SourceConfig>(source: SourceConfig, now: Date): CollectContext<SourceConfig> {
  return {
    source,
    args: undefined,
    env: {},
    now,
    classify: () => [],
    shared: async (_key, open) => open(),
    debug: () => {},
    signal: new AbortController().signal,
  };
}
