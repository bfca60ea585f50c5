import { describe, expect, test } from "vitest";
import { deniesInsecureTransport } from "../../../src/collectors/aws/s3-policy.js";

const BUCKET = "platform-uploads";
const BOTH = [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`];

function deny(overrides: Record<string, unknown>): Record<string, unknown> {
  return { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: BOTH, Condition: { Bool: { "aws:SecureTransport": "false" } }, ...overrides };
}

const cases: Array<[string, unknown, boolean]> = [
  ["single statement object", { Statement: deny({}) }, true],
  ["statement array", { Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${BOTH[0]}/*` }, deny({})] }, true],
  ["BoolIfExists", { Statement: [deny({ Condition: { BoolIfExists: { "aws:SecureTransport": "false" } } })] }, true],
  ["boolean false value", { Statement: [deny({ Condition: { Bool: { "aws:SecureTransport": false } } })] }, true],
  ["value in a list", { Statement: [deny({ Condition: { Bool: { "aws:SecureTransport": ["false"] } } })] }, true],
  ["key in other case", { Statement: [deny({ Condition: { Bool: { "AWS:SecureTransport": "false" } } })] }, true],
  ["principal AWS star", { Statement: [deny({ Principal: { AWS: "*" } })] }, true],
  ["action star", { Statement: [deny({ Action: "*" })] }, true],
  ["resource wildcard over both", { Statement: [deny({ Resource: `arn:aws:s3:::${BUCKET}*` })] }, true],
  ["resource star", { Statement: [deny({ Resource: "*" })] }, true],
  ["allow instead of deny", { Statement: [deny({ Effect: "Allow" })] }, false],
  ["secure transport true", { Statement: [deny({ Condition: { Bool: { "aws:SecureTransport": "true" } } })] }, false],
  ["objects only", { Statement: [deny({ Resource: `arn:aws:s3:::${BUCKET}/*` })] }, false],
  ["another bucket", { Statement: [deny({ Resource: ["arn:aws:s3:::other", "arn:aws:s3:::other/*"] })] }, false],
  ["some actions only", { Statement: [deny({ Action: ["s3:GetObject"] })] }, false],
  ["one principal only", { Statement: [deny({ Principal: { AWS: "arn:aws:iam::111122223333:root" } })] }, false],
  ["extra narrowing condition", { Statement: [deny({ Condition: { Bool: { "aws:SecureTransport": "false" }, StringEquals: { "aws:PrincipalAccount": "111122223333" } } })] }, false],
  ["NotPrincipal", { Statement: [deny({ NotPrincipal: { AWS: "arn:aws:iam::111122223333:root" } })] }, false],
  ["TLS version only", { Statement: [deny({ Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } })] }, false],
  ["no statements", { Version: "2012-10-17" }, false],
  ["principal AWS star in a list", { Statement: [deny({ Principal: { AWS: ["*"] } })] }, true],
  ["action in upper case", { Statement: [deny({ Action: ["S3:*"] })] }, true],
  ["TLS version deny beside secure transport deny", { Statement: [deny({ Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } } }), deny({})] }, true],
  ["action list that misses actions", { Statement: [deny({ Action: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"] })] }, false],
  ["NotAction", { Statement: [deny({ Action: undefined, NotAction: "s3:GetObject" })] }, false],
  ["bucket only", { Statement: [deny({ Resource: `arn:aws:s3:::${BUCKET}` })] }, false],
  ["bucket name prefix of another", { Statement: [deny({ Resource: [`arn:aws:s3:::${BUCKET}-logs`, `arn:aws:s3:::${BUCKET}-logs/*`] })] }, false],
];

describe("deniesInsecureTransport", () => {
  test.each(cases)("%s", (_name, policy, expected) => {
    expect(deniesInsecureTransport(policy, BUCKET)).toBe(expected);
  });
});
