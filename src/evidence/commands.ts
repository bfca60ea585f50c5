import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { CliIO } from "../cli/context.js";
import { loadConfig, type LoadedConfig } from "../config/load.js";
import type { Snapshot } from "../collectors/snapshot.js";
import type { RunResult } from "../engine/types.js";
import { Soc2Error } from "../errors.js";
import { isIntegrityProblem, inspectChain, type ChainReport } from "./chain.js";
import { loadPublicKey, loadSigningKey, writeKeyPair, type KeyType, type SigningKey } from "./keys.js";
import { openStore, type EvidenceStore, type StoreConfig } from "./store.js";
import { checkChainLink, readVerifiedBundle } from "./verify.js";
import { writeBundle, type SourceFile } from "./write.js";

/** Work behind `soc2 keygen`, `soc2 verify` and `soc2 evidence`; each returns the exit code. */

export async function keygenAction(options: { type: KeyType; out: string }, io: CliIO): Promise<number> {
  const prefix = path.resolve(io.cwd, options.out);
  const written = await writeKeyPair(prefix, options.type);
  io.stdout(`wrote ${written.privateFile} (private key, mode 0600: keep it secret, e.g. in a CI secret)\n`);
  io.stdout(`wrote ${written.publicFile} (public key: give it to auditors)\n`);
  io.stdout(`key id ${written.keyid}\n`);
  return 0;
}

export async function verifyAction(bundleFile: string, options: { key: string; previous?: string }, io: CliIO): Promise<number> {
  const publicKey = await loadPublicKey(path.resolve(io.cwd, options.key), { warn: (message) => io.stderr(`warning: ${message}\n`) });
  const bundle = await readVerifiedBundle(path.resolve(io.cwd, bundleFile), publicKey);
  let link = bundle.previous ? `follows ${bundle.previous.name} (${bundle.previous.digest})` : "first bundle of a chain";

  if (options.previous !== undefined) {
    const previousFile = path.resolve(io.cwd, options.previous);
    const previous = await readVerifiedBundle(previousFile, publicKey);
    try {
      checkChainLink(bundle, previous);
    } catch (error) {
      const { bundleInvalid } = await import("./verify.js");
      throw bundleInvalid(bundleFile, error);
    }
    link = `follows ${previous.name} (${previous.digest}): chain link verified`;
  }

  io.stdout(`bundle ${bundle.name} is valid\n`);
  io.stdout(`  digest     ${bundle.digest}\n`);
  io.stdout(`  signed by  key ${bundle.keyid}\n`);
  io.stdout(`  members    ${bundle.members.length}, every SHA-256 matches the signed statement\n`);
  io.stdout(`  run        ${bundle.metadata.runId}, ${bundle.metadata.startedAt} to ${bundle.metadata.finishedAt}\n`);
  io.stdout(`  chain      ${link}\n`);
  return 0;
}

/** Parses `--store`: `s3://bucket/prefix` or a local folder. */
export function parseStoreOption(value: string): StoreConfig {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(value);
  if (match) return { kind: "s3", bucket: match[1]!, prefix: match[2] ?? "" };
  return { kind: "local", path: value };
}

async function storeFromOptions(options: { store?: string; config?: string }, io: CliIO): Promise<EvidenceStore> {
  if (options.store !== undefined) return openStore(parseStoreOption(options.store), io.cwd, io.env);
  const loaded = await loadConfig(options.config, io.cwd);
  return openStore(loaded.config.evidence.store, loaded.baseDir, io.env);
}

export async function logAction(
  options: { store?: string; config?: string; key?: string; maxGapDays: number; now?: string; format: "text" | "json" },
  io: CliIO,
): Promise<number> {
  const now = options.now === undefined ? new Date() : new Date(options.now);
  if (Number.isNaN(now.getTime())) throw new Soc2Error("SOC2_USAGE", `--now ${JSON.stringify(options.now)} is not an ISO-8601 time`);
  const store = await storeFromOptions(options, io);
  const warn = (message: string) => io.stderr(`warning: ${message}\n`);
  const publicKey = options.key === undefined ? null : await loadPublicKey(path.resolve(io.cwd, options.key), { warn });
  const report = await inspectChain(store, { publicKey, maxGapDays: options.maxGapDays, now });

  if (options.format === "json") io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout(formatChain(report));

  if (report.problems.some(isIntegrityProblem)) return 2;
  return report.problems.length > 0 ? 1 : 0;
}

function formatChain(report: ChainReport): string {
  const lines = [`evidence store ${report.store}`];
  lines.push(report.head ? `head ${report.head.name} (${report.head.digest})` : "head: none");
  if (!report.signaturesChecked) lines.push("signatures not checked: pass --key PUB.pem to check them");
  lines.push("");
  report.chain.forEach((entry, index) => {
    const status = entry.invalid === null ? "ok" : `INVALID: ${entry.invalid}`;
    lines.push(`${String(index + 1).padStart(4)}  ${entry.name}  ${entry.digest.slice(0, 19)}…  ${entry.startedAt ?? "?"}  ${status}`);
  });
  for (const entry of report.unlinked) lines.push(`   -  ${entry.name}  ${entry.digest.slice(0, 19)}…  not on the chain`);
  lines.push("");
  if (report.newest) lines.push(`newest bundle started ${report.newest.startedAt}, ${report.newest.daysAgo.toFixed(1)} days ago`);
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  if (report.problems.length === 0) {
    lines.push(`${report.chain.length} bundle${report.chain.length === 1 ? "" : "s"}, chain intact`);
  } else {
    lines.push(`${report.problems.length} problem${report.problems.length === 1 ? "" : "s"}:`);
    for (const problem of report.problems) lines.push(`  ${problem.kind}: ${problem.message}`);
  }
  return `${lines.join("\n")}\n`;
}

export interface PackOptions {
  from: string;
  snapshot: string;
  report?: string;
  runId?: string;
  signingKey?: string;
  newChain?: boolean;
  store?: string;
  config?: string;
}

/** Packs a finished run (results JSON and snapshot JSON) into a signed bundle in the store. */
export async function packAction(options: PackOptions, io: CliIO): Promise<number> {
  const loaded = await loadConfig(options.config, io.cwd);
  const rootDir = loaded.baseDir;
  const { readSnapshotFile } = await import("../engine/snapshot-file.js");
  const snapshot = await readSnapshotFile(path.resolve(io.cwd, options.snapshot), options.snapshot);
  const run = await readRun(path.resolve(io.cwd, options.from), options.from);
  const controls = await readSources(rootDir, [...new Set(run.controls.map((control) => control.file))].sort());
  const reportText = options.report !== undefined ? await readFile(path.resolve(io.cwd, options.report), "utf8") : undefined;

  const written = await bundleRun({
    run,
    snapshot,
    controls,
    configuration: [],
    reportText,
    runId: options.runId,
    signingKey: options.signingKey,
    store: options.store,
    newChain: options.newChain,
    loaded,
    rootDir,
    io,
  });
  io.stdout(`wrote bundle ${written.name}\n  location ${written.location}\n  digest   ${written.digest}\n`);
  return 0;
}

export interface BundleRunOptions {
  run: RunResult;
  snapshot: Snapshot;
  controls: SourceFile[];
  configuration: SourceFile[];
  /** Human-readable report; the Markdown report of the run when absent. */
  reportText?: string;
  runId?: string;
  /** Private key file given on the command line; else the configuration's key file or env var. */
  signingKey?: string;
  /** The key already loaded, so a run can fail on a missing key before it collects anything. */
  key?: SigningKey;
  /** Store given on the command line (a folder or s3://bucket/prefix); else the configuration's. */
  store?: string;
  newChain?: boolean;
  loaded: LoadedConfig;
  /** Repository root that controls, policies and reports are shown relative to. */
  rootDir: string;
  io: CliIO;
}

/**
 * Loads the key that signs a run's bundle: the file given on the command line, else the
 * configuration's key file, else the environment variable it names (SOC2_SIGNING_KEY by default).
 */
export async function loadRunSigningKey(loaded: LoadedConfig, io: CliIO, signingKey?: string): Promise<SigningKey> {
  const evidence = loaded.config.evidence;
  let file: string | undefined;
  if (signingKey !== undefined) file = path.resolve(io.cwd, signingKey);
  else if (evidence.signing_key_file !== undefined) file = path.resolve(loaded.baseDir, evidence.signing_key_file);
  return loadSigningKey({ ...(file === undefined ? {} : { file }), envVar: evidence.signing_key_env, env: io.env });
}

/** Writes a signed bundle of one run to the evidence store: `check --bundle` and `evidence pack`. */
export async function bundleRun(options: BundleRunOptions): Promise<{ location: string; digest: string; name: string }> {
  const { loaded, io, run, rootDir } = options;
  const policiesDir = path.resolve(loaded.baseDir, loaded.config.policies);
  const policies = await readSources(rootDir, (await listMarkdown(policiesDir)).map((file) => path.relative(rootDir, file)));
  const reportText = options.reportText ?? await renderMarkdown(run, rootDir);
  const { reporter: html } = await import("../reports/html.js");
  const reportHtml = html.render(run, { color: false, rootDir });

  const evidence = loaded.config.evidence;
  const key = options.key ?? await loadRunSigningKey(loaded, io, options.signingKey);
  const store = options.store !== undefined ? openStore(parseStoreOption(options.store), io.cwd, io.env) : openStore(evidence.store, loaded.baseDir, io.env);

  return writeBundle(
    {
      run,
      snapshot: options.snapshot,
      controls: options.controls,
      policies,
      configuration: options.configuration,
      reportText,
      reportHtml,
      metadata: {
        toolVersion: run.tool.version,
        controlsCommit: await gitCommit(rootDir),
        ranBy: io.env.GITHUB_ACTOR ?? io.env.GITLAB_USER_LOGIN ?? io.env.USER ?? "unknown",
        identities: identitiesOf(run),
        accounts: uniqueScopes(run, 0),
        regions: uniqueScopes(run, 1),
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        runId: options.runId ?? defaultRunId(run),
      },
    },
    { store, key, newChain: options.newChain ?? false },
  );
}

/** Which identity each source was read as, from the coverage entries collectors record. */
function identitiesOf(run: RunResult): Record<string, string> {
  const identities: Record<string, string> = {};
  for (const entry of run.coverage) {
    if (entry.identity) identities[`${entry.source}:${entry.scope}`] = entry.identity;
  }
  return identities;
}

async function readRun(file: string, display: string): Promise<RunResult> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new Soc2Error("SOC2_INPUT_INVALID", `cannot read results ${display}: ${(error as Error).message}`);
  }
  const run = value as Partial<RunResult>;
  if (run?.tool?.name !== "soc2" || !Array.isArray(run.controls) || typeof run.startedAt !== "string" || typeof run.finishedAt !== "string" || !run.summary) {
    throw new Soc2Error("SOC2_INPUT_INVALID", `${display} is not soc2 results JSON (write it with soc2 check --format json)`);
  }
  return run as RunResult;
}

async function readSources(rootDir: string, relativePaths: string[]): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  for (const relative of relativePaths) {
    try {
      files.push({ path: relative, content: await readFile(path.resolve(rootDir, relative), "utf8") });
    } catch (error) {
      throw new Soc2Error("SOC2_INPUT_INVALID", `cannot read ${relative}, which the run evaluated: ${(error as Error).message}`);
    }
  }
  return files;
}

async function listMarkdown(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => entry.isFile() && entry.name.endsWith(".md")).map((entry) => path.join(dir, entry.name)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

async function renderMarkdown(run: RunResult, rootDir: string): Promise<string> {
  const { reporter } = await import("../reports/markdown.js");
  return reporter.render(run, { color: false, rootDir });
}

async function gitCommit(dir: string): Promise<string | null> {
  try {
    const { stdout } = await promisify(execFile)("git", ["rev-parse", "HEAD"], { cwd: dir });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/** Coverage scopes read like `123456789012/eu-west-1`: part 0 is the account, part 1 the region. */
function uniqueScopes(run: RunResult, part: 0 | 1): string[] {
  const values = run.coverage.filter((entry) => entry.source === "aws").map((entry) => entry.scope.split("/")[part]).filter((value): value is string => Boolean(value));
  return [...new Set(values)].sort();
}

function defaultRunId(run: RunResult): string {
  return `pack-${Date.parse(run.startedAt).toString(36)}`;
}
