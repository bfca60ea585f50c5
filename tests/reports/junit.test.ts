import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { escapeXml, renderJunit } from "../../src/reports/junit.js";
import { sampleContext, sampleRun } from "./fixtures.js";

interface TestCase {
  "@_classname": string;
  "@_name": string;
  "@_file": string;
  "@_line": string;
  failure?: { "#text"?: string; "@_message": string; "@_type": string };
  error?: { "#text"?: string; "@_message": string; "@_type": string };
  skipped?: { "@_message": string; "@_type": string };
  "system-out"?: string;
}

function parse(xml: string): { suites: Array<Record<string, string>>; cases: TestCase[]; root: Record<string, string> } {
  const parser = new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => name === "testsuite" || name === "testcase",
    parseAttributeValue: false,
    htmlEntities: true,
  });
  const document = parser.parse(xml);
  const root = document.testsuites;
  const suites = root.testsuite as Array<Record<string, string> & { testcase: TestCase[] }>;
  return { root, suites, cases: suites.flatMap((suite) => suite.testcase) };
}

function byName(cases: TestCase[], name: string): TestCase {
  const found = cases.find((testCase) => testCase["@_name"] === name);
  if (!found) throw new Error(`no testcase named ${name}; have ${cases.map((item) => item["@_name"]).join(", ")}`);
  return found;
}

describe("junit report", () => {
  const xml = renderJunit(sampleRun(), sampleContext());

  it("is well-formed XML", () => {
    expect(XMLValidator.validate(xml)).toBe(true);
  });

  it("groups testcases by criterion series", () => {
    const { suites } = parse(xml);
    expect(suites.map((suite) => suite["@_name"])).toEqual(["A1", "C1", "CC6", "CC7", "P4", "PI1"]);
  });

  it("counts totals on the root and per suite", () => {
    const { root, suites, cases } = parse(xml);
    expect(root["@_tests"]).toBe(String(cases.length));
    expect(cases.length).toBe(12);
    expect(root["@_failures"]).toBe("6");
    expect(root["@_errors"]).toBe("1");
    expect(root["@_skipped"]).toBe("2");
    const cc6 = suites.find((suite) => suite["@_name"] === "CC6")!;
    expect(cc6["@_tests"]).toBe("4");
    expect(cc6["@_failures"]).toBe("3");
    expect(cc6["@_errors"]).toBe("1");
  });

  it("uses the primary criterion as classname", () => {
    const { cases } = parse(xml);
    expect(byName(cases, "s3-encrypted")["@_classname"]).toBe("C1.1");
    expect(byName(cases, "clerk-mfa / clerk.users")["@_classname"]).toBe("CC6.2");
  });

  it("points at the control file relative to the repository", () => {
    const { cases } = parse(xml);
    const testCase = byName(cases, "s3-encrypted");
    expect(testCase["@_file"]).toBe("controls/security/s3-encrypted.yaml");
    expect(testCase["@_line"]).toBe("1");
  });

  it("splits failing controls per failing resource", () => {
    const { cases } = parse(xml);
    const names = cases.filter((testCase) => testCase["@_name"].startsWith("rds-storage-encrypted")).map((testCase) => testCase["@_name"]);
    expect(names).toEqual([
      "rds-storage-encrypted / arn:aws:rds:eu-west-1:123456789012:db:prod",
      "rds-storage-encrypted / arn:aws:rds:eu-west-1:123456789012:db:a,b:c%d",
    ]);
    const first = byName(cases, names[0]!);
    expect(first.failure?.["@_message"]).toBe("storage encryption is off");
    expect(first.failure?.["#text"]).toContain("remediation: Restore from an encrypted snapshot.");
    expect(first.failure?.["#text"]).toContain('fields: {"storageEncrypted":false}');
  });

  it("keeps newlines and markup in messages", () => {
    const { cases } = parse(xml);
    const second = byName(cases, "rds-storage-encrypted / arn:aws:rds:eu-west-1:123456789012:db:a,b:c%d");
    expect(second.failure?.["@_message"]).toBe("storage encryption is off\nsecond line <b>&amp;</b> | pipe");
  });

  it("maps manual pending and overdue to failure", () => {
    const { cases } = parse(xml);
    expect(byName(cases, "restore-test").failure?.["@_type"]).toBe("pending");
    expect(byName(cases, "restore-test").skipped).toBeUndefined();
    expect(byName(cases, "access-review").failure?.["@_type"]).toBe("fail");
    expect(byName(cases, "access-review").failure?.["@_message"]).toContain("overdue since 2026-01-01");
  });

  it("maps collection errors to error", () => {
    const { cases } = parse(xml);
    const testCase = byName(cases, "clerk-mfa / clerk.users");
    expect(testCase.error?.["@_message"]).toBe("SOC2_CREDENTIALS_MISSING: CLERK_SECRET_KEY is not set");
    expect(testCase.failure).toBeUndefined();
  });

  it("maps not-applicable and skipped to skipped", () => {
    const { cases } = parse(xml);
    expect(byName(cases, "backup-bucket-versioned").skipped?.["@_type"]).toBe("not-applicable");
    expect(byName(cases, "pi-input-checks").skipped?.["@_message"]).toBe("source postgres is not configured");
  });

  it("passes waived controls with the exception in system-out", () => {
    const { cases } = parse(xml);
    const testCase = byName(cases, "pg-rls-forced");
    expect(testCase.failure).toBeUndefined();
    expect(testCase.error).toBeUndefined();
    expect(testCase["system-out"]).toContain("public.notes: waived until 2026-03-01: migration pending (ticket SEC-12, approved by cto)");
  });

  it("marks warn-only failures in the message", () => {
    const { cases } = parse(xml);
    expect(byName(cases, "trail-multiregion").failure?.["@_message"]).toContain("warn only");
  });

  it("replaces characters XML cannot carry", () => {
    const { cases } = parse(xml);
    const testCase = byName(cases, "hostile-text / res\uFFFDource </script>");
    expect(testCase.failure?.["@_message"]).toBe("value \uFFFD[31m red \u2028 sep");
  });
});

describe("escapeXml", () => {
  it("escapes markup and quotes", () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
  });

  it("replaces control characters and lone surrogates", () => {
    expect(escapeXml("a\u0000b\u001fc\uD800d\uFFFEe")).toBe("a\uFFFDb\uFFFDc\uFFFDd\uFFFDe");
  });

  it("keeps astral characters", () => {
    expect(escapeXml("\u{1F512}")).toBe("\u{1F512}");
  });
});
