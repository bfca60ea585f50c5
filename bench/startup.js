// Start-up time: `soc2 --help` through the real launcher against a bare `node -e 0`.
import { spawnSync } from "node:child_process";

/** Median wall time of `runs` runs of `node ...args`, in milliseconds. */
export function medianStart(args, runs, cwd) {
  const times = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const child = spawnSync(process.execPath, args, { cwd, stdio: "ignore", env: { ...process.env, NODE_OPTIONS: "" } });
    times.push(performance.now() - started);
    if (child.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${child.status}`);
  }
  return median(times);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
