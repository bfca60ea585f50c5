import { createHash, sign, verify, type KeyObject } from "node:crypto";

/** payloadType of an in-toto Statement inside a DSSE envelope. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

export interface DsseSignature {
  keyid: string;
  sig: string;
}

export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
}

/**
 * Builds the DSSE v1 pre-authentication encoding: `DSSEv1 <len(type)> <type> <len(body)> <body>`,
 * lengths in decimal bytes. This is the exact byte string that is signed.
 */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  const head = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `, "utf8");
  return Buffer.concat([head, payload]);
}

export type KeyAlgorithm = "ed25519" | "ecdsa-p256";

/** Returns the algorithm of a key, or null when it is neither Ed25519 nor ECDSA on P-256. */
export function keyAlgorithm(key: KeyObject): KeyAlgorithm | null {
  if (key.asymmetricKeyType === "ed25519") return "ed25519";
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ecdsa-p256";
  return null;
}

/** Key id: the hex SHA-256 of the public key's SPKI DER encoding. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("hex");
}

/**
 * Signs PAE bytes. ECDSA signatures are ASN.1 DER over SHA-256, the encoding sigstore's ECDSA
 * verifier (and so cosign) checks with Go's `ecdsa.VerifyASN1`, and the one `openssl dgst` writes.
 */
export function signBytes(privateKey: KeyObject, data: Uint8Array): Buffer {
  if (keyAlgorithm(privateKey) === "ed25519") return sign(null, data, privateKey);
  return sign("sha256", data, { key: privateKey, dsaEncoding: "der" });
}

/** Checks a signature; for ECDSA both DER and raw r||s (IEEE P1363) encodings are accepted. */
export function verifyBytes(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const algorithm = keyAlgorithm(publicKey);
  if (algorithm === "ed25519") return verify(null, data, publicKey, signature);
  if (algorithm !== "ecdsa-p256") return false;
  if (verify("sha256", data, { key: publicKey, dsaEncoding: "der" }, signature)) return true;
  return signature.length === 64 && verify("sha256", data, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature);
}

/** Signs a payload into a DSSE envelope with one signature. */
export function signEnvelope(payloadType: string, payload: Uint8Array, privateKey: KeyObject, keyid: string): DsseEnvelope {
  const signature = signBytes(privateKey, preAuthEncoding(payloadType, payload));
  return {
    payload: Buffer.from(payload).toString("base64"),
    payloadType,
    signatures: [{ keyid, sig: signature.toString("base64") }],
  };
}

/**
 * Decodes standard or URL-safe base64, padded or not. Returns null on any other character, so a
 * corrupted value is reported instead of being silently skipped the way `Buffer.from` does.
 */
export function decodeBase64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return null;
  const unpadded = text.replace(/=+$/, "");
  if (unpadded.length % 4 === 1) return null;
  return Buffer.from(unpadded.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

export type EnvelopeCheck =
  | { ok: true; payload: Buffer; payloadType: string; keyid: string }
  | { ok: false; reason: string };

/**
 * Verifies a parsed envelope against one public key. Unknown fields are ignored; the payload
 * returned is the exact signed bytes, which the caller parses only after this succeeds.
 */
export function verifyEnvelope(envelope: unknown, publicKey: KeyObject): EnvelopeCheck {
  if (envelope === null || typeof envelope !== "object" || Array.isArray(envelope)) {
    return { ok: false, reason: "the DSSE envelope is not a JSON object" };
  }
  const { payload, payloadType, signatures } = envelope as Record<string, unknown>;
  if (typeof payload !== "string") return { ok: false, reason: "the DSSE envelope has no string payload" };
  if (typeof payloadType !== "string") return { ok: false, reason: "the DSSE envelope has no string payloadType" };
  if (!Array.isArray(signatures) || signatures.length === 0) {
    return { ok: false, reason: "the DSSE envelope has no signatures" };
  }

  const payloadBytes = decodeBase64(payload);
  if (payloadBytes === null) return { ok: false, reason: "the DSSE payload is not valid base64" };

  const pae = preAuthEncoding(payloadType, payloadBytes);
  const keyid = keyIdOf(publicKey);
  for (const entry of signatures) {
    if (entry === null || typeof entry !== "object") continue;
    const sig = (entry as Record<string, unknown>).sig;
    if (typeof sig !== "string") continue;
    const sigBytes = decodeBase64(sig);
    if (sigBytes !== null && verifyBytes(publicKey, pae, sigBytes)) {
      return { ok: true, payload: payloadBytes, payloadType, keyid };
    }
  }
  return { ok: false, reason: `the signature does not verify with key ${keyid}` };
}
