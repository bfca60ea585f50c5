import { describe, expect, it } from "vitest";
import { stableJson } from "../../src/evidence/format.js";
import { Redactor, buildBundle, redactSnapshot, redactText } from "../../src/evidence/index.js";
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

/** Values that JSON and key sorting treat in their own ways, each written in pieces at several depths. */
const TRICKY: Array<[string, unknown]> = [
  ["integer-like keys, which objects enumerate first", { b: 1, "10": 2, "9": 3, a: { "2": [1, 2], "1": null } }],
  ["keys that redact to the same text, the last value kept", { "ann@example.com": "first", "amy@example.com": "second", x: 1 }],
  ["a __proto__ key from parsed JSON", JSON.parse('{"__proto__": {"token": "t0ps3cret"}, "kept": "yes"}')],
  ["values JSON leaves out or writes as null", { gone: undefined, fn: () => 1, list: [undefined, () => 1, Number.NaN, Infinity], kept: 0 }],
  ["empty containers and nested arrays", { a: {}, b: [], c: [[], [[{}]], [1, [2, [3, [4, [5]]]]]], d: { e: { f: { g: { h: {} } } } } }],
  ["a Date, which the copy turns into an empty object", { at: new Date("2026-03-01T00:00:00Z"), nested: [new Date(0)] }],
  ["an object with its own toJSON", { value: { toJSON: () => ({ z: 1, a: 2 }), ignored: true } }],
  ["strings with line breaks, quotes and non-ASCII text", { note: 'line 1\nline "2"\ttab \u00e9\u{1F600} \ud800', list: ["a\nb"] }],
  ["secrets in keys and values at every depth", { password: "pw-123456", tags: { "owner=jane@example.com": "x", apiToken: "" }, rows: [{ firstName: "Jane", note: "Bearer abcdefgh12345678" }] }],
  ["a top-level array", [{ b: 1, a: 2 }, "AKIAIOSFODNN7EXAMPLE", 3]],
  ["a top-level string", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"],
];

describe("redaction written in pieces", () => {
  it.each(TRICKY)("writes %s as stableJson writes the redacted copy", (_label, value) => {
    const whole = new Redactor();
    const expected = stableJson(whole.value(value));
    for (const depth of [0, 1, 2, 4, 8]) {
      const pieces = new Redactor();
      let written = "";
      pieces.writeJson(value, (text) => (written += text), depth);
      expect(written, `depth ${depth}`).toBe(expected);
      expect(pieces.counts, `depth ${depth}`).toEqual(whole.counts);
    }
  });

  it.each(TRICKY)("copies %s with sorted keys as stableJson sorts them", (_label, value) => {
    const whole = new Redactor();
    const expected = stableJson(whole.value(value));
    const sorted = new Redactor();
    expect(`${JSON.stringify(sorted.sortedValue(value), null, 2)}\n`).toBe(expected);
    expect(sorted.counts).toEqual(whole.counts);
  });

  it("writes a snapshot in more than one piece", () => {
    const pieces: string[] = [];
    new Redactor().writeJson(plantedInput().snapshot, (text) => pieces.push(text));
    expect(pieces.length).toBeGreaterThan(10);
    expect(pieces.join("")).toBe(stableJson(redactSnapshot(plantedInput().snapshot)));
  });
});
