import { Option } from "commander";
import type { DefineCommand } from "./index.js";

export const define: DefineCommand = (program, context) => {
  program
    .command("keygen")
    .description("Create a key pair for signing evidence bundles: PREFIX.key (private, mode 0600) and PREFIX.pub. Never overwrites.")
    .addOption(new Option("--type <type>", "key algorithm").choices(["ed25519", "p256"]).default("ed25519"))
    .option("--out <prefix>", "path prefix of the two files", "soc2-signing")
    .action(async (options: { type: "ed25519" | "p256"; out: string }) => {
      const { keygenAction } = await import("../../evidence/commands.js");
      context.exitCode = await keygenAction(options, context.io);
    });
};
