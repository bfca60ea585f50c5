import type { DefineCommand } from "./index.js";

export const define: DefineCommand = (program, context) => {
  program
    .command("criteria")
    .description("List the 61 AICPA Trust Services Criteria by series (titles are short summaries, not AICPA's wording).")
    .option("--json", "print as JSON")
    .action(async (options: { json?: boolean }) => {
      const { CRITERIA, SERIES } = await import("../../catalog/criteria.js");
      if (options.json) {
        context.io.stdout(`${JSON.stringify(CRITERIA, null, 2)}\n`);
        return;
      }
      const lines: string[] = [];
      for (const series of SERIES) {
        lines.push(`${series.id} ${series.title} (${series.category})`);
        for (const criterion of CRITERIA.filter((candidate) => candidate.series === series.id)) {
          lines.push(`  ${criterion.id.padEnd(6)} ${criterion.title}`);
        }
      }
      lines.push(`${CRITERIA.length} criteria`);
      context.io.stdout(`${lines.join("\n")}\n`);
    });
};
