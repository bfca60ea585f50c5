import http from "node:http";
import type { AddressInfo } from "node:net";
import { cloudTrailProtocol } from "./cloudtrail.js";
import type { FakeEstate } from "./estate.js";
import { organizationsProtocol } from "./organizations.js";
import { accountOfAccessKey, credentialScope, type FakeRequest, type FakeResponse, type FakeServerOptions, type ServiceProtocol } from "./protocol.js";
import { queryProtocol } from "./query.js";
import { s3Protocol } from "./s3.js";

export type { FakeEstate } from "./estate.js";
export type { FakeServerOptions } from "./protocol.js";

/** One call as the fake saw it, for assertions on what the client sent. */
export interface RecordedCall {
  /** Account whose estate answered: a member's for assumed-role credentials. */
  account: string;
  operation: string;
  region: string;
  target?: string;
  status: number;
}

export interface FakeAws {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL. */
  url: string;
  /** `http://localhost:<port>`, for AWS_ENDPOINT_URL_S3_CONTROL: S3 Control puts the account id in front of the host. */
  controlUrl: string;
  calls: RecordedCall[];
  /** Highest number of requests the server held at once. */
  readonly maxInFlight: number;
  estate: FakeEstate;
  close(): Promise<void>;
}

const PROTOCOLS: Record<string, ServiceProtocol> = {
  s3: s3Protocol,
  rds: queryProtocol,
  sts: queryProtocol,
  cloudtrail: cloudTrailProtocol,
  organizations: organizationsProtocol,
};

/**
 * Starts one loopback HTTP server that serves S3, S3 Control, RDS, CloudTrail, STS and
 * Organizations from `estate` in their real wire protocols. The service and region come from each
 * request's SigV4 scope, and the account from its access key: credentials that sts:AssumeRole
 * issued into a member account read that member's estate.
 * Signatures are not checked. Point the SDK at it with AWS_ENDPOINT_URL (and
 * AWS_ENDPOINT_URL_S3_CONTROL = controlUrl).
 */
export async function startFakeAws(estate: FakeEstate, options: FakeServerOptions = {}): Promise<FakeAws> {
  const calls: RecordedCall[] = [];
  const injected = new Map<string, number>();
  const random = seededRandom(options.seed ?? 1);
  let inFlight = 0;
  let maxInFlight = 0;

  const server = http.createServer((incoming, outgoing) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const request = parseRequest(incoming, Buffer.concat(chunks).toString("utf8"));
      const response = answer(request);
      const send = () => {
        inFlight -= 1;
        outgoing.writeHead(response.status, { "content-length": Buffer.byteLength(response.body), ...response.headers });
        outgoing.end(response.body);
      };
      if (options.latencyMs) setTimeout(send, options.latencyMs);
      else send();
    });
  });

  function answer(request: FakeRequest | undefined): FakeResponse {
    const assumedAccount = request ? accountOfAccessKey(request.accessKeyId) : undefined;
    const served = assumedAccount === undefined ? estate : estate.members?.find((member) => member.accountId === assumedAccount);
    if (!request || !served) return { status: 403, headers: { "content-type": "application/xml" }, body: "<Error><Code>MissingAuthenticationToken</Code><Message>Request is missing Authentication Token</Message></Error>" };
    const protocol = PROTOCOLS[request.service];
    const identified = protocol?.identify(request);
    if (!protocol || !identified) {
      return { status: 400, headers: { "content-type": "application/xml" }, body: `<Error><Code>InvalidAction</Code><Message>the fake does not serve ${request.method} ${request.path} for ${request.service}</Message></Error>` };
    }
    const { operation, target } = identified;
    const response = injectedError(request, served, protocol, operation, target) ?? protocol.respond(request, operation, served, options);
    calls.push({ account: served.accountId, operation, region: request.region, target, status: response.status });
    return response;
  }

  function injectedError(request: FakeRequest, served: FakeEstate, protocol: ServiceProtocol, operation: string, target: string | undefined): FakeResponse | undefined {
    const deny = served.deny ?? [];
    if (deny.includes(operation) || (target !== undefined && deny.includes(`${operation}:${target}`))) {
      return protocol.error(request, "denied", operation, served);
    }
    for (const [kind, budget] of [["throttled", served.throttle], ["internal", served.serverErrors]] as const) {
      const limit = budget?.[operation];
      if (limit === undefined) continue;
      const key = `${kind} ${operation}`;
      const used = injected.get(key) ?? 0;
      if (used < limit) {
        injected.set(key, used + 1);
        return protocol.error(request, kind, operation, served);
      }
    }
    if (options.throttleRate && random() < options.throttleRate) return protocol.error(request, "throttled", operation, served);
    return undefined;
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    controlUrl: `http://localhost:${port}`,
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
    estate,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}

function parseRequest(incoming: http.IncomingMessage, body: string): FakeRequest | undefined {
  const scope = credentialScope(incoming.headers.authorization);
  if (!scope) return undefined;
  const url = new URL(incoming.url ?? "/", "http://fake");
  return {
    method: incoming.method ?? "GET",
    path: url.pathname,
    query: url.searchParams,
    headers: incoming.headers,
    body,
    region: scope.region,
    service: scope.service,
    accessKeyId: scope.accessKeyId,
  };
}

/** mulberry32: a small seeded generator, so random throttling repeats between runs. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
