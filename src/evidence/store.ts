import { randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Config } from "../config/schema.js";
import { Soc2Error } from "../errors.js";
import { HEAD_NAME, isBundleName } from "./format.js";
import { headDocument, parseHead, type ChainHead } from "./head.js";

/** The chain head as read from a store, with the store's version tag for a conditional update. */
export interface StoredHead extends ChainHead {
  version?: string;
}

/**
 * Storage for bundles and the chain head. Every method throws `Soc2Error("SOC2_STORE_FAILED")`
 * when the store cannot be read or written, so a caller never mistakes an unreachable store for an empty one.
 */
export interface EvidenceStore {
  /** Human-readable location: a folder path or `s3://bucket/prefix`. */
  describe(): string;
  /** The chain head, or null when the store has none yet; a corrupt head throws. */
  readHead(): Promise<StoredHead | null>;
  /**
   * Replaces the chain head. `replacing` is the head this write expects to find (null: none), so
   * two runs racing on one store cannot both extend the same bundle unseen. With `undefined` the
   * write is unconditional (a new chain).
   */
  writeHead(head: ChainHead, replacing: StoredHead | null | undefined): Promise<void>;
  /** Stores a bundle under a new name; an existing name is never overwritten. Returns its location. */
  putBundle(name: string, bytes: Uint8Array): Promise<string>;
  /**
   * Removes a bundle this run stored but could not link into the chain. A missing bundle is not an
   * error. On an S3 bucket with versioning (Object Lock implies it) this adds a delete marker, and
   * the bundle's version stays under its retention.
   */
  deleteBundle(name: string): Promise<void>;
  /** A bundle's bytes, or null when the store has no such bundle. */
  getBundle(name: string): Promise<Buffer | null>;
  /** Names of every bundle in the store, sorted. */
  listBundles(): Promise<string[]>;
}

export type StoreConfig = Config["evidence"]["store"];

/** Lock file beside HEAD.json in a local store, present while one run updates the head. */
const HEAD_LOCK_NAME = "HEAD.json.lock";
/** How long a run waits for another run's head update; an update takes milliseconds. */
const HEAD_LOCK_WAIT_MS = 5_000;

/**
 * A chain head that exists but cannot be extended: corrupt, naming a missing or altered bundle, or
 * not signed by the run's key. Only such a head may be replaced by a new chain.
 */
export class UnusableHeadError extends Soc2Error {
  constructor(message: string, hint: string) {
    super("SOC2_STORE_FAILED", message, { hint });
  }
}

/** The chain head was not the one a conditional head update expected: another run moved it. */
export class HeadChangedError extends Soc2Error {
  constructor(location: string) {
    super("SOC2_STORE_FAILED", `chain head in ${location} changed while this bundle was written`, {
      hint: "Another run extended the chain at the same time. Run again.",
    });
  }
}

/** A chain head that exists but cannot be parsed; `soc2 evidence log` reports it as a problem. */
export class CorruptHeadError extends UnusableHeadError {
  constructor(location: string, reason: string, hint: string) {
    super(`chain head ${location} is corrupt: ${reason}`, hint);
  }
}

/** Opens the configured evidence store; a local path is resolved against `baseDir`. */
export function openStore(config: StoreConfig, baseDir: string, env: Readonly<Record<string, string | undefined>>): EvidenceStore {
  if (config.kind === "local") return new LocalStore(path.resolve(baseDir, config.path));
  return new LazyS3Store(config, env);
}

export function storeFailed(store: string, action: string, error: unknown): Soc2Error {
  const code = (error as { name?: string; code?: string }).code ?? (error as { name?: string }).name ?? "Error";
  return new Soc2Error("SOC2_STORE_FAILED", `evidence store ${store}: ${action} failed (${code}: ${(error as Error).message})`, { cause: error });
}

/**
 * A folder of bundles plus HEAD.json. Writes go to a temporary file that is then linked (bundles:
 * fails if the name exists) or renamed (the head) into place, so an interrupted run leaves no
 * partial file under a bundle name.
 */
export class LocalStore implements EvidenceStore {
  constructor(readonly dir: string) {}

  describe(): string {
    return this.dir;
  }

  async readHead(): Promise<StoredHead | null> {
    const file = path.join(this.dir, HEAD_NAME);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw storeFailed(this.dir, `reading ${HEAD_NAME}`, error);
    }
    const head = parseHead(text);
    if (typeof head === "string") {
      throw new CorruptHeadError(file, head, "Restore HEAD.json from a backup, or pass --new-chain to start a new chain (soc2 evidence log shows the break).");
    }
    return head;
  }

  /**
   * Compares and replaces the head while holding HEAD.json.lock (created with O_EXCL), so runs on
   * one machine or one shared file system update it one at a time.
   */
  async writeHead(head: ChainHead, replacing: StoredHead | null | undefined): Promise<void> {
    const temp = await this.writeTemp(headDocument(head));
    const release = await this.lockHead().catch(async (error: unknown) => {
      await unlink(temp).catch(() => undefined);
      throw error;
    });
    try {
      if (replacing !== undefined) {
        const current = await this.readHead();
        if ((current?.digest ?? null) !== (replacing?.digest ?? null)) throw new HeadChangedError(this.dir);
      }
      await rename(temp, path.join(this.dir, HEAD_NAME));
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      if (error instanceof Soc2Error) throw error;
      throw storeFailed(this.dir, `writing ${HEAD_NAME}`, error);
    } finally {
      await release();
    }
  }

  /** Creates the head lock, waiting up to `HEAD_LOCK_WAIT_MS` for another run to release it. */
  private async lockHead(): Promise<() => Promise<void>> {
    const lock = path.join(this.dir, HEAD_LOCK_NAME);
    const deadline = Date.now() + HEAD_LOCK_WAIT_MS;
    for (;;) {
      try {
        await (await open(lock, "wx", 0o644)).close();
        return () => unlink(lock).catch(() => undefined);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw storeFailed(this.dir, `creating ${HEAD_LOCK_NAME}`, error);
      }
      if (Date.now() >= deadline) {
        throw new Soc2Error("SOC2_STORE_FAILED", `chain head in ${this.dir} is locked: ${HEAD_LOCK_NAME} still exists after ${HEAD_LOCK_WAIT_MS / 1000} s`, {
          hint: `Another run is updating the chain head. If no run is in progress (a run was killed mid-update), delete ${lock}.`,
        });
      }
      await sleep(10 + Math.random() * 40);
    }
  }

  async putBundle(name: string, bytes: Uint8Array): Promise<string> {
    const target = path.join(this.dir, name);
    const temp = await this.writeTemp(bytes);
    try {
      await link(temp, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw new Soc2Error("SOC2_STORE_FAILED", `bundle ${name} already exists in ${this.dir}`, {
          hint: "Each run needs its own run id; bundles are never overwritten.",
        });
      }
      throw storeFailed(this.dir, `storing ${name}`, error);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    return target;
  }

  async deleteBundle(name: string): Promise<void> {
    try {
      await unlink(path.join(this.dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw storeFailed(this.dir, `deleting ${name}`, error);
    }
  }

  async getBundle(name: string): Promise<Buffer | null> {
    try {
      return await readFile(path.join(this.dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw storeFailed(this.dir, `reading ${name}`, error);
    }
  }

  async listBundles(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw storeFailed(this.dir, "listing bundles", error);
    }
    return names.filter(isBundleName).sort();
  }

  /** Writes and fsyncs a hidden temporary file in the store folder (same file system as the target). */
  private async writeTemp(data: Uint8Array | string): Promise<string> {
    try {
      await mkdir(this.dir, { recursive: true });
      const temp = path.join(this.dir, `.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
      const handle = await open(temp, "wx", 0o644);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return temp;
    } catch (error) {
      throw storeFailed(this.dir, "writing a temporary file", error);
    }
  }
}

/** Defers loading the AWS SDK until the store is first used. */
class LazyS3Store implements EvidenceStore {
  private loaded: Promise<EvidenceStore> | undefined;

  constructor(
    private readonly config: Extract<StoreConfig, { kind: "s3" }>,
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  private store(): Promise<EvidenceStore> {
    this.loaded ??= import("./s3-store.js").then(({ S3Store }) => new S3Store(this.config, this.env));
    return this.loaded;
  }

  describe(): string {
    const prefix = this.config.prefix.replace(/^\/+|\/+$/g, "");
    return `s3://${this.config.bucket}${prefix ? `/${prefix}` : ""}`;
  }

  async readHead() {
    return (await this.store()).readHead();
  }
  async writeHead(head: ChainHead, replacing: StoredHead | null | undefined) {
    return (await this.store()).writeHead(head, replacing);
  }
  async putBundle(name: string, bytes: Uint8Array) {
    return (await this.store()).putBundle(name, bytes);
  }
  async deleteBundle(name: string) {
    return (await this.store()).deleteBundle(name);
  }
  async getBundle(name: string) {
    return (await this.store()).getBundle(name);
  }
  async listBundles() {
    return (await this.store()).listBundles();
  }
}
