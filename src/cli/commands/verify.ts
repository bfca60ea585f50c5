import type { DefineCommand } from "./index.js";

export const define: DefineCommand = (program, context) => {
  program
    .command("verify")
    .description("Verify an evidence bundle offline: signature, every member digest, no missing or extra member, and the chain link (exit 0 valid, 2 invalid).")
    .argument("<bundle>", "bundle file (.tar.gz)")
    .requiredOption("--key <file>", "signer's public key (PEM), e.g. the .pub file from soc2 keygen; a private key works but prints a warning")
    .option("--previous <bundle>", "the bundle this one should follow in the chain")
    .action(async (bundle: string, options: { key: string; previous?: string }) => {
      const { verifyAction } = await import("../../evidence/commands.js");
      context.exitCode = await verifyAction(bundle, options, context.io);
    });
};
