import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FakeObject, FakeS3 } from "../fakes/s3-store/server.js";

/**
 * Adds DeleteObject to the shared loopback FakeS3, which lacks it, by standing in front of it. The
 * proxy handles a DELETE of a key against the fake's buckets and forwards every other request.
 * The bucket counts as versioned (Object Lock requires versioning), so a delete without a version
 * id succeeds even under a retention: S3 then adds a delete marker and keeps the locked version,
 * which this proxy records in `noncurrent`.
 */
export class DeletingS3Proxy {
  /** `bucket/key` of every object hidden behind a delete marker, with the version kept. */
  readonly noncurrent = new Map<string, FakeObject>();
  /** Every DELETE request, as `/bucket/key`. */
  readonly deletes: string[] = [];
  /** Fails every DELETE with 403 AccessDenied while set, as for a role without s3:DeleteObject. */
  denyDelete = false;
  private server: Server | null = null;

  constructor(private readonly fake: FakeS3) {}

  /** Starts the fake and the proxy on loopback; returns the proxy's endpoint. */
  async start(): Promise<string> {
    const target = new URL(await this.fake.start());
    this.server = createServer((request, response) => {
      if (request.method === "DELETE") return this.delete(request, response);
      this.forward(target, request, response);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
    await this.fake.stop();
  }

  private delete(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const [, bucketName = "", ...keyParts] = url.pathname.split("/");
    const key = decodeURIComponent(keyParts.join("/"));
    this.deletes.push(`/${bucketName}/${key}`);
    request.resume();

    if (!String(request.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256 Credential=")) {
      return sendError(response, 403, "AccessDenied", "request is not signed with SigV4");
    }
    if (this.denyDelete) return sendError(response, 403, "AccessDenied", "not authorized to perform: s3:DeleteObject");
    const bucket = this.fake.buckets.get(bucketName);
    if (!bucket) return sendError(response, 404, "NoSuchBucket", "The specified bucket does not exist");

    const object = bucket.objects.get(key);
    if (object?.lockMode !== undefined) this.noncurrent.set(`${bucketName}/${key}`, object);
    bucket.objects.delete(key);
    response.writeHead(204, object?.lockMode !== undefined ? { "x-amz-delete-marker": "true" } : {});
    response.end();
  }

  private forward(target: URL, request: IncomingMessage, response: ServerResponse): void {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on("error", (error) => sendError(response, 502, "InternalError", error.message));
    request.pipe(upstream);
  }
}

function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  response.writeHead(status, { "Content-Type": "application/xml" });
  response.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>proxy</RequestId></Error>`);
}
