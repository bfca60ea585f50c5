import type { CliIO } from "../../src/cli/context.js";

/** An in-process CLI whose output is captured, for calling `run(argv, io)` in tests. */
export function captureIO(cwd: string, env: Record<string, string | undefined> = {}): CliIO & { out: () => string; err: () => string } {
  let stdout = "";
  let stderr = "";
  return {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env,
    cwd,
    isTTY: false,
    out: () => stdout,
    err: () => stderr,
  };
}
