import path from "node:path";
import type { DefineCommand } from "./index.js";

export const define: DefineCommand = (program, context) => {
  program
    .command("init")
    .description("Scaffold a compliance repository: commented config, the control catalog, policy templates, evidence folders and CI templates.")
    .argument("[dir]", "folder to create or fill (default: the current folder)")
    .action(async (dir: string | undefined) => {
      const { initRepository, packagedSources } = await import("../../init/index.js");
      const target = path.resolve(context.io.cwd, dir ?? ".");
      const result = await initRepository(target, await packagedSources());
      const controls = result.written.filter((file) => file.startsWith(`controls${path.sep}`)).length;
      const policies = result.written.filter((file) => file.startsWith(`policies${path.sep}`)).length;
      context.io.stdout(
        `created ${path.relative(context.io.cwd, target) || "."}: soc2.config.yaml, ${controls} controls, ${policies} policy templates, evidence/ and exceptions/`
        + `${result.ciTemplates ? ", CI templates" : " (no CI templates ship with this version)"}\n`
        + "Next: fill in sources in soc2.config.yaml, approve the policies, then run `soc2 validate` and `soc2 check`.\n",
      );
      context.exitCode = 0;
    });
};
