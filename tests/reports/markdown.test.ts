import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../../src/reports/markdown.js";
import { sampleContext, sampleRun } from "./fixtures.js";

describe("markdown report", () => {
  const markdown = renderMarkdown(sampleRun(), sampleContext({ bundle: { name: "b.tar.gz", digest: "ef".repeat(32) } }));

  it("states score and counts", () => {
    expect(markdown).toContain("## SOC 2 check: score 33.3%");
    expect(markdown).toContain("| pass | fail | waived | error | pending | not-applicable | skipped |");
    expect(markdown).toContain("| 2 | 4 | 1 | 1 | 1 | 1 | 1 |");
  });

  it("names the evidence bundle", () => {
    expect(markdown).toContain(`Evidence bundle: \`b.tar.gz\` (sha256 \`${"ef".repeat(32)}\`).`);
  });

  it("lists failing controls with resources", () => {
    expect(markdown).toContain("### Failing controls (3)");
    expect(markdown).toContain("`arn:aws:rds:eu-west-1:123456789012:db:prod`, `arn:aws:rds:eu-west-1:123456789012:db:a,b:c%d`");
    expect(markdown).toContain("`trail-multiregion` (warn only)");
  });

  it("keeps table rows on one line", () => {
    const rows = markdown.split("\n").filter((line) => line.startsWith("| `hostile-text`"));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain("bad \uFFFD bytes \uFFFD and &lt;/script&gt;");
    expect(rows[0]).not.toContain("\u001b");
  });

  it("lists manual evidence due, errors and waivers", () => {
    expect(markdown).toContain("| `restore-test` | never recorded |");
    expect(markdown).toContain("| `access-review` | overdue |");
    expect(markdown).toContain("| `clerk-mfa` | `clerk.users` | SOC2\\_CREDENTIALS\\_MISSING: CLERK\\_SECRET\\_KEY is not set |");
    expect(markdown).toContain("| `pg-rls-forced` | `public.notes` | 2026-03-01 |");
  });

  it("escapes pipes inside cells", () => {
    const row = markdown.split("\n").find((line) => line.startsWith("| `rds-storage-encrypted`"))!;
    expect(row.split(/(?<!\\)\|/).length).toBe(8);
  });
});
