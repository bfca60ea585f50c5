import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ObjectLockRetentionMode,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { Soc2Error } from "../errors.js";
import { HEAD_NAME, isBundleName } from "./format.js";
import { headDocument, parseHead, type ChainHead } from "./head.js";
import { CorruptHeadError, HeadChangedError, storeFailed, type EvidenceStore, type StoreConfig, type StoredHead } from "./store.js";

type S3Config = Extract<StoreConfig, { kind: "s3" }>;

interface LockSettings {
  mode: ObjectLockRetentionMode;
  retainDays: number;
}

/**
 * Bundles as objects under `prefix` in one bucket, HEAD.json beside them. Every bundle is written
 * with If-None-Match (never overwritten) and a SHA-256 checksum that S3 checks on receipt. When the
 * bucket has Object Lock and `retention_days` is set, it also gets an explicit retention.
 */
export class S3Store implements EvidenceStore {
  private readonly client: S3Client;
  private readonly prefix: string;
  private lock: Promise<LockSettings | null> | undefined;

  constructor(
    private readonly config: S3Config,
    env: Readonly<Record<string, string | undefined>>,
  ) {
    // The endpoint variables are the SDK's own names; they point tests at a loopback server.
    const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    this.client = new S3Client({
      region: config.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      ...(accessKeyId && secretAccessKey
        ? { credentials: { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
        : {}),
      maxAttempts: 3,
    });
    const trimmed = config.prefix.replace(/^\/+|\/+$/g, "");
    this.prefix = trimmed ? `${trimmed}/` : "";
  }

  describe(): string {
    return `s3://${this.config.bucket}/${this.prefix}`.replace(/\/$/, "");
  }

  async readHead(): Promise<StoredHead | null> {
    const object = await this.get(HEAD_NAME);
    if (object === null) return null;
    const head = parseHead(object.body.toString("utf8"));
    if (typeof head === "string") {
      throw new CorruptHeadError(`${this.describe()}/${HEAD_NAME}`, head, "Restore HEAD.json from a previous object version, or pass --new-chain to start a new chain.");
    }
    return object.etag === undefined ? head : { ...head, version: object.etag };
  }

  async writeHead(head: ChainHead, replacing: StoredHead | null | undefined): Promise<void> {
    const body = Buffer.from(headDocument(head));
    const condition =
      replacing === undefined ? {} : replacing === null ? { IfNoneMatch: "*" } : replacing.version ? { IfMatch: replacing.version } : {};
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.config.bucket,
          Key: this.prefix + HEAD_NAME,
          Body: body,
          ContentType: "application/json",
          ChecksumSHA256: sha256Base64(body),
          ...condition,
        }),
      );
    } catch (error) {
      // S3 answers 412 when the condition fails and 409 ConditionalRequestConflict when another
      // conditional write of the same key is in progress; either way another run moved the head.
      const name = errorName(error);
      if (name === "PreconditionFailed" || name === "ConditionalRequestConflict") throw new HeadChangedError(this.describe());
      throw storeFailed(this.describe(), `writing ${HEAD_NAME}`, error);
    }
  }

  async putBundle(name: string, bytes: Uint8Array): Promise<string> {
    const lock = await this.lockSettings();
    const retention = lock
      ? { ObjectLockMode: lock.mode, ObjectLockRetainUntilDate: new Date(Date.now() + lock.retainDays * 86_400_000) }
      : {};
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.config.bucket,
          Key: this.prefix + name,
          Body: bytes,
          ContentType: "application/gzip",
          ChecksumSHA256: sha256Base64(bytes),
          IfNoneMatch: "*",
          ...retention,
        }),
      );
    } catch (error) {
      if (errorName(error) === "PreconditionFailed") {
        throw new Soc2Error("SOC2_STORE_FAILED", `bundle ${name} already exists in ${this.describe()}`, {
          hint: "Each run needs its own run id; bundles are never overwritten.",
        });
      }
      throw storeFailed(this.describe(), `storing ${name}`, error);
    }
    return `s3://${this.config.bucket}/${this.prefix}${name}`;
  }

  async deleteBundle(name: string): Promise<void> {
    // NOTE: a retry then stores the rebuilt bundle under the same key with If-None-Match. That S3
    // accepts it over a delete marker is untested here, because the loopback fake keeps no versions.
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.prefix + name }));
    } catch (error) {
      throw storeFailed(this.describe(), `deleting ${name}`, error);
    }
  }

  async getBundle(name: string): Promise<Buffer | null> {
    return (await this.get(name))?.body ?? null;
  }

  async listBundles(): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: this.prefix, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) {
          const name = object.Key?.slice(this.prefix.length) ?? "";
          if (isBundleName(name)) names.push(name);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw storeFailed(this.describe(), "listing bundles", error);
    }
    return names.sort();
  }

  private async get(name: string): Promise<{ body: Buffer; etag?: string } | null> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.prefix + name }));
      const body = Buffer.from(await response.Body!.transformToByteArray());
      return response.ETag === undefined ? { body } : { body, etag: response.ETag };
    } catch (error) {
      if (errorName(error) === "NoSuchKey") return null;
      throw storeFailed(this.describe(), `reading ${name}`, error);
    }
  }

  /**
   * Reads the bucket's Object Lock configuration once. Explicit retention is set only when the
   * bucket has Object Lock and `retention_days` is configured. The mode is the bucket's default
   * rule's mode, else COMPLIANCE, which no user (the account root included) can shorten or remove.
   */
  private lockSettings(): Promise<LockSettings | null> {
    this.lock ??= (async () => {
      try {
        const response = await this.client.send(new GetObjectLockConfigurationCommand({ Bucket: this.config.bucket }));
        const configuration = response.ObjectLockConfiguration;
        if (configuration?.ObjectLockEnabled !== "Enabled" || this.config.retention_days === undefined) return null;
        return { mode: configuration.Rule?.DefaultRetention?.Mode ?? "COMPLIANCE", retainDays: this.config.retention_days };
      } catch (error) {
        if (errorName(error) === "ObjectLockConfigurationNotFoundError") return null;
        throw storeFailed(this.describe(), "reading the bucket's Object Lock configuration", error);
      }
    })();
    return this.lock;
  }
}

function sha256Base64(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("base64");
}

function errorName(error: unknown): string | undefined {
  return (error as { name?: string }).name;
}
