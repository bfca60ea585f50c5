import { randomUUID } from "node:crypto";
import type { FakeEstate } from "./estate.js";

/** A parsed request with the signing region and service from its SigV4 Authorization header. */
export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  region: string;
  service: string;
  /** Access key id the request was signed with; it names the account of assumed-role credentials. */
  accessKeyId: string;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface FakeServerOptions {
  /** Pause before every answer, in milliseconds. */
  latencyMs?: number;
  /** Share of calls (0..1) answered with the service's throttling error, at random. */
  throttleRate?: number;
  /** Seed of the random throttling, so a run can be repeated. */
  seed?: number;
  /** Buckets per ListBuckets page, below the client's max-buckets. */
  bucketPageSize?: number;
  /** Rows per RDS describe page, below the client's MaxRecords. */
  rdsPageSize?: number;
  /** Accounts per ListAccounts page, below the client's MaxResults. */
  organizationsPageSize?: number;
}

/** One wire protocol: names the operation of a request, answers it, and writes its errors. */
export interface ServiceProtocol {
  /** Returns `<client>.<Operation>` and the target named in deny rules, or undefined when unknown. */
  identify(request: FakeRequest): { operation: string; target?: string } | undefined;
  respond(request: FakeRequest, operation: string, estate: FakeEstate, options: FakeServerOptions): FakeResponse;
  error(request: FakeRequest, kind: "denied" | "throttled" | "internal", operation: string, estate: FakeEstate): FakeResponse;
}

export function requestId(): string {
  return randomUUID();
}

/** The access key, signing region and service from `Credential=AKID/20240101/eu-west-1/s3/aws4_request`. */
export function credentialScope(authorization: string | undefined): { accessKeyId: string; region: string; service: string } | undefined {
  const match = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? "");
  return match ? { accessKeyId: match[1]!, region: match[2]!, service: match[3]! } : undefined;
}

/**
 * Access key id of the credentials sts:AssumeRole issues into `accountId`: 20 characters like a
 * real ASIA key, with the account inside so the fake can tell which estate a request reads.
 */
export function assumedAccessKeyId(accountId: string): string {
  return `ASIA${accountId}FAKE`;
}

/** The account an assumed-role access key id belongs to, or undefined for any other key. */
export function accountOfAccessKey(accessKeyId: string): string | undefined {
  return /^ASIA(\d{12})FAKE$/.exec(accessKeyId)?.[1];
}

/** Marker or continuation token for an offset: opaque to the client, as the real ones are. */
export function encodeMarker(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64");
}

export function decodeMarker(marker: string | null | undefined): number {
  if (!marker) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(marker, "base64").toString("utf8"));
  if (!match) throw new Error(`invalid marker ${marker}`);
  return Number(match[1]);
}
