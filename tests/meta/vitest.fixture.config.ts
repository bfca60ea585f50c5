import { defineConfig } from "vitest/config";

// The project's global setup with a suite that fails, to prove its exit code reaches the shell.
export default defineConfig({
  test: {
    include: ["tests/meta/*.fixture.ts"],
    globalSetup: ["tests/global-setup.ts"],
    hookTimeout: 120_000,
  },
});
