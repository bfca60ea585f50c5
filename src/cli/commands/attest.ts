import type { DefineCommand } from "./index.js";

interface AttestCliOptions {
  by: string;
  date: string;
  file: string[];
  note?: string;
  metric: string[];
  config?: string;
  controls?: string;
}

export const define: DefineCommand = (program, context) => {
  program
    .command("attest")
    .description("Record that a manual control's activity happened; attached files are hashed (SHA-256) and copied into the evidence store.")
    .argument("<control>", "id of a manual control")
    .requiredOption("--by <name>", "who performed or signs off the activity")
    .requiredOption("--date <date>", "day the activity happened, YYYY-MM-DD (UTC); not in the future")
    .option("--file <path>", "evidence file to attach; repeat for several", (value: string, previous: string[]) => [...previous, value], [])
    .option("--note <text>", "short note stored with the record")
    .option("--metric <name=value>", "measured figure, e.g. rto_minutes=130 or uptime_percent=99.95; repeat for several", (value: string, previous: string[]) => [...previous, value], [])
    .option("-c, --config <file>", "configuration file")
    .option("--controls <dir>", "folder of control files (default: `controls` from the configuration)")
    .action(async (control: string, options: AttestCliOptions) => {
      const { runAttest, parseMetric } = await import("../../attestations/commands.js");
      const metrics = options.metric.reduce<Record<string, number>>((all, text) => parseMetric(text, all), {});
      const line = await runAttest({
        control,
        by: options.by,
        date: options.date,
        files: options.file,
        note: options.note,
        metrics,
        configFile: options.config,
        controlsDir: options.controls,
        cwd: context.io.cwd,
        now: context.io.now?.() ?? new Date(),
      });
      context.io.stdout(`${line}\n`);
      context.exitCode = 0;
    });
};
