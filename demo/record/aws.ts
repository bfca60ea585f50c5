/**
 * Records demo/recorded/aws.snapshot.json: the four AWS collectors run with the real SDK against
 * the loopback fake AWS, loaded with the demo estate of aws-estate.ts. Nothing here reaches AWS.
 *
 *   npx tsc -p tsconfig.json --outDir .tmp/record && node .tmp/record/demo/record/aws.js
 *
 * The clock is fixed and the estate holds no random values, so the recording is the same on
 * every run.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { source } from "../../src/collectors/aws/index.js";
import type { Snapshot } from "../../src/collectors/snapshot.js";
import { fakeAwsEnv, setSdkEnv, testContext } from "../../tests/collectors/aws/harness.js";
import { startFakeAws } from "../../tests/fakes/aws/server.js";
import { DEMO_ESTATE, DEMO_REGIONS, DEMO_SELECTORS } from "./aws-estate.js";

const NOW = new Date("2026-12-04T09:00:00.000Z");

async function main(): Promise<void> {
  const fake = await startFakeAws(DEMO_ESTATE, { rdsPageSize: 20 });
  const restore = setSdkEnv(fakeAwsEnv(fake));
  const config = source.config.parse({ regions: DEMO_REGIONS });
  const { ctx, closeShared } = testContext(config, DEMO_SELECTORS);
  ctx.now = NOW;
  try {
    const collectors: Snapshot["collectors"] = {};
    for (const collector of source.collectors) {
      const output = await collector.collect(ctx);
      collectors[collector.id] = { collector: collector.id, status: "ok", resources: output.resources, coverage: output.coverage };
    }
    const snapshot: Snapshot = { version: 1, takenAt: NOW.toISOString(), collectors };
    const target = repoPath("demo/recorded/aws.snapshot.json");
    await writeFile(target, `${JSON.stringify(snapshot, null, 2)}\n`);
    const counts = Object.entries(collectors).map(([id, record]) => `${id}: ${record.status === "ok" ? record.resources.length : record.status}`);
    process.stdout.write(`wrote ${counts.join(", ")} to ${target}\n`);
  } finally {
    await closeShared();
    restore();
    await fake.close();
  }
}

// Compiled as documented above, this file runs from .tmp/record/demo/record/, and the repository
// root is the part of the path before .tmp/record. Run from demo/record/, the root is two folders up.
function repoPath(file: string): string {
  const scriptDir = path.dirname(fileURLToPath(import.meta.url));
  const marker = `${path.sep}.tmp${path.sep}record${path.sep}`;
  const root = scriptDir.includes(marker) ? scriptDir.slice(0, scriptDir.indexOf(marker)) : path.resolve(scriptDir, "../..");
  return path.join(root, file);
}

await main();
