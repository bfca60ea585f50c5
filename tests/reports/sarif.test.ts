import { readFileSync } from "node:fs";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { fingerprint, reporter } from "../../src/reports/sarif.js";
import { sampleContext, sampleRun } from "./fixtures.js";

const schema = JSON.parse(readFileSync(new URL("../../schemas/sarif-2.1.0.json", import.meta.url), "utf8"));

type Json = Record<string, any>;

describe("sarif report", () => {
  const ajv = new Ajv.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  const log = JSON.parse(reporter.render(sampleRun(), sampleContext())) as Json;
  const run = log.runs[0] as Json;
  const results = run.results as Json[];
  const byResource = (resource: string): Json => results.find((result) => result.properties.resource === resource)!;

  it("validates against the SARIF 2.1.0 schema", () => {
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it("rejects an invalid log", () => {
    const broken = structuredClone(log);
    broken.runs[0].results[0].level = "fatal";
    expect(validate(broken)).toBe(false);
  });

  it("declares one rule per control", () => {
    const rules = run.tool.driver.rules as Json[];
    expect(rules.map((rule) => rule.id)).toEqual(sampleRun().controls.map((control) => control.id));
    const rds = rules.find((rule) => rule.id === "rds-storage-encrypted")!;
    expect(rds.help.text).toBe("Restore from an encrypted snapshot.");
    expect(rds.properties["security-severity"]).toBe("9.5");
    expect(rds.properties.tags).toContain("CC6.1");
  });

  it("reports failing, erroring, pending and waived findings", () => {
    expect(results.map((result) => `${result.ruleId}:${result.properties.status}`)).toEqual([
      "rds-storage-encrypted:fail",
      "rds-storage-encrypted:fail",
      "pg-rls-forced:waived",
      "clerk-mfa:error",
      "restore-test:pending",
      "access-review:fail",
      "trail-multiregion:fail",
      "hostile-text:fail",
    ]);
  });

  it("locates every result in the control file", () => {
    for (const result of results) {
      const location = result.locations[0].physicalLocation;
      expect(location.artifactLocation.uriBaseId).toBe("%SRCROOT%");
      expect(location.artifactLocation.uri).toMatch(/^controls\/security\/[a-z0-9-]+\.yaml$/);
      expect(location.region.startLine).toBeGreaterThanOrEqual(1);
    }
    expect(byResource("arn:aws:rds:eu-west-1:123456789012:db:prod").locations[0].physicalLocation.region.startLine).toBe(3);
  });

  it("names the cloud resource in message and properties", () => {
    const result = byResource("arn:aws:rds:eu-west-1:123456789012:db:prod");
    expect(result.message.text).toContain("arn:aws:rds:eu-west-1:123456789012:db:prod");
    expect(result.level).toBe("error");
  });

  it("keeps fingerprints stable across runs", () => {
    const again = JSON.parse(reporter.render(sampleRun(), sampleContext())) as Json;
    expect(again.runs[0].results.map((result: Json) => result.partialFingerprints)).toEqual(results.map((result) => result.partialFingerprints));
    expect(byResource("public.notes").partialFingerprints["soc2ControlResource/v1"]).toBe(fingerprint("pg-rls-forced", "public.notes"));
  });

  it("gives each control and resource its own fingerprint", () => {
    const values = results.map((result) => result.partialFingerprints["soc2ControlResource/v1"]);
    expect(new Set(values).size).toBe(values.length);
  });

  it("suppresses waived findings externally", () => {
    const result = byResource("public.notes");
    expect(result.suppressions).toEqual([{ kind: "external", state: "accepted", justification: "waived until 2026-03-01: migration pending (ticket SEC-12, approved by cto)" }]);
  });

  it("downgrades errors and warn-only failures to warnings", () => {
    expect(byResource("clerk.users").level).toBe("warning");
    expect(results.find((result) => result.ruleId === "trail-multiregion")!.level).toBe("warning");
  });
});
