/**
 * Decides whether a bucket policy denies every request made without TLS: a Deny statement for
 * all principals, on all S3 actions, covering the bucket and its objects, whose only condition is
 * aws:SecureTransport = false (Bool or BoolIfExists). This is the shape the AWS Config rule
 * s3-bucket-ssl-requests-only looks for; a narrower statement (some actions, some principals,
 * extra conditions) leaves non-TLS requests allowed somewhere, so it does not count.
 * A Deny on s3:TlsVersion below some version does not count either: a plain HTTP request has no
 * TLS version, so NumericLessThan on the missing key is false and the request is not denied.
 */
export function deniesInsecureTransport(policy: unknown, bucket: string): boolean {
  if (typeof policy !== "object" || policy === null) return false;
  const statements = asList((policy as { Statement?: unknown }).Statement);
  return statements.some((statement) => isTlsDeny(statement, bucket));
}

function isTlsDeny(statement: unknown, bucket: string): boolean {
  if (typeof statement !== "object" || statement === null) return false;
  const s = statement as Record<string, unknown>;
  if (s.Effect !== "Deny") return false;
  if ("NotPrincipal" in s || "NotAction" in s || "NotResource" in s) return false;
  if (!coversAllPrincipals(s.Principal)) return false;
  if (!asList(s.Action).some((action) => action === "*" || (typeof action === "string" && action.toLowerCase() === "s3:*"))) return false;

  const resources = asList(s.Resource).filter((resource): resource is string => typeof resource === "string");
  const coversBucket = resources.some((resource) => arnPatternMatches(resource, `arn:aws:s3:::${bucket}`));
  const coversObjects = resources.some((resource) => arnPatternMatches(resource, `arn:aws:s3:::${bucket}/*`));
  return coversBucket && coversObjects && conditionIsInsecureTransportOnly(s.Condition);
}

function coversAllPrincipals(principal: unknown): boolean {
  if (principal === "*") return true;
  if (typeof principal !== "object" || principal === null) return false;
  const aws = (principal as Record<string, unknown>).AWS;
  return asList(aws).includes("*");
}

function conditionIsInsecureTransportOnly(condition: unknown): boolean {
  if (typeof condition !== "object" || condition === null) return false;
  const operators = Object.entries(condition as Record<string, unknown>);
  if (operators.length !== 1) return false;
  const [operator, keys] = operators[0]!;
  if (operator !== "Bool" && operator !== "BoolIfExists") return false;
  if (typeof keys !== "object" || keys === null) return false;
  const entries = Object.entries(keys as Record<string, unknown>);
  if (entries.length !== 1) return false;
  const [key, value] = entries[0]!;
  // Condition key names are case-insensitive in IAM; the values are compared as strings.
  if (key.toLowerCase() !== "aws:securetransport") return false;
  const values = asList(value).map((item) => String(item).toLowerCase());
  return values.length === 1 && values[0] === "false";
}

/**
 * Matches a policy Resource against an ARN, with IAM's `*` and `?` wildcards. The partition is
 * ignored so aws-cn and aws-us-gov policies match alike.
 */
function arnPatternMatches(pattern: string, arn: string): boolean {
  if (pattern === "*") return true;
  const withoutPartition = (value: string) => value.replace(/^arn:[^:]*:/, "arn::");
  const escaped = withoutPartition(pattern).replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`).test(withoutPartition(arn));
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
