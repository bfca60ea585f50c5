import type { ControlResult, Finding, RunResult } from "../engine/types.js";
import { criterionSeries, primaryCriterion, repoRelativePath } from "./common.js";
import type { ReportContext, Reporter } from "./types.js";

/**
 * JUnit XML as GitLab and Jenkins read it. One `testsuite` per criterion series (CC6, A1, C1 …)
 * of each control's primary criterion; `classname` is that criterion and `name` the control id.
 *
 * Granularity: a control that fails or errors on individual resources gets one testcase per
 * failing or erroring resource, named `control / resource`, so a CI view lists each broken
 * resource. Every other control is one testcase. Status mapping: `failure` for fail, pending and
 * overdue manual controls; `error` for evidence that could not be collected; `skipped` for
 * not-applicable and unconfigured sources; waived passes with the exception in `system-out`.
 */
export const reporter: Reporter = {
  id: "junit",
  extension: "junit.xml",
  render: renderJunit,
};

interface TestCase {
  suite: string;
  classname: string;
  name: string;
  file: string;
  line: number;
  outcome?: { element: "failure" | "error" | "skipped"; type: string; message: string; text: string };
  systemOut?: string;
}

export function renderJunit(run: RunResult, context: ReportContext): string {
  const cases = run.controls.flatMap((control) => testCases(control, context));
  const suites = new Map<string, TestCase[]>();
  for (const testCase of cases) {
    const list = suites.get(testCase.suite) ?? [];
    list.push(testCase);
    suites.set(testCase.suite, list);
  }

  const seconds = Math.max(0, (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(`<testsuites name="soc2" ${countAttributes(cases)} time="${seconds.toFixed(3)}" timestamp="${escapeXml(run.startedAt)}">`);
  for (const [suite, suiteCases] of [...suites.entries()].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))) {
    lines.push(`  <testsuite name="${escapeXml(suite)}" ${countAttributes(suiteCases)} timestamp="${escapeXml(run.startedAt)}">`);
    for (const testCase of suiteCases) lines.push(...renderTestCase(testCase));
    lines.push("  </testsuite>");
  }
  lines.push("</testsuites>");
  return `${lines.join("\n")}\n`;
}

function testCases(control: ControlResult, context: ReportContext): TestCase[] {
  const classname = primaryCriterion(control);
  const base = {
    suite: criterionSeries(classname),
    classname,
    name: control.id,
    file: repoRelativePath(control.file, context.rootDir),
    line: control.line,
  };
  const warnNote = control.warnOnly ? " (warn only: the control is not yet in effect, so this does not block)" : "";

  switch (control.status) {
    case "pass":
      return [base];
    case "waived":
      return [{ ...base, systemOut: waivedText(control) }];
    case "not-applicable":
    case "skipped":
      return [{ ...base, outcome: { element: "skipped", type: control.status, message: control.reason, text: "" } }];
    case "pending":
      return [{ ...base, outcome: { element: "failure", type: "pending", message: `${control.reason}${warnNote}`, text: controlText(control) } }];
    case "fail":
    case "error": {
      const element = control.status === "fail" ? "failure" : "error";
      const perResource = control.type === "automated"
        ? control.findings.filter((finding) => finding.status === control.status)
        : [];
      if (perResource.length === 0) {
        return [{ ...base, outcome: { element, type: control.status, message: `${control.reason}${warnNote}`, text: controlText(control) } }];
      }
      return perResource.map((finding) => ({
        ...base,
        name: `${control.id} / ${finding.resource}`,
        outcome: { element, type: finding.status, message: `${finding.message ?? control.reason}${warnNote}`, text: findingText(control, finding) },
      }));
    }
  }
}

function waivedText(control: ControlResult): string {
  const lines = [`waived: ${control.reason}`];
  for (const finding of control.findings.filter((item) => item.status === "waived")) {
    lines.push(`${finding.resource}: ${finding.message ?? "waived"}`);
  }
  return lines.join("\n");
}

function controlText(control: ControlResult): string {
  const lines = [`${control.title}`, `severity: ${control.severity}`, `criteria: ${control.criteria.map((criterion) => criterion.id).join(", ")}`];
  for (const finding of control.findings.filter((item) => item.status !== "pass")) {
    lines.push(`${finding.status} ${finding.resource}${finding.message ? `: ${finding.message}` : ""}`);
  }
  if (control.remediation) lines.push(`remediation: ${control.remediation}`);
  return lines.join("\n");
}

function findingText(control: ControlResult, finding: Finding): string {
  const lines = [`${control.title}`, `resource: ${finding.resource}`, `severity: ${control.severity}`];
  if (finding.message) lines.push(`message: ${finding.message}`);
  if (finding.assertion) lines.push(`assertion: ${finding.assertion}`);
  if (finding.fields) lines.push(`fields: ${JSON.stringify(finding.fields)}`);
  if (control.remediation) lines.push(`remediation: ${control.remediation}`);
  return lines.join("\n");
}

function renderTestCase(testCase: TestCase): string[] {
  const open = `    <testcase classname="${escapeXml(testCase.classname)}" name="${escapeXml(testCase.name)}" file="${escapeXml(testCase.file)}" line="${testCase.line}"`;
  if (!testCase.outcome && !testCase.systemOut) return [`${open}/>`];

  const lines = [`${open}>`];
  const outcome = testCase.outcome;
  if (outcome) {
    const attributes = `message="${escapeXml(outcome.message)}" type="${escapeXml(outcome.type)}"`;
    lines.push(outcome.text === "" ? `      <${outcome.element} ${attributes}/>` : `      <${outcome.element} ${attributes}>${escapeXml(outcome.text)}</${outcome.element}>`);
  }
  if (testCase.systemOut) lines.push(`      <system-out>${escapeXml(testCase.systemOut)}</system-out>`);
  lines.push("    </testcase>");
  return lines;
}

function countAttributes(cases: TestCase[]): string {
  const count = (element: string): number => cases.filter((testCase) => testCase.outcome?.element === element).length;
  return `tests="${cases.length}" failures="${count("failure")}" errors="${count("error")}" skipped="${count("skipped")}"`;
}

/**
 * Escape text for XML 1.0 content and attribute values. Characters XML 1.0 cannot carry at all
 * (most C0 controls, lone surrogates, U+FFFE/U+FFFF) become U+FFFD; tab, CR and LF are written
 * as character references so attribute values keep them.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\t/g, "&#9;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;");
}
