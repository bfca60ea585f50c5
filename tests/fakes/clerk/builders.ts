/**
 * Builders for Backend API JSON in Clerk's wire shape (snake_case, Unix milliseconds), as
 * `@clerk/backend` v3 deserializes it in `User.fromJSON` and `OrganizationMembership.fromJSON`.
 */

export type ClerkJson = Record<string, unknown>;

export interface FakeUserSpec {
  id: string;
  email?: string | null;
  /** Stored at `public_metadata.role` unless `publicMetadata` is given. */
  role?: string;
  publicMetadata?: ClerkJson;
  privateMetadata?: ClerkJson;
  createdAt: number;
  lastSignInAt?: number | null;
  lastActiveAt?: number | null;
  twoFactor?: boolean;
  password?: boolean;
  /** Social OAuth providers, e.g. `oauth_google`. */
  social?: string[];
  /** Signs in through an enterprise (SAML) connection; the email is linked to that account. */
  enterpriseSso?: boolean;
  phone?: string;
  passkeys?: number;
  banned?: boolean;
  locked?: boolean;
}

export function userJson(spec: FakeUserSpec): ClerkJson {
  const emailId = `idn_email_${spec.id}`;
  const enterpriseId = `eac_${spec.id}`;
  const email = spec.email === undefined ? `${spec.id}@example.com` : spec.email;
  const publicMetadata = spec.publicMetadata ?? (spec.role === undefined ? {} : { role: spec.role });

  const emailAddresses = email === null ? [] : [{
    id: emailId,
    object: "email_address",
    email_address: email,
    reserved: false,
    verification: spec.enterpriseSso
      ? { status: "verified", strategy: "saml", attempts: null, expire_at: null }
      : { status: "verified", strategy: "email_code", attempts: 1, expire_at: spec.createdAt + 600_000 },
    linked_to: spec.enterpriseSso ? [{ type: "enterprise_account", id: enterpriseId }] : [],
    created_at: spec.createdAt,
    updated_at: spec.createdAt,
  }];

  const externalAccounts = (spec.social ?? []).map((provider, index) => ({
    object: "external_account",
    id: `eac_social_${spec.id}_${index}`,
    provider,
    identification_id: emailId,
    provider_user_id: `${provider}-${spec.id}`,
    approved_scopes: "email profile openid",
    email_address: email,
    first_name: "",
    last_name: "",
    image_url: "",
    username: null,
    phone_number: null,
    public_metadata: {},
    label: null,
    verification: { status: "verified", strategy: provider, attempts: null, expire_at: spec.createdAt + 600_000 },
  }));

  const enterpriseAccounts = spec.enterpriseSso ? [{
    object: "enterprise_account",
    id: enterpriseId,
    active: true,
    email_address: email,
    first_name: "",
    last_name: "",
    protocol: "saml",
    provider: "saml_okta",
    provider_user_id: `okta-${spec.id}`,
    public_metadata: {},
    verification: { status: "verified", strategy: "saml", attempts: null, expire_at: null },
    last_authenticated_at: spec.lastSignInAt ?? null,
    enterprise_connection_id: "entconn_okta",
    enterprise_connection: {
      id: "entconn_okta",
      active: true,
      allow_idp_initiated: false,
      allow_subdomains: false,
      disable_additional_identifications: true,
      domain: "example-employer.com",
      logo_public_url: null,
      name: "Okta",
      protocol: "saml",
      provider: "saml_okta",
      sync_user_attributes: true,
      created_at: spec.createdAt,
      updated_at: spec.createdAt,
    },
  }] : [];

  const phoneNumbers = spec.phone === undefined ? [] : [{
    id: `idn_phone_${spec.id}`,
    object: "phone_number",
    phone_number: spec.phone,
    reserved_for_second_factor: Boolean(spec.twoFactor),
    default_second_factor: Boolean(spec.twoFactor),
    reserved: false,
    verification: { status: "verified", strategy: "phone_code", attempts: 1, expire_at: spec.createdAt + 600_000 },
    linked_to: [],
    backup_codes: null,
    created_at: spec.createdAt,
    updated_at: spec.createdAt,
  }];

  const passkeys = Array.from({ length: spec.passkeys ?? 0 }, (_, index) => ({
    id: `pk_${spec.id}_${index}`,
    object: "passkey",
    name: "Laptop",
    last_used_at: spec.lastSignInAt ?? null,
    verification: { status: "verified", strategy: "passkey", attempts: null, expire_at: null },
  }));

  return {
    id: spec.id,
    object: "user",
    external_id: null,
    primary_email_address_id: email === null ? null : emailId,
    primary_phone_number_id: phoneNumbers[0]?.id ?? null,
    primary_web3_wallet_id: null,
    username: null,
    first_name: "",
    last_name: "",
    image_url: "https://img.clerk.com/placeholder",
    has_image: false,
    public_metadata: publicMetadata,
    private_metadata: spec.privateMetadata ?? {},
    unsafe_metadata: {},
    email_addresses: emailAddresses,
    phone_numbers: phoneNumbers,
    web3_wallets: [],
    passkeys,
    password_enabled: spec.password ?? !(spec.enterpriseSso || (spec.social?.length ?? 0) > 0),
    two_factor_enabled: Boolean(spec.twoFactor),
    totp_enabled: Boolean(spec.twoFactor),
    backup_code_enabled: Boolean(spec.twoFactor),
    mfa_enabled_at: spec.twoFactor ? spec.createdAt : null,
    mfa_disabled_at: null,
    external_accounts: externalAccounts,
    enterprise_accounts: enterpriseAccounts,
    saml_accounts: [],
    last_sign_in_at: spec.lastSignInAt ?? null,
    banned: Boolean(spec.banned),
    locked: Boolean(spec.locked),
    lockout_expires_in_seconds: spec.locked ? 1800 : null,
    verification_attempts_remaining: spec.locked ? 0 : 100,
    created_at: spec.createdAt,
    updated_at: spec.createdAt,
    delete_self_enabled: true,
    create_organization_enabled: true,
    create_organizations_limit: null,
    last_active_at: spec.lastActiveAt ?? spec.lastSignInAt ?? null,
    legal_accepted_at: null,
  };
}

export interface FakeMembershipSpec {
  id: string;
  userId: string;
  orgId: string;
  orgSlug?: string;
  role: string;
  createdAt: number;
}

export function membershipJson(spec: FakeMembershipSpec): ClerkJson {
  return {
    object: "organization_membership",
    id: spec.id,
    role: spec.role,
    role_name: spec.role === "org:admin" ? "Admin" : "Member",
    permissions: spec.role === "org:admin" ? ["org:sys_memberships:manage", "org:sys_profile:manage"] : [],
    public_metadata: {},
    private_metadata: {},
    created_at: spec.createdAt,
    updated_at: spec.createdAt,
    organization: {
      object: "organization",
      id: spec.orgId,
      name: spec.orgSlug ?? spec.orgId,
      slug: spec.orgSlug ?? spec.orgId,
      image_url: "",
      has_image: false,
      max_allowed_memberships: 0,
      admin_delete_enabled: true,
      public_metadata: {},
      private_metadata: {},
      created_by: null,
      created_at: spec.createdAt,
      updated_at: spec.createdAt,
    },
    public_user_data: {
      user_id: spec.userId,
      first_name: "",
      last_name: "",
      image_url: "",
      has_image: false,
      identifier: `${spec.userId}@example.com`,
    },
  };
}
