import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { Soc2Error } from "../errors.js";
import { keyAlgorithm, keyIdOf, type KeyAlgorithm } from "./dsse.js";

/** A private key ready to sign bundles, with its public half and key id. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Hex SHA-256 of the public key's SPKI DER. */
  keyid: string;
  algorithm: KeyAlgorithm;
}

export type KeyType = "ed25519" | "p256";

/**
 * Loads the signing key from a PEM file or from an environment variable holding the PEM (or the
 * base64 of it, which fits CI secret stores that mangle newlines). A key file readable by group
 * or others is rejected, because anyone who can read it can forge evidence.
 */
export async function loadSigningKey(options: { file?: string; envVar?: string; env: Readonly<Record<string, string | undefined>> }): Promise<SigningKey> {
  if (options.file !== undefined) return signingKeyFromFile(options.file);
  if (options.envVar !== undefined) return signingKeyFromEnv(options.envVar, options.env);
  throw new Soc2Error("SOC2_KEY_INVALID", "no signing key is configured", {
    hint: "Create one with `soc2 keygen`, then set evidence.signing_key_file or evidence.signing_key_env in soc2.config.yaml.",
  });
}

async function signingKeyFromFile(file: string): Promise<SigningKey> {
  let text: string;
  try {
    const info = await stat(file);
    if (process.platform !== "win32" && (info.mode & 0o077) !== 0) {
      const mode = (info.mode & 0o777).toString(8).padStart(4, "0");
      throw new Soc2Error("SOC2_KEY_INVALID", `private key ${file} is readable by group or others (mode ${mode})`, {
        hint: `Restrict it with \`chmod 600 ${file}\`.`,
      });
    }
    text = await readFile(file, "utf8");
  } catch (error) {
    if (error instanceof Soc2Error) throw error;
    throw new Soc2Error("SOC2_KEY_INVALID", `cannot read private key ${file}: ${(error as Error).message}`, { cause: error });
  }
  return signingKeyFromPem(text, `private key ${file}`);
}

function signingKeyFromEnv(name: string, env: Readonly<Record<string, string | undefined>>): SigningKey {
  const value = env[name];
  if (value === undefined || value.trim() === "") {
    throw new Soc2Error("SOC2_KEY_INVALID", `environment variable ${name} with the signing key is not set`, {
      hint: `Set ${name} to the PEM text of the private key (or its base64).`,
    });
  }
  const pem = value.includes("-----BEGIN") ? value : Buffer.from(value.trim(), "base64").toString("utf8");
  return signingKeyFromPem(pem, `private key in ${name}`);
}

function signingKeyFromPem(pem: string, label: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: "pem" });
  } catch (error) {
    throw new Soc2Error("SOC2_KEY_INVALID", `${label} is not a valid PEM private key`, { cause: error });
  }

  const algorithm = keyAlgorithm(privateKey);
  if (algorithm === null) {
    throw new Soc2Error("SOC2_KEY_INVALID", `${label} is ${describeKey(privateKey)}; expected Ed25519 or ECDSA P-256`);
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyid: keyIdOf(publicKey), algorithm };
}

/**
 * Reads a public key (SPKI PEM) used to verify bundles. A private key file is accepted too and
 * verifies with its public half, with a warning through `warn`.
 */
export async function loadPublicKey(file: string, options: { warn?: (message: string) => void } = {}): Promise<KeyObject> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new Soc2Error("SOC2_KEY_INVALID", `cannot read public key ${file}: ${(error as Error).message}`, { cause: error });
  }

  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: "pem" });
  } catch (error) {
    throw new Soc2Error("SOC2_KEY_INVALID", `public key ${file} is not a valid PEM public key`, { cause: error });
  }
  if (keyAlgorithm(key) === null) {
    throw new Soc2Error("SOC2_KEY_INVALID", `public key ${file} is ${describeKey(key)}; expected Ed25519 or ECDSA P-256`);
  }

  // createPublicKey derives the public half from a private key PEM silently. Verifying with that
  // half is still correct, so the check goes on. Rejecting would not recall a key that has already
  // been handed out, while the warning says it was and what to hand out instead.
  if (isPrivateKeyPem(text)) {
    options.warn?.(
      `${file} contains the private signing key, not only the public key. Bundles were checked with its public half, but anyone holding this file can sign bundles: give auditors only the .pub file written by soc2 keygen, and rotate the key if this file left the signer's secret store.`,
    );
  }
  return key;
}

function isPrivateKeyPem(text: string): boolean {
  try {
    createPrivateKey({ key: text, format: "pem" });
    return true;
  } catch {
    return false;
  }
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve ? `a ${key.asymmetricKeyType} key on ${curve}` : `a ${key.asymmetricKeyType} key`;
}

/**
 * Writes PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SPKI PEM). Neither file may exist
 * already; the private key is created with O_EXCL so it is never briefly readable by others.
 */
export async function writeKeyPair(prefix: string, type: KeyType): Promise<{ privateFile: string; publicFile: string; keyid: string }> {
  const pair = type === "ed25519" ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const privatePem = pair.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  const publicPem = pair.publicKey.export({ type: "spki", format: "pem" }) as string;
  const privateFile = `${prefix}.key`;
  const publicFile = `${prefix}.pub`;

  await mkdir(path.dirname(privateFile), { recursive: true });
  await createExclusive(privateFile, privatePem, 0o600);
  try {
    await createExclusive(publicFile, publicPem, 0o644);
  } catch (error) {
    await unlink(privateFile);
    throw error;
  }
  return { privateFile, publicFile, keyid: keyIdOf(pair.publicKey) };
}

async function createExclusive(file: string, text: string, mode: number): Promise<void> {
  let handle;
  try {
    handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new Soc2Error("SOC2_USAGE", `${file} already exists; keygen does not overwrite keys`, {
        hint: "Choose another --out prefix, or move the old key pair away first.",
      });
    }
    throw new Soc2Error("SOC2_USAGE", `cannot create ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    await handle.chmod(mode);
    await handle.writeFile(text, "utf8");
  } finally {
    await handle.close();
  }
}
