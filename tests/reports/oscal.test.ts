import { readFileSync } from "node:fs";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { assessmentResults, reporter, uuidV5 } from "../../src/reports/oscal.js";
import { sampleContext, sampleRun } from "./fixtures.js";

const schema = JSON.parse(readFileSync(new URL("../../schemas/oscal/oscal_assessment-results_schema.json", import.meta.url), "utf8"));

function validator() {
  // The NIST schema is draft-07 with unicode property escapes (\p{L}) in its patterns, which
  // Ajv compiles with the `u` flag; strict mode would reject its non-standard keywords' mix.
  const ajv = new Ajv.default({ strict: false, allErrors: true, unicodeRegExp: true });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

type Json = Record<string, any>;

describe("oscal report", () => {
  const validate = validator();
  const document = JSON.parse(reporter.render(sampleRun(), sampleContext({ bundle: { name: "soc2-2026-01-15T100000Z.tar.gz", digest: "ab".repeat(32) } }))) as Json;
  const results = document["assessment-results"] as Json;
  const result = results.results[0] as Json;

  it("validates against the NIST 1.1.3 schema", () => {
    const valid = validate(document);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it("validates without a bundle", () => {
    const plain = assessmentResults(sampleRun(), sampleContext());
    expect(validate(plain)).toBe(true);
  });

  it("rejects a broken document", () => {
    const broken = structuredClone(document);
    delete broken["assessment-results"].metadata["oscal-version"];
    expect(validate(broken)).toBe(false);
  });

  it("declares OSCAL version 1.1.3", () => {
    expect(results.metadata["oscal-version"]).toBe("1.1.3");
    expect(schema.$id).toBe("http://csrc.nist.gov/ns/oscal/1.1.3/oscal-ar-schema.json");
  });

  it("gives the same uuids for the same run", () => {
    const again = JSON.parse(reporter.render(sampleRun(), sampleContext())) as Json;
    expect(again["assessment-results"].uuid).toBe(results.uuid);
    expect(again["assessment-results"].results[0].findings.map((item: Json) => item.uuid)).toEqual(result.findings.map((item: Json) => item.uuid));
  });

  it("gives different uuids for another run", () => {
    const other = sampleRun();
    other.startedAt = "2026-01-16T10:00:00.000Z";
    expect((assessmentResults(other, sampleContext())["assessment-results"] as Json).uuid).not.toBe(results.uuid);
  });

  it("writes one finding per evaluated control", () => {
    const targets = result.findings.map((item: Json) => item.target["target-id"]);
    expect(targets).toHaveLength(10);
    expect(targets).not.toContain("pi-input-checks");
  });

  it("maps statuses to satisfied and not-satisfied", () => {
    const state = (id: string): string => result.findings.find((item: Json) => item.target["target-id"] === id).target.status.state;
    expect(state("s3-encrypted")).toBe("satisfied");
    expect(state("pg-rls-forced")).toBe("satisfied");
    expect(state("rds-storage-encrypted")).toBe("not-satisfied");
    expect(state("clerk-mfa")).toBe("not-satisfied");
    expect(state("restore-test")).toBe("not-satisfied");
    expect(state("access-review")).toBe("not-satisfied");
  });

  it("marks not-applicable controls in implementation status", () => {
    const finding = result.findings.find((item: Json) => item.target["target-id"] === "backup-bucket-versioned");
    expect(finding.target["implementation-status"].state).toBe("not-applicable");
  });

  it("uses TEST for automated and EXAMINE otherwise", () => {
    const methods = (id: string): string[] => result.observations.find((item: Json) => item.props[0].value === id).methods;
    expect(methods("rds-storage-encrypted")).toEqual(["TEST"]);
    expect(methods("restore-test")).toEqual(["EXAMINE"]);
    expect(methods("incident-policy")).toEqual(["EXAMINE"]);
  });

  it("points observations at the bundle and digest", () => {
    const evidence = result.observations[0]["relevant-evidence"][0];
    expect(evidence.href).toBe("soc2-2026-01-15T100000Z.tar.gz");
    expect(evidence.props[0].value).toBe(`sha256:${"ab".repeat(32)}`);
  });

  it("lists the criteria as reviewed controls", () => {
    const ids = result["reviewed-controls"]["control-selections"][0]["include-controls"].map((item: Json) => item["control-id"]);
    expect(ids).toEqual(["A1.2", "A1.3", "C1.1", "CC6.1", "CC6.2", "CC6.3", "CC7.2", "CC7.4", "P4.2", "PI1.2"]);
  });

  it("links each finding to its observation", () => {
    const observationIds = new Set(result.observations.map((item: Json) => item.uuid));
    for (const finding of result.findings) expect(observationIds.has(finding["related-observations"][0]["observation-uuid"])).toBe(true);
  });
});

describe("uuidV5", () => {
  it("matches the RFC 4122 DNS example", () => {
    // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
    expect(uuidV5("python.org", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe("886313e1-3b8a-5372-9b90-0c9aee199e5d");
  });
});
