import { Option } from "commander";
import { SEVERITIES } from "../../catalog/constants.js";
import { collectList, parseInstant, parseSeverity } from "../options.js";
import type { DefineCommand } from "./index.js";

export const define: DefineCommand = (program, context) => {
  program
    .command("check")
    .description("Collect evidence from the configured sources, evaluate every control and report.")
    .option("-c, --config <file>", "configuration file", undefined)
    .option("--controls <dir>", "folder of control files (default: `controls` from the configuration)")
    .option("--only <ids>", "keep only these control ids, criteria (CC6.1), series (CC6), categories, tags, collectors or sources (postgres); repeatable or comma-separated", collectList)
    .option("-f, --format <formats>", "report formats, comma-separated: table, json, junit, sarif, markdown, html, oscal", collectList)
    .option("-o, --output <file>", "write the report to this file instead of stdout (one format only)")
    .option("--output-dir <dir>", "write each format to <dir>/soc2.<ext>; the table still goes to stdout")
    .addOption(new Option("--fail-on <severity>", `lowest severity whose failure makes the exit code 1 (${SEVERITIES.join(", ")})`).argParser(parseSeverity).default("low"))
    .option("--snapshot <path>", "evaluate over recorded collector output (a snapshot file, a folder of them, or an evidence bundle) instead of collecting")
    .option("--key <file>", "public key (PEM) that verifies a bundle given to --snapshot")
    .option("--save-snapshot <file>", "also write the collected snapshot (redacted) to this file")
    .option("--bundle", "write a signed evidence bundle to the evidence store")
    .option("--signing-key <file>", "private key (PEM) that signs the bundle; else evidence.signing_key_file or the env var named by evidence.signing_key_env")
    .option("--new-chain", "start a new evidence chain when the store has no readable chain head")
    .option("--baseline <file>", "previous results (soc2 check --format json): fail only on regressions against them")
    .option("--min-evaluated <share>", "fail (exit 3) when fewer than this share of controls in scope reached pass, fail or waived (0..1)", Number.parseFloat)
    .option("--now <time>", "evaluate as of this time (ISO-8601); default: now, or the snapshot's time when replaying", parseInstant)
    .option("--debug", "print debug lines on stderr (also DEBUG=soc2:*)")
    .action(async (options) => {
      const { runCheckCommand } = await import("../check-action.js");
      context.exitCode = await runCheckCommand(options, context.io);
    });
};
