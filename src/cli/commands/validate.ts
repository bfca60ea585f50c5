import type { DefineCommand } from "./index.js";

export const define: DefineCommand = (program, context) => {
  program
    .command("validate")
    .description("Check the configuration and every control file without collecting anything (exit 2 on any problem).")
    .option("-c, --config <file>", "configuration file")
    .option("--controls <dir>", "folder of control files (default: `controls` from the configuration)")
    .action(async (options: { config?: string; controls?: string }) => {
      const { openWorkspace } = await import("../../engine/run.js");
      const workspace = await openWorkspace({ configFile: options.config, controlsDir: options.controls, cwd: context.io.cwd });
      const count = workspace.controls.length;
      context.io.stdout(`${count} control${count === 1 ? "" : "s"} valid in scope; configuration ${workspace.loaded.file ? "valid" : "not found, defaults used"}.\n`);
      context.exitCode = 0;
    });
};
