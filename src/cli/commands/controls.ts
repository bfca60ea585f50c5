import type { DefineCommand } from "./index.js";

interface WorkspaceFlags {
  config?: string;
  controls?: string;
}

export const define: DefineCommand = (program, context) => {
  const controls = program.command("controls").description("List or show the controls of the catalog.");

  controls
    .command("list")
    .description("List every control in scope: id, type, category, severity, criteria.")
    .option("-c, --config <file>", "configuration file")
    .option("--controls <dir>", "folder of control files")
    .option("--json", "print as JSON")
    .action(async (options: WorkspaceFlags & { json?: boolean }) => {
      const { openWorkspace } = await import("../../engine/run.js");
      const workspace = await openWorkspace({ configFile: options.config, controlsDir: options.controls, cwd: context.io.cwd });
      const rows = workspace.controls.map((control) => ({
        id: control.spec.id,
        type: control.spec.type,
        category: control.spec.category,
        severity: control.spec.severity,
        criteria: control.spec.criteria.map((criterion) => criterion.id),
        collector: control.collector?.id ?? null,
        title: control.spec.title,
        file: control.file,
      }));
      if (options.json) {
        context.io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const width = Math.max(2, ...rows.map((row) => row.id.length));
      for (const row of rows) {
        context.io.stdout(`${row.id.padEnd(width)}  ${row.type.padEnd(9)} ${row.category.padEnd(20)} ${row.severity.padEnd(8)} ${row.criteria.join(",")}\n`);
      }
      context.io.stdout(`${rows.length} controls\n`);
    });

  controls
    .command("show <id>")
    .description("Print one control's definition exactly as its file has it.")
    .option("-c, --config <file>", "configuration file")
    .option("--controls <dir>", "folder of control files")
    .action(async (id: string, options: WorkspaceFlags) => {
      const { openWorkspace } = await import("../../engine/run.js");
      const { Soc2Error } = await import("../../errors.js");
      const workspace = await openWorkspace({ configFile: options.config, controlsDir: options.controls, cwd: context.io.cwd });
      const control = workspace.controls.find((candidate) => candidate.spec.id === id);
      if (!control) throw new Soc2Error("SOC2_USAGE", `no control "${id}" in scope`, { hint: "`soc2 controls list` shows the ids." });
      context.io.stdout(`# ${control.file}\n${control.source}${control.source.endsWith("\n") ? "" : "\n"}`);
    });
};
