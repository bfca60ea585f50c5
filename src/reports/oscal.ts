import { createHash } from "node:crypto";
import type { ControlResult, RunResult } from "../engine/types.js";
import type { ReportContext, Reporter } from "./types.js";

/** The OSCAL release whose assessment-results schema this output is validated against. */
export const OSCAL_VERSION = "1.1.3";

/**
 * OSCAL assessment-results JSON. Each control becomes an observation (method TEST for automated
 * controls, EXAMINE for manual and policy ones) and, unless its source was not configured, a
 * finding whose target is the control id. Criteria go into `reviewed-controls`. UUIDs are
 * version-5 UUIDs derived from the run's start time and the object they name, so rendering the
 * same run twice gives the same document.
 */
export const reporter: Reporter = {
  id: "oscal",
  extension: "oscal.json",
  render: (run, context) => `${JSON.stringify(assessmentResults(run, context), null, 2)}\n`,
};

/** Namespace for soc2's version-5 UUIDs (itself a random version-4 UUID, fixed forever). */
const SOC2_NAMESPACE = "6f1d2c47-3b8e-4a59-9c0e-2d7b5a91e8f3";

export function assessmentResults(run: RunResult, context: ReportContext): Record<string, unknown> {
  const id = (name: string): string => uuidV5(`${run.startedAt}/${name}`, SOC2_NAMESPACE);
  const toolComponent = id("component/soc2");
  const catalogResource = id("resource/controls");

  const observations = run.controls.map((control) => observation(control, run, context, id, toolComponent));
  const findings = run.controls
    .filter((control) => control.status !== "skipped")
    .map((control) => finding(control, id, toolComponent));
  const criteria = [...new Set(run.controls.flatMap((control) => control.criteria.map((criterion) => criterion.id)))].sort();

  const result: Record<string, unknown> = {
    uuid: id("result"),
    title: `soc2 check started ${run.startedAt}`,
    description: `Automated and manual SOC 2 control tests run by soc2 ${run.tool.version}: ${describeCounts(run)}.`,
    start: run.startedAt,
    end: run.finishedAt,
    props: [
      { name: "score", ns: "urn:soc2:oscal", value: run.summary.score === null ? "n/a" : run.summary.score.toFixed(4) },
      { name: "exit-code", ns: "urn:soc2:oscal", value: String(run.summary.exitCode) },
    ],
    "local-definitions": {
      components: [{
        uuid: toolComponent,
        type: "software",
        title: "soc2",
        description: `soc2 ${run.tool.version}, the compliance-as-code CLI that collected the evidence and evaluated the controls.`,
        status: { state: "operational" },
      }],
      "assessment-assets": {
        "assessment-platforms": [{
          uuid: id("platform"),
          title: `soc2 ${run.tool.version}`,
          "uses-components": [{ "component-uuid": toolComponent }],
        }],
      },
    },
    "reviewed-controls": {
      description: "AICPA Trust Services Criteria (2017, points of focus revised 2022) covered by the evaluated controls.",
      "control-selections": [criteria.length === 0 ? { "include-all": {} } : { "include-controls": criteria.map((criterion) => ({ "control-id": criterion })) }],
    },
  };
  if (observations.length > 0) result.observations = observations;
  if (findings.length > 0) result.findings = findings;

  return {
    "assessment-results": {
      uuid: id("assessment-results"),
      metadata: {
        title: "SOC 2 control test results",
        "last-modified": run.finishedAt,
        version: run.startedAt,
        "oscal-version": OSCAL_VERSION,
      },
      "import-ap": {
        href: `#${catalogResource}`,
        remarks: "soc2 has no separate assessment plan: the plan is the control catalog referenced in back-matter.",
      },
      results: [result],
      "back-matter": {
        resources: [{
          uuid: catalogResource,
          title: "soc2 control catalog",
          description: "The control definitions (controls/<category>/<id>.yaml) that were evaluated.",
          rlinks: [{ href: "controls/" }],
        }],
      },
    },
  };
}

function observation(control: ControlResult, run: RunResult, context: ReportContext, id: (name: string) => string, toolComponent: string): Record<string, unknown> {
  const nonPassing = control.findings.filter((item) => item.status !== "pass");
  const lines = [control.reason, ...nonPassing.map((item) => `${item.status} ${item.resource}${item.message ? `: ${item.message}` : ""}`)];
  const entry: Record<string, unknown> = {
    uuid: id(`observation/${control.id}`),
    title: control.title,
    description: lines.join("\n"),
    props: [
      { name: "control-id", ns: "urn:soc2:oscal", value: control.id },
      { name: "status", ns: "urn:soc2:oscal", value: control.status },
      { name: "severity", ns: "urn:soc2:oscal", value: control.severity },
      { name: "resources", ns: "urn:soc2:oscal", value: String(control.findings.length) },
    ],
    methods: [control.type === "automated" ? "TEST" : "EXAMINE"],
    types: ["control-objective"],
    origins: [{ actors: [{ type: "tool", "actor-uuid": toolComponent }] }],
    collected: run.startedAt,
  };
  if (context.bundle) {
    entry["relevant-evidence"] = [{
      href: context.bundle.name,
      description: `Evidence bundle ${context.bundle.name} with the raw collector output, the control text and a signed manifest.`,
      props: [{ name: "digest", ns: "urn:soc2:oscal", value: `sha256:${context.bundle.digest}`, class: "sha256" }],
    }];
  }
  return entry;
}

function finding(control: ControlResult, id: (name: string) => string, toolComponent: string): Record<string, unknown> {
  const satisfied = control.status === "pass" || control.status === "waived" || control.status === "not-applicable";
  const reason = control.status === "pass" ? "pass" : control.status === "fail" || control.status === "pending" ? "fail" : "other";
  const status: Record<string, unknown> = { state: satisfied ? "satisfied" : "not-satisfied", reason };
  if (control.status === "waived") status.remarks = `Waived by an approved exception: ${control.reason}`;
  if (control.status === "error") status.remarks = `Evidence could not be collected or evaluated, so the objective is not shown to be satisfied: ${control.reason}`;
  if (control.status === "pending") status.remarks = `No manual evidence has been recorded: ${control.reason}`;

  const target: Record<string, unknown> = {
    type: "objective-id",
    "target-id": control.id,
    title: control.title,
    status,
  };
  if (control.status === "not-applicable") target["implementation-status"] = { state: "not-applicable", remarks: control.reason };

  const entry: Record<string, unknown> = {
    uuid: id(`finding/${control.id}`),
    title: `${control.id}: ${control.status}`,
    description: control.reason,
    origins: [{ actors: [{ type: "tool", "actor-uuid": toolComponent }] }],
    target,
    "related-observations": [{ "observation-uuid": id(`observation/${control.id}`) }],
  };
  if (control.criteria.length > 0) {
    entry.props = control.criteria.map((criterion) => ({ name: "criterion", ns: "urn:soc2:oscal", value: criterion.id, class: criterion.link }));
  }
  return entry;
}

function describeCounts(run: RunResult): string {
  return Object.entries(run.summary.counts)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`)
    .join(", ") || "no controls";
}

/** A name-based UUID, version 5 (SHA-1), as RFC 4122 section 4.3 defines it. */
export function uuidV5(name: string, namespace: string): string {
  const namespaceBytes = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(namespaceBytes).update(name, "utf8").digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
