import type { User } from "@clerk/backend";

export type MfaState = "second-factor" | "none" | "enterprise-sso";

/** Link types Clerk gives an email address that came from an enterprise (SAML or OIDC) sign-in. */
const ENTERPRISE_LINK_TYPES = new Set(["saml_account", "enterprise_account"]);

/**
 * Classifies how a user's sign-in is protected beyond a first factor.
 *
 * `enterprise-sso` means the identity provider owns authentication (and its MFA policy). That is
 * only true when the user has no way to sign in around it. So the user must have no password, no
 * social OAuth account, no Web3 wallet and no phone number (usable for SMS codes). Every email
 * address must be linked to an enterprise account, because an unlinked one could receive an email code. Clerk links a SAML login
 * to a password account with the same email, so a password alone rules SSO-only out.
 */
export function mfaState(user: User): MfaState {
  if (user.twoFactorEnabled) return "second-factor";
  if (isEnterpriseOnly(user)) return "enterprise-sso";
  return "none";
}

function isEnterpriseOnly(user: User): boolean {
  const enterpriseIds = new Set(user.enterpriseAccounts.filter((account) => account.active).map((account) => account.id));
  if (enterpriseIds.size === 0) return false;
  if (user.passwordEnabled) return false;
  if (user.externalAccounts.length > 0) return false;
  if (user.web3Wallets.length > 0) return false;
  if (user.phoneNumbers.length > 0) return false;
  if (hasPasskeys(user)) return false;

  return user.emailAddresses.every((address) =>
    address.linkedTo.some((link) => enterpriseIds.has(link.id) || ENTERPRISE_LINK_TYPES.has(link.type)));
}

// The SDK's User class drops `passkeys`; the raw response still has them.
function hasPasskeys(user: User): boolean {
  const passkeys = (user.raw as { passkeys?: unknown } | null)?.passkeys;
  return Array.isArray(passkeys) && passkeys.length > 0;
}

/** Masks an email for evidence: first character of the local part and the domain, `j***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0) return "***";
  return `${email[0]}***${email.slice(at)}`;
}

export function primaryEmail(user: User): string | null {
  const primary = user.emailAddresses.find((address) => address.id === user.primaryEmailAddressId) ?? user.emailAddresses[0];
  return primary?.emailAddress ?? null;
}

/** Reads the value at a dotted path such as `publicMetadata.role`; undefined where the path breaks off. */
export function readRoleValue(user: User, rolePath: string): unknown {
  let value: unknown = user;
  for (const key of rolePath.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Returns the role as evidence shows it: a non-empty string as stored, and null for anything else.
 * A list or number is not a role the platform's middleware can match, so it reads as no role.
 */
export function roleText(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/**
 * Whether a role value names one of `roles` (given in lower case), compared without case, as a
 * string or as any string in a list. A role written as "Admin" or ["admin"] is a mistake that
 * some reader of the metadata may still honour, so it counts as privileged. The MFA, idle and ban
 * controls then cover the account, and the role control flags its form.
 */
export function namesRole(value: unknown, roles: ReadonlySet<string>): boolean {
  const candidates = Array.isArray(value) ? value : [value];
  return candidates.some((candidate) => typeof candidate === "string" && roles.has(candidate.trim().toLowerCase()));
}

/** Clerk timestamps are Unix milliseconds; resources carry ISO-8601 strings. */
export function isoTime(milliseconds: number | null | undefined): string | null {
  if (milliseconds === null || milliseconds === undefined) return null;
  return new Date(milliseconds).toISOString();
}
