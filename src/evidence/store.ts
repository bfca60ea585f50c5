import { randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config/schema.js";
import { Soc2Error } from "../errors.js";
import { HEAD_NAME, isBundleName, type ChainLink } from "./format.js";

/** The chain head as read from a store, with the store's version tag for a conditional update. */
export interface StoredHead extends ChainLink {
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
  writeHead(head: ChainLink, replacing: StoredHead | null | undefined): Promise<void>;
  /** Stores a bundle under a new name; an existing name is never overwritten. Returns its location. */
  putBundle(name: string, bytes: Uint8Array): Promise<string>;
  /** A bundle's bytes, or null when the store has no such bundle. */
  getBundle(name: string): Promise<Buffer | null>;
  /** Names of every bundle in the store, sorted. */
  listBundles(): Promise<string[]>;
}

export type StoreConfig = Config["evidence"]["store"];

/**
 * A chain head that exists but cannot be extended: corrupt, naming a missing or altered bundle, or
 * (for a signed head) not verifying. Only such a head may be replaced by a new chain.
 */
export class UnusableHeadError extends Soc2Error {
  constructor(message: string, hint: string) {
    super("SOC2_STORE_FAILED", message, { hint });
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

/** Parses a chain head document; returns a reason string when it is not one. */
export function parseHead(text: string): ChainLink | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "it is not valid JSON";
  }
  if (value === null || typeof value !== "object") return "it is not a JSON object";
  const { name, digest } = value as Record<string, unknown>;
  if (typeof name !== "string" || !isBundleName(name)) return "its name is not a bundle file name";
  if (typeof digest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(digest)) return "its digest is not sha256:<64 hex digits>";
  return { name, digest };
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

  async writeHead(head: ChainLink, replacing: StoredHead | null | undefined): Promise<void> {
    // NOTE: the compare and the rename are two steps, so two local runs at the same instant can
    // still both pass the check. The S3 store makes the same check atomic with If-Match.
    if (replacing !== undefined) {
      const current = await this.readHead();
      if ((current?.digest ?? null) !== (replacing?.digest ?? null)) {
        throw new Soc2Error("SOC2_STORE_FAILED", `chain head in ${this.dir} changed while this bundle was written`, {
          hint: "Another run extended the chain at the same time; soc2 evidence log shows the fork.",
        });
      }
    }
    const temp = await this.writeTemp(`${JSON.stringify({ name: head.name, digest: head.digest }, null, 2)}\n`);
    try {
      await rename(temp, path.join(this.dir, HEAD_NAME));
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw storeFailed(this.dir, `writing ${HEAD_NAME}`, error);
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
  async writeHead(head: ChainLink, replacing: StoredHead | null | undefined) {
    return (await this.store()).writeHead(head, replacing);
  }
  async putBundle(name: string, bytes: Uint8Array) {
    return (await this.store()).putBundle(name, bytes);
  }
  async getBundle(name: string) {
    return (await this.store()).getBundle(name);
  }
  async listBundles() {
    return (await this.store()).listBundles();
  }
}
