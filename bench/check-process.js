// Child process of the benchmark: one real `soc2 check --bundle` through the CLI's entry point
// (src/cli/main.ts as compiled into the benchmark's build, so it is the sources of this tree),
// so its peak memory is a run's own, without the benchmark's bookkeeping.
// Prints one JSON line: exit code, wall time and the kernel's resident-set high-water mark.
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [buildDir, ...argv] = process.argv.slice(2);
const { run } = await import(pathToFileURL(path.join(buildDir, "src/cli/main.js")).href);
const quiet = { stdout: () => {}, stderr: () => {}, env: process.env, cwd: process.cwd(), isTTY: false, stderrIsTTY: false };

const started = performance.now();
const code = await run(argv, quiet);
const wallMs = performance.now() - started;
const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
process.stdout.write(`${JSON.stringify({ code, wallMs, hwm: match ? Number(match[1]) * 1024 : null })}\n`);
