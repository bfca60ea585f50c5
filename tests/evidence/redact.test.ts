import { describe, expect, it } from "vitest";
import { buildBundle, redactSnapshot, redactText } from "../../src/evidence/index.js";
import { makeInput, makeKey, tarBytes, verifyBundle } from "./fixtures.js";

/** Secrets as collectors, findings and reports could carry them. */
const PLANTED = {
  awsKey: "AKIAIOSFODNN7EXAMPLE",
  clerkLive: "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
  clerkTest: "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
  bearer: "mF_9.B5f-4.1JqM",
  pemBody: "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF",
  dbPassword: "Tr0ub4dor-and-3",
  assigned: "hunter2-correct-horse",
  fieldSecret: "s3cr3t-value-in-field",
  jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
  emailLocal: "jane.doe.patient",
  firstName: "Janet",
};

function plantedInput() {
  const input = makeInput();
  const record = input.snapshot.collectors["aws.s3.buckets"]!;
  if (record.status !== "ok") throw new Error("fixture changed");
  record.resources.push({
    id: "arn:aws:s3:::leaky",
    classes: [],
    encrypted: true,
    versioning: "Enabled",
    tags: { owner: `${PLANTED.emailLocal}@example.com`, note: `key ${PLANTED.awsKey} for ${PLANTED.clerkLive}` },
    policy: `-----BEGIN PRIVATE KEY-----\n${PLANTED.pemBody}\n-----END PRIVATE KEY-----`,
    connection: `postgres://app:${PLANTED.dbPassword}@db.internal:5432/platform`,
    clientSecret: PLANTED.fieldSecret,
    firstName: PLANTED.firstName,
  });
  input.snapshot.collectors["clerk.users"] = {
    collector: "clerk.users",
    status: "error",
    error: { code: "401", message: `request with Authorization: Bearer ${PLANTED.bearer} failed; key ${PLANTED.clerkTest}` },
  };
  input.run.controls[0]!.findings.push({
    resource: "arn:aws:s3:::leaky",
    status: "fail",
    message: `config has password=${PLANTED.assigned}`,
    fields: { token: PLANTED.jwt, owner: `${PLANTED.emailLocal}@example.com` },
  });
  input.reportText += `\nleaky: ${PLANTED.awsKey} postgres://app:${PLANTED.dbPassword}@db/x ${PLANTED.jwt} ${PLANTED.emailLocal}@example.com\n`;
  input.metadata.ranBy = `${PLANTED.emailLocal}@example.com`;
  return input;
}

describe("redaction", () => {
  it("keeps every planted secret out of the bundle bytes", async () => {
    const key = makeKey();
    const bundle = await buildBundle(plantedInput(), key, null);
    const raw = tarBytes(bundle.bytes).toString("latin1");
    for (const [name, secret] of Object.entries(PLANTED)) {
      expect(raw.includes(secret), `${name} leaked into the bundle`).toBe(false);
    }
    expect(raw).toContain("j***@example.com");
    expect(raw).toContain("[REDACTED:aws-access-key]");
    expect(raw).toContain("postgres://app:[REDACTED:url-password]@db.internal:5432/platform");
  });

  it("keeps the signed payload free of planted secrets", async () => {
    const key = makeKey();
    const bundle = await buildBundle(plantedInput(), key, null);
    const opened = await verifyBundle(bundle.bytes, key);
    const statement = JSON.stringify(opened);
    for (const secret of Object.values(PLANTED)) expect(statement.includes(secret)).toBe(false);
  });

  it("keeps field types and non-secret values for replay", () => {
    const redacted = redactSnapshot(plantedInput().snapshot);
    const record = redacted.collectors["aws.s3.buckets"]!;
    if (record.status !== "ok") throw new Error("fixture changed");
    const leaky = record.resources.find((resource) => resource.id === "arn:aws:s3:::leaky")!;
    expect(leaky.encrypted).toBe(true);
    expect(leaky.versioning).toBe("Enabled");
    expect(leaky.clientSecret).toBe("[REDACTED:secret-field]");
    expect(leaky.firstName).toBe("[REDACTED:personal-field]");
    expect(Object.keys(leaky).sort()).toEqual(["classes", "clientSecret", "connection", "encrypted", "firstName", "id", "policy", "tags", "versioning"]);
    expect(redacted.collectors["aws.s3.buckets"]).toBeDefined();
  });

  it.each([
    ["password=abc123 and more", "password=[REDACTED:assigned-secret] and more"],
    ['{"api_key": "k-123456"}', '{"api_key": "[REDACTED:assigned-secret]"}'],
    ["passwordEnabled: true", "passwordEnabled: true"],
    ["Authorization: Bearer abcdefgh12345678", "Authorization: Bearer [REDACTED:bearer-token]"],
    ["mysql://root:pw@h/db", "mysql://root:[REDACTED:url-password]@h/db"],
    ["contact security@platform.example", "contact s***@platform.example"],
    ["arn:aws:iam::123456789012:role/audit", "arn:aws:iam::123456789012:role/audit"],
  ])("redacts %j", (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it("redacts a redacted text to the same text", () => {
    const once = redactText(plantedInput().reportText);
    expect(redactText(once)).toBe(once);
  });
});
