import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One stored object, with the Object Lock retention it was written with. */
export interface FakeObject {
  body: Buffer;
  etag: string;
  contentType: string | undefined;
  checksumSha256: string | undefined;
  lockMode: string | undefined;
  retainUntil: string | undefined;
}

export interface FakeBucket {
  objects: Map<string, FakeObject>;
  /** `undefined`: the bucket has no Object Lock configuration (GetObjectLockConfiguration → 404). */
  objectLock?: { enabled: boolean; defaultMode?: "COMPLIANCE" | "GOVERNANCE"; defaultDays?: number };
}

/**
 * A loopback S3 for the evidence store: PutObject (checksums, If-Match / If-None-Match, Object
 * Lock headers), GetObject, HeadObject, ListObjectsV2 with paging and GetObjectLockConfiguration,
 * path-style, with S3's REST status codes and XML error bodies, so the real client-s3 code runs.
 */
export class FakeS3 {
  readonly buckets = new Map<string, FakeBucket>();
  /** Page size for ListObjectsV2, small in tests to exercise paging. */
  pageSize = 1000;
  /** Every request, as `METHOD /path?query`. */
  readonly requests: string[] = [];
  /** Error returned for every request while set. */
  failWith: { status: number; code: string } | null = null;
  private server: Server | null = null;
  private etagCounter = 0;

  bucket(name: string, settings: Omit<FakeBucket, "objects"> = {}): FakeBucket {
    const bucket: FakeBucket = { objects: new Map(), ...settings };
    this.buckets.set(name, bucket);
    return bucket;
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => sendError(response, 500, "InternalError", error.message));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const body = await readBody(request);
    this.requests.push(`${request.method} ${url.pathname}${url.search}`);

    if (this.failWith) return sendError(response, this.failWith.status, this.failWith.code, "injected failure");
    if (!String(request.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256 Credential=")) {
      return sendError(response, 403, "AccessDenied", "request is not signed with SigV4");
    }

    const [, bucketName = "", ...keyParts] = url.pathname.split("/");
    const key = decodeURIComponent(keyParts.join("/"));
    const bucket = this.buckets.get(bucketName);
    if (!bucket) return sendError(response, 404, "NoSuchBucket", "The specified bucket does not exist");

    if (key === "" && request.method === "GET" && url.searchParams.has("object-lock")) return this.lockConfiguration(bucket, response);
    if (key === "" && request.method === "GET" && url.searchParams.get("list-type") === "2") return this.list(bucketName, bucket, url, response);
    if (key !== "" && request.method === "PUT") return this.put(bucket, key, request, body, response);
    if (key !== "" && (request.method === "GET" || request.method === "HEAD")) return this.get(bucket, key, request.method, response);
    return sendError(response, 501, "NotImplemented", `${request.method} ${url.pathname}${url.search} is not implemented by the fake`);
  }

  private put(bucket: FakeBucket, key: string, request: IncomingMessage, body: Buffer, response: ServerResponse): void {
    const header = (name: string) => request.headers[name] as string | undefined;
    if (header("content-encoding")?.includes("aws-chunked")) {
      return sendError(response, 501, "NotImplemented", "aws-chunked uploads are not implemented by the fake");
    }
    const checksum = header("x-amz-checksum-sha256");
    if (checksum !== undefined && checksum !== createHash("sha256").update(body).digest("base64")) {
      return sendError(response, 400, "BadDigest", "The SHA256 you specified did not match the calculated checksum.");
    }

    const existing = bucket.objects.get(key);
    if (header("if-none-match") === "*" && existing) return sendError(response, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
    const ifMatch = header("if-match");
    if (ifMatch !== undefined && existing?.etag !== ifMatch) {
      return sendError(response, existing ? 412 : 404, existing ? "PreconditionFailed" : "NoSuchKey", "At least one of the pre-conditions you specified did not hold");
    }

    const lockMode = header("x-amz-object-lock-mode");
    const retainUntil = header("x-amz-object-lock-retain-until-date");
    if ((lockMode || retainUntil) && !bucket.objectLock?.enabled) {
      return sendError(response, 400, "InvalidRequest", "Bucket is missing Object Lock Configuration");
    }
    if (lockMode && checksum === undefined && header("content-md5") === undefined) {
      return sendError(response, 400, "InvalidRequest", "Content-MD5 or x-amz-checksum header is required for Put Object requests with Object Lock parameters");
    }

    const etag = `"${createHash("md5").update(body).update(String(++this.etagCounter)).digest("hex")}"`;
    bucket.objects.set(key, { body, etag, contentType: header("content-type"), checksumSha256: checksum, lockMode, retainUntil });
    response.writeHead(200, { ETag: etag, ...(checksum ? { "x-amz-checksum-sha256": checksum } : {}) });
    response.end();
  }

  private get(bucket: FakeBucket, key: string, method: string, response: ServerResponse): void {
    const object = bucket.objects.get(key);
    if (!object) {
      if (method === "HEAD") {
        response.writeHead(404);
        return void response.end();
      }
      return sendError(response, 404, "NoSuchKey", "The specified key does not exist.");
    }
    response.writeHead(200, {
      "Content-Length": object.body.length,
      "Content-Type": object.contentType ?? "binary/octet-stream",
      ETag: object.etag,
      "Last-Modified": new Date(0).toUTCString(),
    });
    response.end(method === "HEAD" ? undefined : object.body);
  }

  private list(bucketName: string, bucket: FakeBucket, url: URL, response: ServerResponse): void {
    const prefix = url.searchParams.get("prefix") ?? "";
    const maxKeys = Math.min(Number(url.searchParams.get("max-keys") ?? this.pageSize), this.pageSize);
    const start = url.searchParams.get("continuation-token") ?? "";
    const keys = [...bucket.objects.keys()].filter((key) => key.startsWith(prefix) && key > start).sort();
    const page = keys.slice(0, maxKeys);
    const truncated = keys.length > page.length;

    const contents = page
      .map((key) => {
        const object = bucket.objects.get(key)!;
        return `<Contents><Key>${xml(key)}</Key><LastModified>1970-01-01T00:00:00.000Z</LastModified><ETag>${xml(object.etag)}</ETag><Size>${object.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join("");
    const next = truncated ? `<NextContinuationToken>${xml(page[page.length - 1]!)}</NextContinuationToken>` : "";
    sendXml(
      response,
      200,
      `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xml(bucketName)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${next}</ListBucketResult>`,
    );
  }

  private lockConfiguration(bucket: FakeBucket, response: ServerResponse): void {
    const lock = bucket.objectLock;
    if (!lock) return sendError(response, 404, "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket");
    const rule =
      lock.defaultMode !== undefined
        ? `<Rule><DefaultRetention><Mode>${lock.defaultMode}</Mode><Days>${lock.defaultDays ?? 1}</Days></DefaultRetention></Rule>`
        : "";
    sendXml(
      response,
      200,
      `<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${lock.enabled ? "<ObjectLockEnabled>Enabled</ObjectLockEnabled>" : ""}${rule}</ObjectLockConfiguration>`,
    );
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function sendXml(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { "Content-Type": "application/xml" });
  response.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}

function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  sendXml(response, status, `<Error><Code>${code}</Code><Message>${xml(message)}</Message><RequestId>fake</RequestId></Error>`);
}
