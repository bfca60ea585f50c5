import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ClerkJson } from "./builders.js";

/**
 * A loopback stand-in for the parts of Clerk's Backend API that `@clerk/backend` v3 calls for
 * users and organization memberships. It responds in Clerk's wire shape: bare JSON arrays for
 * `GET /v1/users`, `{ object: "total_count", total_count }` for counts, `{ data, total_count }` for
 * memberships, and `{ errors: [{ code, message, long_message, meta }], clerk_trace_id }` for errors,
 * always with `Content-Type: application/json` (the SDK parses nothing else as JSON).
 */

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

export interface FakeReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface FakeClerkOptions {
  secretKey: string;
  users?: ClerkJson[];
  /** Instance memberships, or how the memberships endpoint fails. */
  memberships?: ClerkJson[] | { fail: FakeReply };
  /** Milliseconds added before every response. */
  latencyMs?: number;
  /**
   * Called before each authorized request is served. Returning a reply sends it instead of the
   * normal response, which is how tests inject 429s and failures; it may also mutate `fake.users`.
   */
  onRequest?: (request: FakeRequest, fake: FakeClerk) => FakeReply | undefined;
}

export interface FakeClerk {
  /** Base URL for the SDK's `apiUrl`. */
  url: string;
  users: ClerkJson[];
  requests: FakeRequest[];
  close(): Promise<void>;
}

const MAX_LIMIT = 500;
let traceCounter = 0;

export function clerkError(status: number, code: string, message: string, longMessage = message, headers?: Record<string, string>): FakeReply {
  traceCounter += 1;
  return {
    status,
    headers,
    body: { errors: [{ code, message, long_message: longMessage, meta: {} }], clerk_trace_id: `trace_${traceCounter.toString(16).padStart(8, "0")}` },
  };
}

export function tooManyRequests(retryAfterSeconds: number): FakeReply {
  return clerkError(429, "too_many_requests", "Too many requests", "Too many requests, retry later", { "Retry-After": String(retryAfterSeconds) });
}

export async function startFakeClerk(options: FakeClerkOptions): Promise<FakeClerk> {
  const fake: FakeClerk = {
    url: "",
    users: [...(options.users ?? [])],
    requests: [],
    close: async () => {},
  };

  const server = createServer((request, response) => {
    void handle(request, response, fake, options);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () => new Promise<void>((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
  return fake;
}

async function handle(request: IncomingMessage, response: ServerResponse, fake: FakeClerk, options: FakeClerkOptions): Promise<void> {
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  const fakeRequest: FakeRequest = { method: request.method ?? "GET", path: url.pathname, query: url.searchParams };
  fake.requests.push(fakeRequest);

  if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));

  let reply: FakeReply;
  if (request.headers.authorization !== `Bearer ${options.secretKey}`) {
    reply = clerkError(401, "authentication_invalid", "Unauthorized request", "The provided secret key is invalid. Find your secret keys in the Clerk Dashboard.");
  } else {
    reply = options.onRequest?.(fakeRequest, fake) ?? route(fakeRequest, fake, options);
  }

  response.writeHead(reply.status, { "Content-Type": "application/json", ...reply.headers });
  response.end(JSON.stringify(reply.body));
}

function route(request: FakeRequest, fake: FakeClerk, options: FakeClerkOptions): FakeReply {
  if (request.method !== "GET") return clerkError(405, "method_not_allowed", "Method not allowed");

  if (request.path === "/v1/users") return listUsers(request.query, fake.users);
  if (request.path === "/v1/users/count") return { status: 200, body: { object: "total_count", total_count: fake.users.length } };
  if (request.path === "/v1/organization_memberships") return listMemberships(request.query, options.memberships ?? []);

  const single = /^\/v1\/users\/([^/]+)$/.exec(request.path);
  if (single) {
    const user = fake.users.find((candidate) => candidate.id === decodeURIComponent(single[1]!));
    return user ? { status: 200, body: user } : clerkError(404, "resource_not_found", "not found", "Resource not found");
  }
  return clerkError(404, "resource_not_found", "not found", `No route for ${request.path}`);
}

function listUsers(query: URLSearchParams, users: ClerkJson[]): FakeReply {
  const paging = readPaging(query);
  if ("status" in paging) return paging;

  let selected = users;
  const ids = query.getAll("user_id");
  if (ids.length > 100) return clerkError(422, "form_param_value_invalid", "is invalid", "user_id accepts up to 100 values");
  if (ids.length > 0) selected = selected.filter((user) => ids.includes(user.id as string));

  const sorted = sortByCreated(selected, paging.ascending);
  return { status: 200, body: sorted.slice(paging.offset, paging.offset + paging.limit) };
}

function listMemberships(query: URLSearchParams, memberships: ClerkJson[] | { fail: FakeReply }): FakeReply {
  if (!Array.isArray(memberships)) return memberships.fail;
  const paging = readPaging(query);
  if ("status" in paging) return paging;

  const sorted = sortByCreated(memberships, paging.ascending);
  return { status: 200, body: { data: sorted.slice(paging.offset, paging.offset + paging.limit), total_count: memberships.length } };
}

function readPaging(query: URLSearchParams): { limit: number; offset: number; ascending: boolean } | FakeReply {
  const limit = Number(query.get("limit") ?? "10");
  const offset = Number(query.get("offset") ?? "0");
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    return clerkError(422, "form_param_value_invalid", "is invalid", `${query.get("limit")} does not match one of the allowed values for parameter limit`);
  }
  if (!Number.isInteger(offset) || offset < 0) {
    return clerkError(422, "form_param_value_invalid", "is invalid", `${query.get("offset")} is not a valid offset`);
  }

  const orderBy = query.get("order_by") ?? "-created_at";
  if (!["created_at", "+created_at", "-created_at"].includes(orderBy)) {
    return clerkError(422, "form_param_value_invalid", "is invalid", `order_by ${orderBy} is not supported by this fake`);
  }
  return { limit, offset, ascending: orderBy !== "-created_at" };
}

function sortByCreated(items: ClerkJson[], ascending: boolean): ClerkJson[] {
  const sorted = [...items].sort((a, b) => (a.created_at as number) - (b.created_at as number) || String(a.id).localeCompare(String(b.id)));
  return ascending ? sorted : sorted.reverse();
}
