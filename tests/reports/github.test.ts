import { describe, expect, it } from "vitest";
import { capSummary, escapeData, escapeProperty, githubOutputs, STEP_SUMMARY_LIMIT } from "../../src/reports/github.js";
import { renderMarkdown } from "../../src/reports/markdown.js";
import { control, sampleContext, sampleRun } from "./fixtures.js";

/** Parse a workflow command line the way the runner does: properties, then unescaped message. */
function parseCommand(line: string): { command: string; properties: Record<string, string>; message: string } {
  const match = /^::(\w+) (.*?)::(.*)$/.exec(line);
  if (!match) throw new Error(`not a workflow command: ${line}`);
  const unescape = (text: string): string => text.replace(/%0A/g, "\n").replace(/%0D/g, "\r").replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%25/g, "%");
  const properties = Object.fromEntries(match[2]!.split(",").map((pair) => {
    const [key, value] = pair.split("=");
    return [key!, unescape(value!)];
  }));
  return { command: match[1]!, properties, message: unescape(match[3]!) };
}

describe("github outputs", () => {
  const { annotations, summary } = githubOutputs(sampleRun(), sampleContext(), {});
  const lines = annotations.trimEnd().split("\n");

  it("annotates each failing or erroring finding", () => {
    expect(lines).toHaveLength(7);
    for (const line of lines) expect(line.includes("\n")).toBe(false);
  });

  it("points annotations at the control file and line", () => {
    const rds = parseCommand(lines.find((line) => line.includes("rds-storage-encrypted"))!);
    expect(rds.command).toBe("error");
    expect(rds.properties.file).toBe("controls/security/rds-storage-encrypted.yaml");
    expect(rds.properties.line).toBe("3");
    expect(rds.properties.title).toBe("soc2 rds-storage-encrypted (CC6.1, critical)");
  });

  it("round-trips escaped messages", () => {
    const odd = lines.map(parseCommand).find((command) => command.message.startsWith("arn:aws:rds:eu-west-1:123456789012:db:a,b:c%d"))!;
    expect(odd.message).toBe("arn:aws:rds:eu-west-1:123456789012:db:a,b:c%d: storage encryption is off\nsecond line <b>&amp;</b> | pipe\nRemediation: Restore from an encrypted snapshot.");
  });

  it("warns for warn-only controls", () => {
    const warn = lines.map(parseCommand).filter((command) => command.command === "warning");
    expect(warn.map((command) => command.properties.title)).toEqual(["soc2 trail-multiregion (CC7.2, low) warn only"]);
  });

  it("annotates errors and pending manual evidence as errors", () => {
    const titles = lines.map(parseCommand).filter((command) => command.command === "error").map((command) => command.properties.title);
    expect(titles).toContain("soc2 clerk-mfa (CC6.2, medium)");
    expect(titles).toContain("soc2 restore-test (A1.3, high)");
  });

  it("writes the Markdown report as summary", () => {
    expect(summary).toBe(renderMarkdown(sampleRun(), sampleContext()));
  });

  it("links control files when the repository is known", () => {
    const linked = githubOutputs(sampleRun(), sampleContext(), { GITHUB_SERVER_URL: "https://github.example", GITHUB_REPOSITORY: "acme/app", GITHUB_SHA: "abc123" }).summary;
    expect(linked).toContain("- [`rds-storage-encrypted`](https://github.example/acme/app/blob/abc123/controls/security/rds-storage-encrypted.yaml#L3)");
  });

  it("returns no annotations for a clean run", () => {
    const run = sampleRun();
    run.controls = [control({ id: "ok", status: "pass" })];
    expect(githubOutputs(run, sampleContext(), {}).annotations).toBe("");
  });

  it("caps a huge summary at the step limit", () => {
    const run = sampleRun();
    run.controls = Array.from({ length: 6000 }, (_, index) => control({
      id: `control-${index}`,
      status: "fail",
      findings: [{ resource: `resource-${index}-${"x".repeat(150)}`, status: "fail", message: "é".repeat(50) }],
    }));
    const capped = githubOutputs(run, sampleContext(), {}).summary;
    expect(Buffer.byteLength(capped, "utf8")).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT);
    expect(capped).toContain("The summary was truncated");
  });
});

describe("workflow command escaping", () => {
  it("escapes percent, CR and LF in data", () => {
    expect(escapeData("50% done\r\nnext")).toBe("50%25 done%0D%0Anext");
  });

  it("escapes colon and comma in properties", () => {
    expect(escapeProperty("a:b,c%\n")).toBe("a%3Ab%2Cc%25%0A");
  });
});

describe("capSummary", () => {
  it("keeps short text unchanged", () => {
    expect(capSummary("# ok\n", 100)).toBe("# ok\n");
  });

  it("cuts at a line boundary within the limit", () => {
    const text = `${"line\n".repeat(100)}`;
    const capped = capSummary(text, 300);
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(300);
    expect(capped.split("\n")[0]).toBe("line");
    expect(capped).toMatch(/line\n\n> The summary was truncated/);
  });
});
