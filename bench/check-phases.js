// Child process of the benchmark (skipped with `--skip phases`): the steps of `soc2 check --bundle -f json`
// one by one, with the heap and resident set sampled every 10 ms, to show which step needs the memory.
// Run with --expose-gc: after each step a full collection shows what the step left reachable.
// Prints one JSON line: for each step, its peak resident set and heap, and the heap kept after it.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [buildDir, configFile, signingKey, cwd] = process.argv.slice(2);
const load = (relative) => import(pathToFileURL(path.join(buildDir, relative)).href);
const { openWorkspace } = await load("src/engine/run.js");
const { collect } = await load("src/engine/collect.js");
const { evaluateControls } = await load("src/engine/evaluate.js");
const { createClassifier } = await load("src/config/classify.js");
const { summarize } = await load("src/engine/summary.js");
const { reporters } = await load("src/reports/index.js");
const { bundleRun } = await load("src/evidence/commands.js");

const steps = [];
let current = { name: "start", rss: 0, heap: 0 };
const sample = () => {
  const usage = process.memoryUsage();
  current.rss = Math.max(current.rss, usage.rss);
  current.heap = Math.max(current.heap, usage.heapUsed + usage.external + usage.arrayBuffers);
};
const timer = setInterval(sample, 10);

async function step(name, work) {
  current = { name, rss: 0, heap: 0 };
  const started = performance.now();
  const value = await work();
  sample();
  globalThis.gc();
  const usage = process.memoryUsage();
  steps.push({ ...current, ms: performance.now() - started, keptHeap: usage.heapUsed, keptRss: usage.rss });
  return value;
}

const io = { stdout: () => {}, stderr: () => {}, env: process.env, cwd, isTTY: false, stderrIsTTY: false };
const workspace = await step("open workspace", () => openWorkspace({ configFile, cwd }));
// BENCH_PHASES_SOURCES=clerk,aws keeps only the controls that read those sources.
const only = process.env.BENCH_PHASES_SOURCES?.split(",");
if (only) workspace.controls = workspace.controls.filter((control) => control.collector && only.includes(control.collector.id.split(".")[0]));
const key = await step("load signing key", async () => (await load("src/evidence/commands.js")).loadRunSigningKey(workspace.loaded, io, signingKey));
// The steps of engine/run.ts `check()`, less exceptions and the summary, which are small.
const now = new Date();
const snapshot = await step("collect", () => collect(workspace.controls, {
  registry: workspace.registry,
  sources: workspace.sources,
  env: process.env,
  now,
  classify: createClassifier(workspace.loaded.config.classification),
}));
const controls = await step("evaluate", () => evaluateControls(workspace.controls, snapshot, { now }));
const outcome = { snapshot, run: runResult(controls, snapshot, now) };
await step("render results.json", async () => (await reporters.json()).render(outcome.run, { color: false, rootDir: workspace.rootDir }).length);
// The bundle step's parts on their own: the HTML report it stores, and the packing alone.
await step("render report.html", async () => (await load("src/reports/html.js")).renderHtml(outcome.run, { color: false, rootDir: workspace.rootDir }).length);
await step("pack the bundle (buildBundle)", async () => {
  const { buildBundle } = await load("src/evidence/write.js");
  const metadata = { toolVersion: "0.1.0", controlsCommit: null, ranBy: "bench", identities: {}, accounts: [], regions: [], startedAt: outcome.run.startedAt, finishedAt: outcome.run.finishedAt, runId: "phases" };
  const input = { run: outcome.run, snapshot: outcome.snapshot, controls: [], policies: [], reportText: "Benchmark run.\n", metadata };
  return (await buildBundle(input, key, null)).bytes.length;
});
await step("build and store the bundle", async () => {
  const configuration = [{ path: "soc2.config.yaml", content: await readFile(configFile, "utf8") }];
  for (const name of await readdir(workspace.exceptionsDir).catch(() => [])) configuration.push({ path: `exceptions/${name}`, content: await readFile(path.join(workspace.exceptionsDir, name), "utf8") });
  return bundleRun({
    run: outcome.run,
    snapshot: outcome.snapshot,
    controls: workspace.controls.map((control) => ({ path: control.file, content: control.source })),
    configuration,
    runId: "run-phases",
    key,
    newChain: true,
    loaded: workspace.loaded,
    rootDir: workspace.rootDir,
    io,
  });
});
clearInterval(timer);

function runResult(results, recorded, clock) {
  const coverage = Object.values(recorded.collectors).flatMap((record) => record.coverage ?? []);
  return {
    tool: { name: "soc2", version: "0.1.0" },
    startedAt: clock.toISOString(),
    finishedAt: new Date().toISOString(),
    now: clock.toISOString(),
    controls: results,
    summary: summarize(results, "low"),
    coverage,
    warnings: [],
    exceptions: { active: [], expired: [] },
    due: [],
    keyMetrics: null,
  };
}
process.stdout.write(`${JSON.stringify(steps)}\n`);
