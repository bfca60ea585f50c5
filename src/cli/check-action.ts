import { appendFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import type { Severity } from "../catalog/control-schema.js";
import type { Snapshot } from "../collectors/snapshot.js";
import { readSnapshotPath } from "../engine/snapshot-file.js";
import { check, openWorkspace, type CheckOutcome, type Workspace } from "../engine/run.js";
import type { SigningKey } from "../evidence/keys.js";
import { STATUSES } from "../engine/summary.js";
import type { RunResult, Status } from "../engine/types.js";
import { Soc2Error } from "../errors.js";
import { reporters } from "../reports/index.js";
import { RESULTS_FORMAT } from "../reports/json.js";
import type { ReportContext } from "../reports/types.js";
import { formatPath } from "../yaml-file.js";
import type { CliIO } from "./context.js";
import { debugLogger, useColor } from "./options.js";

export interface CheckFlags {
  config?: string;
  controls?: string;
  only?: string[];
  format?: string[];
  output?: string;
  outputDir?: string;
  failOn: Severity;
  snapshot?: string;
  key?: string;
  saveSnapshot?: string;
  bundle?: boolean;
  signingKey?: string;
  newChain?: boolean;
  baseline?: string;
  minEvaluated?: number;
  now?: Date;
  debug?: boolean;
}

/** `soc2 check`: returns the exit code. */
export async function runCheckCommand(flags: CheckFlags, io: CliIO): Promise<number> {
  const formats = flags.format?.length ? flags.format : ["table"];
  checkOutputFlags(flags, formats);
  const debug = debugLogger(io, Boolean(flags.debug));
  const baseline = flags.baseline ? await readBaseline(path.resolve(io.cwd, flags.baseline), flags.baseline) : undefined;

  if (flags.outputDir) await checkOutputDir(path.resolve(io.cwd, flags.outputDir), flags.outputDir);
  const replay = flags.snapshot ? await openReplay(flags, io) : undefined;
  const workspace = await openWorkspace({
    configFile: replay?.configFile ?? flags.config,
    controlsDir: flags.controls ?? replay?.controlsDir,
    exceptionsDir: replay?.exceptionsDir,
    rootDir: replay?.rootDir,
    cwd: io.cwd,
    only: flags.only,
  });
  // A missing or unreadable signing key fails the run before anything is collected.
  const signingKey = flags.bundle ? await (await import("../evidence/commands.js")).loadRunSigningKey(workspace.loaded, io, flags.signingKey) : undefined;
  if (workspace.controls.length === 0) {
    throw new Soc2Error("SOC2_USAGE", "no control is in scope, so nothing would be evaluated", {
      hint: "Check `scope` in soc2.config.yaml and the controls folder; `soc2 controls list` shows what is loaded.",
    });
  }
  const snapshot = replay?.snapshot;
  const now = flags.now ?? replay?.now ?? io.now?.() ?? new Date();

  // The progress line rewrites itself, so it goes only to a terminal, never into a CI log.
  const progress = io.stderrIsTTY && io.env.CI === undefined ? (message: string) => io.stderr(`\r\u001b[K${message}`) : undefined;
  progress?.(`collecting for ${workspace.controls.length} controls…`);
  const outcome = await check({ workspace, env: io.env, now, failOn: flags.failOn, snapshot, progress, debug });
  progress?.("");

  const context: ReportContext = { color: useColor(io), rootDir: workspace.rootDir };
  if (formats.includes("html")) context.history = await readHistory(workspace, io);
  await writeReports(outcome.run, formats, flags, context, io);
  if (io.env.GITHUB_ACTIONS === "true") await writeGithubOutputs(outcome.run, context, formats, flags, io);
  if (flags.saveSnapshot) {
    const { redactSnapshot } = await import("../evidence/index.js");
    await writeAtomically(path.resolve(io.cwd, flags.saveSnapshot), `${JSON.stringify(redactSnapshot(outcome.snapshot), null, 2)}\n`);
  }
  if (signingKey) await writeRunBundle(workspace, outcome, flags, signingKey, io);

  const exitCode = baseline ? await compareWithBaseline(outcome.run, baseline, flags, io) : outcome.run.summary.exitCode;
  return applyGates(exitCode, outcome.run.summary.evaluatedShare, flags, io);
}

interface Replay {
  snapshot: Snapshot;
  now?: Date;
  /** Set when replaying a bundle: its own configuration, controls and exceptions, unpacked. */
  configFile?: string;
  controlsDir?: string;
  exceptionsDir?: string;
  rootDir?: string;
}

/**
 * Reads recorded evidence for `--snapshot`. A bundle is verified first, then evaluated with the
 * controls, configuration and exceptions it carries (unless --controls says otherwise), so an
 * auditor's replay reaches the results recorded in it.
 */
async function openReplay(flags: CheckFlags, io: CliIO): Promise<Replay> {
  const target = path.resolve(io.cwd, flags.snapshot!);
  if (!/\.tar\.gz$|\.tgz$/.test(target)) {
    const snapshot = await readSnapshotPath(target, flags.snapshot);
    return { snapshot, now: new Date(snapshot.takenAt) };
  }
  if (!flags.key) throw new Soc2Error("SOC2_USAGE", "replaying a bundle needs --key PUB, the signer's public key, to verify it first");
  const { openBundle } = await import("../evidence/index.js");
  const bundle = await openBundle(target, { publicKey: path.resolve(io.cwd, flags.key), warn: (message) => io.stderr(`warning: ${message}\n`) });

  const dir = await mkdtemp(path.join(os.tmpdir(), "soc2-replay-"));
  for (const file of [...bundle.controls, ...bundle.configuration]) {
    const member = bundle.members.find((name) => name.endsWith(file.path.replace(/^(\.\.\/)+/, ""))) ?? file.path;
    await writeInside(dir, member, file.content);
  }
  const configFile = bundle.configuration.some((file) => file.path === CONFIG_MEMBER) ? path.join(dir, "config", CONFIG_MEMBER) : undefined;
  return {
    snapshot: bundle.snapshot,
    now: new Date(bundle.run.now),
    configFile,
    controlsDir: path.join(dir, "controls"),
    exceptionsDir: path.join(dir, "config", "exceptions"),
    rootDir: dir,
  };
}

/** Path of the configuration inside a bundle's `config/` folder. */
const CONFIG_MEMBER = "soc2.config.yaml";

async function writeInside(dir: string, relative: string, content: string): Promise<void> {
  const file = path.resolve(dir, relative);
  if (!file.startsWith(`${dir}${path.sep}`)) throw new Soc2Error("SOC2_BUNDLE_INVALID", `bundle member ${relative} points outside the bundle`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

async function writeRunBundle(workspace: Workspace, outcome: CheckOutcome, flags: CheckFlags, key: SigningKey, io: CliIO): Promise<void> {
  const { bundleRun } = await import("../evidence/commands.js");
  const configuration = [];
  if (workspace.loaded.file) configuration.push({ path: CONFIG_MEMBER, content: await readFile(workspace.loaded.file, "utf8") });
  for (const name of await readdir(workspace.exceptionsDir).catch(() => [] as string[])) {
    if (/\.ya?ml$/.test(name)) configuration.push({ path: `exceptions/${name}`, content: await readFile(path.join(workspace.exceptionsDir, name), "utf8") });
  }
  const written = await bundleRun({
    run: outcome.run,
    snapshot: outcome.snapshot,
    controls: workspace.controls.map((control) => ({ path: control.file, content: control.source })),
    configuration,
    runId: `run-${randomBytes(4).toString("hex")}`,
    key,
    newChain: flags.newChain,
    loaded: workspace.loaded,
    rootDir: workspace.rootDir,
    io,
  });
  io.stderr(`wrote evidence bundle ${written.name} (${written.digest}) to ${written.location}\n`);
}

function checkOutputFlags(flags: CheckFlags, formats: string[]): void {
  if (flags.bundle && flags.snapshot) {
    throw new Soc2Error("SOC2_USAGE", "--bundle cannot be combined with --snapshot", {
      hint: "A bundle records what soc2 collected itself; evaluating recorded output again is not new evidence.",
    });
  }
  const unknown = formats.filter((format) => !(format in reporters));
  if (unknown.length > 0) {
    throw new Soc2Error("SOC2_USAGE", `unknown format ${unknown.join(", ")}`, { hint: `Formats: ${Object.keys(reporters).join(", ")}.` });
  }
  if (flags.output && flags.outputDir) throw new Soc2Error("SOC2_USAGE", "--output and --output-dir cannot be combined");
  if (!flags.outputDir && formats.length > 1) {
    throw new Soc2Error("SOC2_USAGE", "several formats need --output-dir", { hint: "e.g. --format table,junit,json --output-dir reports/" });
  }
  if (flags.minEvaluated !== undefined && !(flags.minEvaluated >= 0 && flags.minEvaluated <= 1)) {
    throw new Soc2Error("SOC2_USAGE", "--min-evaluated must be a share between 0 and 1, e.g. 0.9");
  }
}

async function writeReports(run: Parameters<typeof renderAll>[0], formats: string[], flags: CheckFlags, context: ReportContext, io: CliIO): Promise<void> {
  const rendered = await renderAll(run, formats, context, flags);
  if (flags.outputDir) {
    const dir = path.resolve(io.cwd, flags.outputDir);
    await mkdir(dir, { recursive: true });
    for (const { format, extension, text } of rendered) {
      if (format === "table") io.stdout(text);
      else await writeAtomically(path.join(dir, `soc2.${extension}`), text);
    }
    return;
  }
  const [only] = rendered;
  if (flags.output) await writeAtomically(path.resolve(io.cwd, flags.output), only!.text);
  else io.stdout(only!.text);
}

async function renderAll(run: import("../engine/types.js").RunResult, formats: string[], context: ReportContext, flags: CheckFlags) {
  const rendered: Array<{ format: string; extension: string; text: string }> = [];
  for (const format of formats) {
    const reporter = await reporters[format]!();
    // Colour codes belong on a terminal only, never in a file.
    const toTerminal = format === "table" && !flags.output;
    rendered.push({ format, extension: reporter.extension, text: reporter.render(run, { ...context, color: context.color && toTerminal }) });
  }
  return rendered;
}

/**
 * The fields of a results file that the baseline comparison reads. Other fields pass through, so
 * results written by a later soc2 of the same format version still load.
 */
const statusSchema = z.enum(STATUSES as [Status, ...Status[]]);
const baselineSchema = z.object({
  controls: z.array(z.object({
    id: z.string(),
    status: statusSchema,
    findings: z.array(z.object({ resource: z.string(), status: statusSchema }).passthrough()),
  }).passthrough()),
}).passthrough();

/** Reads `--baseline`: results JSON written by `soc2 check --format json`, checked before any collecting starts. */
async function readBaseline(file: string, display: string): Promise<RunResult> {
  const hint = "Write the baseline with `soc2 check --format json --output FILE` on the base branch.";
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new Soc2Error("SOC2_INPUT_INVALID", `cannot read baseline ${display}: ${(error as Error).message}`, { hint });
  }

  const format = (value as { format?: unknown } | null)?.format;
  if (format !== RESULTS_FORMAT) {
    const found = format === undefined ? "it has no \"format\" field" : `its "format" is ${JSON.stringify(format)}`;
    throw new Soc2Error("SOC2_INPUT_INVALID", `baseline ${display} is not soc2 results JSON: ${found}, expected "${RESULTS_FORMAT}"`, { hint });
  }
  const result = baselineSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 20).map((issue) => ({ file: display, field: formatPath(issue.path) || undefined, message: issue.message }));
    throw new Soc2Error("SOC2_INPUT_INVALID", `baseline ${display} is not valid soc2 results JSON`, { problems, hint });
  }
  return value as RunResult;
}

/** Prints the regressions against the baseline on stderr and returns the exit code under `--baseline`. */
async function compareWithBaseline(run: RunResult, baseline: RunResult, flags: CheckFlags, io: CliIO): Promise<number> {
  const { baselineExitCode, compareToBaseline } = await import("../reports/baseline.js");
  const { atOrAbove } = await import("../engine/summary.js");
  const comparison = compareToBaseline(run, baseline);
  const controls = new Map(run.controls.map((control) => [control.id, control]));

  const count = comparison.regressions.length;
  io.stderr(count === 0 ? `no regressions against the baseline ${flags.baseline}\n` : `${count} regression${count === 1 ? "" : "s"} against the baseline ${flags.baseline}:\n`);
  for (const regression of comparison.regressions) {
    const control = controls.get(regression.control)!;
    const subject = regression.resource === undefined ? regression.control : `${regression.control} / ${regression.resource}`;
    const change = regression.resource === undefined ? `was ${regression.was}, now ${regression.now}` : `newly failing (was ${regression.was})`;
    let note = "";
    if (control.warnOnly) note = " (warn only: effective_from is still ahead)";
    else if (!atOrAbove(control.severity, flags.failOn)) note = ` (${control.severity}: below --fail-on ${flags.failOn})`;
    io.stderr(`  ${subject}: ${change}${note}\n`);
  }
  return baselineExitCode(run, comparison, flags.failOn);
}

/**
 * Earlier runs for the dashboard's trend, from the configured evidence store. A store that does
 * not exist gives no trend, and one that cannot be read gives a warning, never a failed check.
 */
async function readHistory(workspace: Workspace, io: CliIO): Promise<ReportContext["history"]> {
  const { openStore } = await import("../evidence/index.js");
  const { loadHistory } = await import("../reports/history.js");
  const store = openStore(workspace.loaded.config.evidence.store, workspace.loaded.baseDir, io.env);
  // NOTE: check has no public key for the store, so the trend checks each bundle's digests but
  // not its signature. It is a view for people, and `soc2 report --key` gives the verified view.
  try {
    return await loadHistory(store, null, { limit: HISTORY_BUNDLES, warn: (message) => io.stderr(`warning: ${message}\n`) });
  } catch (error) {
    if (!(error instanceof Soc2Error)) throw error;
    io.stderr(`warning: the dashboard has no trend because ${error.message}\n`);
    return undefined;
  }
}

/** Newest bundles read for the trend, so each dashboard reads a bounded amount from the store. */
const HISTORY_BUNDLES = 100;

/**
 * On GitHub Actions: annotations on stdout after the reports, and the Markdown summary appended
 * to the step summary file. The annotations are left out when stdout carries a report other than
 * the table, because they would end up inside that report when it is redirected to a file.
 */
async function writeGithubOutputs(run: RunResult, context: ReportContext, formats: string[], flags: CheckFlags, io: CliIO): Promise<void> {
  const { githubOutputs } = await import("../reports/github.js");
  const { annotations, summary } = githubOutputs(run, context, io.env);

  const reportOnStdout = !flags.output && !flags.outputDir && formats[0] !== "table";
  if (reportOnStdout) io.stderr(`GitHub annotations not written because stdout carries the ${formats[0]} report. Write the report with --output or --output-dir to get them.\n`);
  else io.stdout(annotations);

  const summaryFile = io.env.GITHUB_STEP_SUMMARY;
  if (!summaryFile) {
    io.stderr("GitHub step summary not written: GITHUB_STEP_SUMMARY is not set\n");
    return;
  }
  try {
    await appendFile(summaryFile, summary);
  } catch (error) {
    io.stderr(`warning: appending the GitHub step summary to ${summaryFile} failed: ${(error as Error).message}\n`);
  }
}

function applyGates(exitCode: number, evaluatedShare: number | null, flags: CheckFlags, io: CliIO): number {
  if (flags.minEvaluated !== undefined && exitCode === 0 && (evaluatedShare ?? 0) < flags.minEvaluated) {
    io.stderr(`evaluated share ${((evaluatedShare ?? 0) * 100).toFixed(1)}% is below --min-evaluated ${(flags.minEvaluated * 100).toFixed(1)}%\n`);
    return 3;
  }
  return exitCode;
}

/** Rejects an output folder that exists as something else before any work is done. */
async function checkOutputDir(dir: string, display: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (info && !info.isDirectory()) throw new Soc2Error("SOC2_USAGE", `--output-dir ${display} exists and is not a folder`);
}

/** Writes through a temporary file and a rename, so an interrupted run leaves no half-written file. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new Soc2Error("SOC2_USAGE", `cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
}
