#!/usr/bin/env node
// `npm run bench`: reads a large synthetic estate from loopback fakes with the real collectors and
// runner, then prints collection, engine, bundle and start-up figures. It prints figures and
// checks no target itself; docs/benchmarks.md records a run and reads it against the targets.
import { fork, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { comparableResources, minimumAwsCalls, runCollection, tallyAwsCalls, tallyClerkCalls } from "./collection.js";
import { compareWithRawCel, timeEvaluation } from "./engine.js";
import { awsEstate, REGIONS, scaledSizes } from "./estate.js";
import { timeBundle } from "./bundle.js";
import { startBenchPostgres } from "./postgres.js";
import { medianStart } from "./startup.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BUILD_DIR = path.join(REPO, ".tmp/bench-build");
const CLERK_SECRET = "sk_test_bench_only";

const USAGE = `usage: npm run bench -- [options]
  --latency MS        pause of the fake servers before every answer (default 20)
  --throttle SHARE    share of calls answered with a throttling error in the second run (default 0.05)
  --scale FRACTION    size of the estate against the full one (default 1; 0.1 for a quick run)
  --concurrency N     sources.aws.concurrency (default 16)
  --clerk-concurrency N  sources.clerk.concurrency: user pages read at once (default 4, the collector's own)
  --skip PARTS        comma-separated: postgres, clerk, check, phases, throttled, engine, bundle, startup
  --evaluations N     resource-assertion evaluations of the engine comparison (default 1000000)
  --runs N            repetitions of the bundle and start-up timings, median shown (default 5 and 20)
  --no-build          use the previous build in .tmp/bench-build`;

const options = parseOptions(process.argv.slice(2));
const memory = startMemorySampler();
const build = compile(options.build);

const sizes = scaledSizes(options.scale);
const estate = awsEstate(sizes);
print(`soc2 benchmark: scale ${options.scale}, latency ${options.latency} ms, concurrency ${options.concurrency} (Clerk ${options.clerkConcurrency}), throttled run at ${options.throttle * 100}%`);
print(`estate: ${sizes.buckets} buckets in ${REGIONS.length} regions, ${sizes.instances} DB instances, ${sizes.clusters} Aurora clusters, ${sizes.trails} trails, ${skip("clerk") ? 0 : sizes.clerkUsers} Clerk users, ${skip("postgres") ? 0 : sizes.tables} tables`);
print(machine());

const dir = await mkdtemp(path.join(os.tmpdir(), "soc2-bench-"));
const fakes = await startFakes();
const postgres = skip("postgres") ? undefined : await startBenchPostgres(REPO, sizes.tables);
try {
  const configFile = await writeConfig(dir, fakes, postgres);
  // The SDK reads credentials and endpoints from process.env itself, not from the run's env.
  const env = benchEnv(fakes, postgres);
  Object.assign(process.env, env);
  const now = new Date();

  // 1. Collection without throttling.
  const clean = await collectOnce(configFile, env, now, 0);
  printCollection("collection", clean);

  // The same run as one `soc2 check --bundle` process of the shipped CLI: its own peak memory.
  if (!skip("check")) {
    const checked = await checkProcess(configFile, dir);
    print(`\nsoc2 check --bundle as its own process (src/cli/main.ts): exit ${checked.code}, ${ms(checked.wallMs)}, peak memory (VmHWM) ${checked.hwm === null ? "n/a" : mb(checked.hwm)} (target < 512 MB)`);
  }
  if (!skip("phases")) printPhases(await checkPhases(configFile, dir));

  // 2. The same with throttled answers: results must not change.
  let throttled;
  if (!skip("throttled") && options.throttle > 0) {
    throttled = await collectOnce(configFile, env, now, options.throttle);
    printCollection(`collection with ${options.throttle * 100}% throttled answers`, throttled);
    // Only the throttled sources count: postgres.connections lists the live sessions, which differ per run.
    const before = comparableResources(clean.snapshot);
    const after = comparableResources(throttled.snapshot);
    const differing = Object.keys(before).filter((key) => /^(aws|clerk)\./.test(key) && before[key] !== after[key]);
    const errors = Object.values(throttled.snapshot.collectors).filter((record) => record.status === "error").map((record) => `${record.collector}: ${record.error.code}`);
    print(`  results identical to the first run: ${differing.length === 0 ? "yes" : `no (${differing.join(", ")})`}; collector errors: ${errors.length === 0 ? "none" : errors.join(", ")}`);
  }

  // 3. Engine.
  const workspace = await openWorkspace(configFile);
  if (!skip("engine")) {
    const evaluation = await timeEvaluation(build, workspace.controls, clean.snapshot, now);
    const resources = Object.values(clean.snapshot.collectors).reduce((sum, record) => sum + (record.resources?.length ?? 0), 0);
    print(`\nengine: all ${workspace.controls.length} controls over ${resources} resources in ${ms(evaluation.ms)}`);
    const statuses = {};
    for (const result of evaluation.results) statuses[result.status] = (statuses[result.status] ?? 0) + 1;
    print(`  statuses: ${Object.entries(statuses).map(([status, count]) => `${status} ${count}`).join(", ")}`);
    const cel = await compareWithRawCel(build, workspace.controls, clean.snapshot, now, options.evaluations);
    printEngineComparison(cel);
  }

  // 4. Bundle.
  if (!skip("bundle")) {
    const bundle = await timeBundle(build, { workspace, snapshot: clean.snapshot, now, dir, repoRoot: REPO, buildDir: BUILD_DIR, runs: options.bundleRuns });
    printBundle(bundle);
  }

  // 5. Start-up.
  if (!skip("startup")) {
    const help = medianStart([path.join(REPO, "bin/soc2.js"), "--help"], options.startRuns, REPO);
    const bare = medianStart(["-e", "0"], options.startRuns, REPO);
    print(`\nstart-up (median of ${options.startRuns}): soc2 --help ${ms(help)}, node -e 0 ${ms(bare)}, ratio ${(help / bare).toFixed(2)}x (target <= 1.5x)`);
  }

  const peak = memory.stop();
  print(`\npeak memory of the benchmark process itself (two snapshots, the engine comparison, bundles; fakes run apart): rss high-water ${mb(peak.sampled)} sampled, VmHWM ${peak.hwm === undefined ? "n/a" : mb(peak.hwm)} (target < 512 MB)`);
} finally {
  memory.stop();
  fakes.child.send({ type: "stop" });
  await postgres?.stop();
  await rm(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------

async function collectOnce(configFile, env, now, throttleRate) {
  await fakes.request({ type: "configure", throttleRate }, "configured");
  await fakes.request({ type: "reset" }, "reset");
  const workspace = await openWorkspace(configFile);
  const result = await runCollection(build, workspace, env, now);
  const stats = await fakes.request({ type: "stats" }, "stats");
  const minimum = minimumAwsCalls(estate, REGIONS, false);
  return {
    ...result,
    aws: tallyAwsCalls(stats.aws, minimum, workspace.controls),
    awsMaxInFlight: stats.awsMaxInFlight,
    clerk: skip("clerk") ? [] : tallyClerkCalls(stats.clerk, sizes.clerkUsers),
  };
}

/** Runs `soc2 check --bundle` in a child process against the same fakes, without throttling. */
async function checkProcess(configFile, folder) {
  await fakes.request({ type: "configure", throttleRate: 0 }, "configured");
  const evidence = await build.load("src/evidence/index.js");
  const prefix = path.join(folder, "check-signing");
  await evidence.writeKeyPair(prefix, "ed25519");
  const child = spawnSync(process.execPath, [
    ...childFlags(), path.join(REPO, "bench/check-process.js"), BUILD_DIR,
    "check", "-c", configFile, "--bundle", "--signing-key", `${prefix}.key`, "--new-chain", "-f", "json", "-o", path.join(folder, "results.json"),
  ], { cwd: folder, env: process.env, encoding: "utf8" });
  if (child.status !== 0) throw new Error(`the soc2 check process failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop());
}

/** The steps of the same check one by one in a child process, with the memory each step needs. */
async function checkPhases(configFile, folder) {
  await fakes.request({ type: "configure", throttleRate: 0 }, "configured");
  const evidence = await build.load("src/evidence/index.js");
  const prefix = path.join(folder, "phases-signing");
  await evidence.writeKeyPair(prefix, "ed25519");
  // A store of its own, so the chain of the check process above is not continued.
  const config = path.join(folder, "soc2.phases.yaml");
  await writeFile(config, readFileSync(configFile, "utf8").replace("store: { kind: local, path: bundles }", "store: { kind: local, path: bundles-phases }"));
  const child = spawnSync(process.execPath, [...childFlags(), "--expose-gc", path.join(REPO, "bench/check-phases.js"), BUILD_DIR, config, `${prefix}.key`, folder], { cwd: folder, env: process.env, encoding: "utf8" });
  if (child.status !== 0) throw new Error(`the phases process failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop());
}

/** Node flags for the check processes from BENCH_CHECK_NODE_OPTIONS, e.g. "--max-old-space-size=256". */
function childFlags() {
  return (process.env.BENCH_CHECK_NODE_OPTIONS ?? "").split(/\s+/).filter(Boolean);
}

function printPhases(steps) {
  print(`\nthe same check step by step (bench/check-phases.js; peak = highest sample during the step, kept = heap after it and a full GC):`);
  print(`  ${"step".padEnd(28)} ${"time".padStart(10)} ${"peak rss".padStart(10)} ${"peak heap".padStart(10)} ${"kept heap".padStart(10)}`);
  for (const step of steps) {
    print(`  ${step.name.padEnd(28)} ${ms(step.ms).padStart(10)} ${mb(step.rss).padStart(10)} ${mb(step.heap).padStart(10)} ${mb(step.keptHeap).padStart(10)}`);
  }
}

function printCollection(title, run) {
  print(`\n${title}: ${ms(run.totalMs)} in total`);
  const awsIds = Object.keys(run.timings).filter((id) => id.startsWith("aws.")).sort();
  for (const id of Object.keys(run.timings).sort()) {
    const record = run.snapshot.collectors[id] ?? Object.values(run.snapshot.collectors).find((candidate) => candidate.collector === id);
    const count = record?.status === "ok" ? `${record.resources.length} resources` : `${record?.status}: ${record?.error?.code ?? record?.reason ?? ""}`;
    print(`  ${id.padEnd(28)} ${ms(run.timings[id]).padStart(10)}  ${count}`);
  }

  print(`  AWS calls per operation (sent = every attempt; ok = answered; minimum = fewest for the estate):`);
  print(`    ${"operation".padEnd(34)} ${"sent".padStart(6)} ${"throttled".padStart(9)} ${"ok".padStart(6)} ${"minimum".padStart(7)} ${"extra".padStart(6)}  controls read it`);
  let ok = 0;
  let sent = 0;
  let minimum = 0;
  let neededMinimum = 0;
  for (const row of run.aws) {
    ok += row.ok;
    sent += row.sent;
    minimum += row.minimum ?? 0;
    if (row.needed) neededMinimum += row.minimum ?? 0;
    const extra = row.minimum === null ? "?" : String(row.ok - row.minimum);
    print(`    ${row.operation.padEnd(34)} ${String(row.sent).padStart(6)} ${String(row.throttled).padStart(9)} ${String(row.ok).padStart(6)} ${String(row.minimum ?? "?").padStart(7)} ${extra.padStart(6)}  ${row.needed ? "yes" : "no"}`);
  }
  const ideal = (minimum * options.latency) / options.concurrency;
  const awsWall = Math.max(...awsIds.map((id) => run.timings[id]));
  print(`    total: ${sent} sent, ${ok} ok, minimum ${minimum} (${neededMinimum} of them read by the shipped controls); most in flight at the fake: ${run.awsMaxInFlight}`);
  print(`  AWS: wall ${ms(awsWall)}, ideal ${ms(ideal)} (minimum calls x ${options.latency} ms / ${options.concurrency}), ratio ${(awsWall / ideal).toFixed(2)}x`);
  for (const row of run.clerk) print(`    ${row.operation.padEnd(40)} sent ${row.sent}, minimum ${row.minimum}`);
  if (run.clerk.length > 0) {
    const clerkMinimum = run.clerk.reduce((sum, row) => sum + row.minimum, 0);
    // The count and the memberships are one request each, one after the other; then the pages, concurrently.
    const clerkPages = run.clerk.find((row) => row.operation === "clerk GET /v1/users").minimum;
    const clerkIdeal = (clerkMinimum - clerkPages) * options.latency + (clerkPages * options.latency) / options.clerkConcurrency;
    const clerkWall = run.timings["clerk.users"];
    print(`  Clerk: wall ${ms(clerkWall)}, ideal ${ms(clerkIdeal)} (count and memberships, then pages x ${options.latency} ms / ${options.clerkConcurrency}), ratio ${(clerkWall / clerkIdeal).toFixed(2)}x; serial ideal (one request at a time) ${ms(clerkMinimum * options.latency)}`);
  }
}

function printEngineComparison(cel) {
  const perRaw = (cel.rawMs * 1e6) / cel.evaluations;
  const converting = cel.convertMs * cel.passes;
  print(`  ${cel.evaluations} resource-assertion evaluations, where clauses included (${cel.passes} passes over the snapshot):`);
  print(`    bare CEL programs, pre-converted bindings  ${ms(cel.rawMs).padStart(10)}  ${(perRaw / 1000).toFixed(2)} us per assertion`);
  print(`    engine's compiled expressions (+ guards)   ${ms(cel.compiledMs).padStart(10)}  ${(cel.compiledMs / cel.rawMs).toFixed(2)}x`);
  print(`    whole engine (evaluateControls)            ${ms(cel.engineMs).padStart(10)}  ${(cel.engineMs / cel.rawMs).toFixed(2)}x (target <= 1.3x)`);
  for (const control of cel.slowest) {
    print(`    bare CEL time of ${control.id}: ${ms(control.ms)} over ${control.selected} selected resources${control.setLevel ? ", with a set-level assertion evaluated once" : ""}`);
  }
  print(`    engine time beyond bare CEL: guards ${ms(cel.compiledMs - cel.rawMs)}, toCelValue ${ms(converting)} (${ms(cel.convertMs)} a pass), findings and summaries ${ms(cel.engineMs - cel.compiledMs - converting)}`);
}

function printBundle(bundle) {
  const rate = (bytes, time) => `${((bytes / 1e6) / (time / 1000)).toFixed(0)} MB/s`;
  print(`\nevidence bundle: ${mb(bundle.bytes)} compressed, ${mb(bundle.unpacked)} unpacked (median of ${options.bundleRuns})`);
  print(`  pack (build and sign)          ${ms(bundle.packMs).padStart(10)}  ${rate(bundle.unpacked, bundle.packMs)} of unpacked data`);
  print(`  soc2 verify, in-process        ${ms(bundle.verifyMs).padStart(10)}  ${rate(bundle.unpacked, bundle.verifyMs)}`);
  print(`  soc2 verify, launched          ${ms(bundle.verifyCliMs).padStart(10)}  ${rate(bundle.unpacked, bundle.verifyCliMs)}`);
  print(`  sha256sum BUNDLE               ${ms(bundle.sha256sumMs).padStart(10)}  ${rate(bundle.bytes, bundle.sha256sumMs)} of compressed data`);
  print(`  gzip -dc BUNDLE | sha256sum    ${ms(bundle.gunzipSha256Ms).padStart(10)}  ${rate(bundle.unpacked, bundle.gunzipSha256Ms)}`);
  print(`  verify speed against gzip -dc | sha256sum: in-process ${(bundle.gunzipSha256Ms / bundle.verifyMs).toFixed(2)}x, launched ${(bundle.gunzipSha256Ms / bundle.verifyCliMs).toFixed(2)}x (target >= 0.8x)`);
}

async function openWorkspace(configFile) {
  const { openWorkspace } = await build.load("src/engine/run.js");
  return openWorkspace({ configFile, cwd: dir });
}

async function writeConfig(folder, servers, database) {
  const sources = [
    "  aws:",
    `    regions: [${REGIONS.join(", ")}]`,
    `    concurrency: ${options.concurrency}`,
  ];
  if (!skip("clerk")) sources.push("  clerk:", "    secret_key_env: BENCH_CLERK_SECRET_KEY", `    api_url: ${servers.clerkUrl}`, "    role_path: publicMetadata.role", `    concurrency: ${options.clerkConcurrency}`);
  if (database) sources.push("  postgres:", "    url_env: BENCH_DATABASE_URL");
  await mkdir(path.join(folder, "exceptions"), { recursive: true });
  const file = path.join(folder, "soc2.config.yaml");
  await writeFile(file, [
    "version: 1",
    "organization: Benchmark",
    "scope: [security, availability, processing-integrity, confidentiality, privacy]",
    `controls: ${path.join(REPO, "controls")}`,
    `policies: ${path.join(REPO, "policies")}`,
    "exceptions: exceptions",
    "evidence:",
    `  attestations: ${path.join(REPO, "evidence/attestations")}`,
    "  store: { kind: local, path: bundles }",
    "sources:",
    ...sources,
    "classification:",
    "  - { class: highly-confidential, match: { kind: table, schema: public, name: \"t_0*0\" } }",
    "  - { class: confidential, match: { kind: table, schema: public } }",
    "  - { class: production, match: { kind: db-instance, tags: { env: production } } }",
    "  - { class: confidential, match: { kind: bucket, tags: { data: confidential } } }",
    "  - { class: backup, match: { kind: bucket, tags: { data: backup } } }",
    "  - { class: evidence, match: { kind: bucket, tags: { data: evidence } } }",
    "",
  ].join("\n"));
  return file;
}

function benchEnv(servers, database) {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: "AKIABENCHBENCHBENCH0",
    AWS_SECRET_ACCESS_KEY: "bench-secret-access-key",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/nonexistent/soc2-bench/config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/soc2-bench/credentials",
    AWS_ENDPOINT_URL: servers.awsUrl,
    AWS_ENDPOINT_URL_S3_CONTROL: servers.awsControlUrl,
    BENCH_CLERK_SECRET_KEY: CLERK_SECRET,
    ...(database ? { BENCH_DATABASE_URL: database.url } : {}),
  };
}

/** The fake servers in a child process, driven over IPC (see fake-servers.js). */
async function startFakes() {
  const child = fork(path.join(REPO, "bench/fake-servers.js"), [BUILD_DIR, String(options.latency), "0", String(options.scale), CLERK_SECRET], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiters = new Map();
  child.on("message", (message) => {
    const resolve = waiters.get(message.type);
    waiters.delete(message.type);
    resolve?.(message);
  });
  child.on("exit", (code) => {
    if (code !== 0 && code !== null) {
      process.stderr.write(`fake servers exited with ${code}\n`);
      process.exit(1);
    }
  });
  const wait = (type) => new Promise((resolve) => waiters.set(type, resolve));
  const ready = await wait("ready");
  return {
    ...ready,
    child,
    request(message, reply) {
      const answered = wait(reply);
      child.send(message);
      return answered;
    },
  };
}

/** Compiles sources, fakes and tests into .tmp/bench-build; errors in files under work elsewhere do not stop it. */
function compile(enabled) {
  if (enabled) {
    const started = performance.now();
    const result = spawnSync("npx", ["tsc", "-p", "tsconfig.json", "--outDir", BUILD_DIR], { cwd: REPO, encoding: "utf8" });
    if (result.status !== 0) process.stderr.write(`tsc reported errors (the build is used anyway):\n${result.stdout.split("\n").slice(0, 10).join("\n")}\n`);
    print(`compiled into ${path.relative(REPO, BUILD_DIR)} in ${ms(performance.now() - started)}`);
    if (spawnSync("node", ["-e", "import('./dist/cli/main.js')"], { cwd: REPO }).status !== 0) {
      print("dist/ is missing or broken; running npm run build for the launcher");
      spawnSync("npm", ["run", "build"], { cwd: REPO, stdio: "inherit" });
    }
  }
  return { load: (relative) => import(pathToFileURL(path.join(BUILD_DIR, relative)).href) };
}

function startMemorySampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      let hwm;
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
        if (match) hwm = Number(match[1]) * 1024;
      } catch {
        // Not Linux: the sampled figure stands alone.
      }
      return { sampled: peak, hwm };
    },
  };
}

function machine() {
  let cpu = "unknown CPU";
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpu;
  } catch {
    // Not Linux.
  }
  return `machine: ${os.availableParallelism()} cores, ${cpu}, ${mb(os.totalmem())} memory, Node ${process.version}`;
}

function parseOptions(argv) {
  const parsed = { latency: 20, throttle: 0.05, scale: 1, concurrency: 16, clerkConcurrency: 4, skip: new Set(), evaluations: 1_000_000, bundleRuns: 5, startRuns: 20, build: true };
  for (let index = 0; index < argv.length; index++) {
    const name = argv[index];
    const value = () => {
      const next = argv[++index];
      if (next === undefined) fail(`${name} needs a value`);
      return next;
    };
    const number = (min, max) => {
      const raw = value();
      const parsedNumber = Number(raw);
      if (!Number.isFinite(parsedNumber) || parsedNumber < min || parsedNumber > max) fail(`${name} ${raw} is invalid: expected a number from ${min} to ${max}`);
      return parsedNumber;
    };
    switch (name) {
      case "--latency": parsed.latency = number(0, 10_000); break;
      case "--throttle": parsed.throttle = number(0, 0.5); break;
      case "--scale": parsed.scale = number(0.0001, 4); break;
      case "--concurrency": parsed.concurrency = Math.round(number(1, 256)); break;
      case "--clerk-concurrency": parsed.clerkConcurrency = Math.round(number(1, 16)); break;
      case "--evaluations": parsed.evaluations = Math.round(number(1, 1e9)); break;
      case "--runs": parsed.bundleRuns = parsed.startRuns = Math.round(number(1, 1000)); break;
      case "--skip": for (const part of value().split(",")) parsed.skip.add(part.trim()); break;
      case "--no-build": parsed.build = false; break;
      case "--help": case "-h": print(USAGE); process.exit(0); break;
      default: fail(`unknown option ${name}`);
    }
  }
  return parsed;
}

function skip(part) {
  return options.skip.has(part);
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function print(line) {
  process.stdout.write(`${line}\n`);
}

function ms(value) {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(value < 10 ? 2 : 0)} ms`;
}

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
