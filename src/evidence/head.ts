import type { KeyObject } from "node:crypto";
import { decodeBase64, signEnvelope, verifyEnvelope, type DsseEnvelope } from "./dsse.js";
import { isBundleName, stableJson, type ChainLink } from "./format.js";
import type { SigningKey } from "./keys.js";

/** payloadType of the DSSE envelope that HEAD.json is. */
export const HEAD_PAYLOAD_TYPE = "application/vnd.soc2.chain-head+json";

/**
 * The chain head: the newest bundle, with the DSSE envelope that signs it. The envelope is null
 * for a head written by a soc2 version from before heads were signed (plain `{ name, digest }`).
 */
export interface ChainHead extends ChainLink {
  envelope: DsseEnvelope | null;
}

/** Signs a chain head with the key that signs the bundles. */
export function signHead(link: ChainLink, key: SigningKey): ChainHead {
  const payload = Buffer.from(stableJson({ name: link.name, digest: link.digest }));
  return { name: link.name, digest: link.digest, envelope: signEnvelope(HEAD_PAYLOAD_TYPE, payload, key.privateKey, key.keyid) };
}

/** Serializes a chain head as HEAD.json: the envelope, or the plain link of an unsigned head. */
export function headDocument(head: ChainHead): string {
  return head.envelope ? stableJson(head.envelope) : `${JSON.stringify({ name: head.name, digest: head.digest }, null, 2)}\n`;
}

/** Parses HEAD.json, signed or unsigned; returns a reason string when it is neither. */
export function parseHead(text: string): ChainHead | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "it is not valid JSON";
  }
  if (value === null || typeof value !== "object") return "it is not a JSON object";
  if (!("payloadType" in value)) {
    const link = parseLink(value);
    return typeof link === "string" ? link : { ...link, envelope: null };
  }

  const envelope = value as DsseEnvelope;
  if (envelope.payloadType !== HEAD_PAYLOAD_TYPE) return `its payloadType is not ${HEAD_PAYLOAD_TYPE}`;
  const payload = typeof envelope.payload === "string" ? decodeBase64(envelope.payload) : null;
  if (payload === null) return "its DSSE payload is missing or not valid base64";
  let decoded: unknown;
  try {
    decoded = JSON.parse(payload.toString("utf8"));
  } catch {
    return "its DSSE payload is not valid JSON";
  }
  if (decoded === null || typeof decoded !== "object") return "its DSSE payload is not a JSON object";
  const link = parseLink(decoded);
  return typeof link === "string" ? link : { ...link, envelope };
}

function parseLink(value: object): ChainLink | string {
  const { name, digest } = value as Record<string, unknown>;
  if (typeof name !== "string" || !isBundleName(name)) return "its name is not a bundle file name";
  if (typeof digest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(digest)) return "its digest is not sha256:<64 hex digits>";
  return { name, digest };
}

/**
 * Checks a signed head's signature with `publicKey`. Returns the reason it fails, or null when it
 * verifies. The name and digest were read from the same payload, so they are what was signed.
 */
export function headSignatureProblem(head: ChainHead, publicKey: KeyObject): string | null {
  if (head.envelope === null) return "it is unsigned";
  const check = verifyEnvelope(head.envelope, publicKey);
  if (!check.ok) return check.reason;
  return null;
}

