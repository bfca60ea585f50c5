// Evidence bundle figures: pack (build and sign) and `soc2 verify`, against sha256sum over the
// same bytes and against `gzip -dc BUNDLE | sha256sum`.
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { median } from "./startup.js";

export async function timeBundle(build, { workspace, snapshot, now, dir, repoRoot, buildDir, runs }) {
  const { check } = await build.load("src/engine/run.js");
  const evidence = await build.load("src/evidence/index.js");
  const { run } = await build.load("src/cli/main.js");

  const prefix = path.join(dir, "bench-signing");
  await evidence.writeKeyPair(prefix, "ed25519");
  const key = await evidence.loadSigningKey({ file: `${prefix}.key`, env: {} });
  const outcome = await check({ workspace, env: {}, now, failOn: "low", snapshot });
  const input = {
    run: outcome.run,
    snapshot,
    controls: workspace.controls.map((control) => ({ path: control.file, content: control.source })),
    policies: [],
    configuration: [],
    reportText: "Benchmark run.\n",
    metadata: {
      toolVersion: outcome.run.tool.version, controlsCommit: null, ranBy: "bench", identities: {}, accounts: [], regions: [],
      startedAt: outcome.run.startedAt, finishedAt: outcome.run.finishedAt, runId: "bench",
    },
  };

  const { buildBundle } = await build.load("src/evidence/write.js");
  const packTimes = [];
  let built;
  for (let index = 0; index < runs; index++) {
    const started = performance.now();
    built = await buildBundle(input, key, null);
    packTimes.push(performance.now() - started);
  }
  const file = path.join(dir, built.name);
  await writeFile(file, built.bytes);
  const unpacked = gunzipSync(built.bytes).length;

  // `soc2 verify` in-process: the command's own work without Node's start.
  const io = { stdout: () => {}, stderr: () => {}, env: {}, cwd: dir, isTTY: false, stderrIsTTY: false };
  const verifyTimes = [];
  for (let index = 0; index < runs; index++) {
    const started = performance.now();
    const code = await run(["verify", file, "--key", `${prefix}.pub`], io);
    verifyTimes.push(performance.now() - started);
    if (code !== 0) throw new Error(`soc2 verify exited with ${code}`);
  }
  // The same command as a user runs it, start-up included, from this tree's build (bin/soc2.js
  // runs dist/, which only `npm run build` updates).
  const launcher = `node ${JSON.stringify(path.join(repoRoot, "bench/launch-cli.js"))} ${JSON.stringify(buildDir)}`;
  const launched = timeShell(`${launcher} verify ${JSON.stringify(file)} --key ${JSON.stringify(`${prefix}.pub`)} >/dev/null`, runs);

  return {
    bytes: built.bytes.length,
    unpacked,
    packMs: median(packTimes),
    verifyMs: median(verifyTimes),
    verifyCliMs: launched,
    sha256sumMs: timeShell(`sha256sum ${JSON.stringify(file)} >/dev/null`, runs),
    gunzipSha256Ms: timeShell(`gzip -dc ${JSON.stringify(file)} | sha256sum >/dev/null`, runs),
  };
}

function timeShell(command, runs) {
  const times = [];
  for (let index = 0; index < runs; index++) {
    const started = performance.now();
    const child = spawnSync("sh", ["-c", command], { stdio: "ignore" });
    times.push(performance.now() - started);
    if (child.status !== 0) throw new Error(`${command} exited with ${child.status}`);
  }
  return median(times);
}
