import { InvalidArgumentError } from "commander";
import { collectList } from "../options.js";
import type { DefineCommand } from "./index.js";

interface IncidentCliOptions {
  severity: number;
  detected: string;
  responded: string;
  resolved?: string;
  notified: string[];
  breach?: boolean;
  summary: string;
  config?: string;
}

function parseSeverityLevel(value: string): number {
  if (!["1", "2", "3"].includes(value)) throw new InvalidArgumentError("expected 1 (breach or compromise), 2 (degradation, minor security event) or 3 (minor issue)");
  return Number(value);
}

export const define: DefineCommand = (program, context) => {
  const incident = program.command("incident").description("The incident register kept beside the attestations (evidence/incidents/).");
  incident
    .command("record")
    .description("Record a security incident with its detection, response and resolution times.")
    .requiredOption("--severity <level>", "1 data breach or compromise (respond < 1 h), 2 degradation (< 4 h), 3 minor (< 24 h)", parseSeverityLevel)
    .requiredOption("--detected <time>", "when it was detected, ISO-8601 with offset, e.g. 2026-11-20T08:00:00Z")
    .requiredOption("--responded <time>", "when the response started, ISO-8601")
    .option("--resolved <time>", "when it was resolved, ISO-8601; leave out while open")
    .option("--notified <parties>", "who was notified, comma-separated: customers, regulators, employers, vendors, law-enforcement", collectList, [])
    .option("--breach", "personal or confidential data was disclosed (counts as a data breach)")
    .requiredOption("--summary <text>", "what happened, without personal data")
    .option("-c, --config <file>", "configuration file")
    .action(async (options: IncidentCliOptions) => {
      const { runIncidentRecord } = await import("../../attestations/commands.js");
      const line = await runIncidentRecord({
        severity: options.severity,
        detected: options.detected,
        responded: options.responded,
        resolved: options.resolved,
        notified: options.notified,
        dataBreach: options.breach === true,
        summary: options.summary,
        configFile: options.config,
        cwd: context.io.cwd,
        now: context.io.now?.() ?? new Date(),
      });
      context.io.stdout(`${line}\n`);
      context.exitCode = 0;
    });
};
