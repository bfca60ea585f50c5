/**
 * Signed evidence bundles: packing, signing (DSSE over an in-toto Statement), verification,
 * redaction, the hash chain and the evidence store.
 */
export type { BundleInput, SourceFile } from "./write.js";
export { writeBundle, buildBundle } from "./write.js";
export type { VerifiedBundle } from "./verify.js";
export { openBundle, readVerifiedBundle, verifyBundleBytes, checkChainLink } from "./verify.js";
export type { EvidenceStore, StoredHead, StoreConfig } from "./store.js";
export { openStore, LocalStore } from "./store.js";
export type { SigningKey, KeyType } from "./keys.js";
export { loadSigningKey, loadPublicKey, writeKeyPair } from "./keys.js";
export { redactSnapshot, redactText, Redactor } from "./redact.js";
export type { BundleMetadata, ChainLink } from "./format.js";
export { PREDICATE_TYPE, bundleName } from "./format.js";
export { BundleRejected, type ExtractLimits } from "./archive.js";
export { inspectChain, type ChainReport, type ChainProblem } from "./chain.js";
