import type { FilesConfig } from "../../collectors/files/config.js";
import type { Workspace } from "../../engine/run.js";
import { CollectorError, Soc2Error, type Problem } from "../../errors.js";
import type { DefineCommand } from "./index.js";

export const define: DefineCommand = (program, context) => {
  program
    .command("validate")
    .description("Check the configuration, every control file, the policy documents, attestation and incident records and exceptions, without contacting any source (exit 2 on any problem).")
    .option("-c, --config <file>", "configuration file")
    .option("--controls <dir>", "folder of control files (default: `controls` from the configuration)")
    .action(async (options: { config?: string; controls?: string }) => {
      const { openWorkspace } = await import("../../engine/run.js");
      const workspace = await openWorkspace({ configFile: options.config, controlsDir: options.controls, cwd: context.io.cwd });
      const now = context.io.now?.() ?? new Date();

      const problems = await checkRepositoryFiles(workspace, now, context.io.env);
      if (problems.length > 0) {
        throw new Soc2Error("SOC2_INPUT_INVALID", `${problems.length} problem(s) in the policy documents, attestation or incident records, or exceptions`, {
          problems,
          hint: "Fix each file listed; `soc2 attest` and `soc2 incident record` write valid records.",
        });
      }

      const count = workspace.controls.length;
      context.io.stdout(`${count} control${count === 1 ? "" : "s"} valid in scope; configuration ${workspace.loaded.file ? "valid" : "not found, defaults used"}. Policy documents, attestation and incident records and exceptions valid.\n`);
      context.exitCode = 0;
    });
};

/**
 * Reads the documents kept in the repository the way `check` does and returns every problem
 * found in them. Only repository files are read, so no configured source is contacted.
 */
async function checkRepositoryFiles(workspace: Workspace, now: Date, env: Readonly<Record<string, string | undefined>>): Promise<Problem[]> {
  const [{ policiesCollector }, { readAttestations }, { readIncidents }, { incidentsDir }, { loadExceptions }, { createClassifier }] = await Promise.all([
    import("../../collectors/files/policies.js"),
    import("../../attestations/store.js"),
    import("../../attestations/incidents.js"),
    import("../../collectors/files/incidents.js"),
    import("../../engine/exceptions.js"),
    import("../../config/classify.js"),
  ]);
  const files = (workspace.sources.get("files") ?? {}) as FilesConfig;
  const config = workspace.loaded.config;
  const readsPolicies = workspace.controls.some((control) => control.collector?.id === "files.policies");

  const problems: Problem[] = [];
  const gather = async (read: () => Promise<unknown>): Promise<void> => {
    try {
      await read();
    } catch (error) {
      if (!(error instanceof Soc2Error) || error.problems.length === 0) throw error;
      problems.push(...error.problems);
    }
  };

  await gather(async () => {
    try {
      await policiesCollector.collect({
        source: files,
        args: undefined,
        env,
        now,
        classify: createClassifier(config.classification),
        shared: (_key, open) => open(),
        debug: () => {},
        signal: new AbortController().signal,
      });
    } catch (error) {
      // A repository without a policies folder is fine until a control in scope reads it.
      if (!(error instanceof CollectorError)) throw error;
      if (readsPolicies) problems.push({ file: files.policies_dir ?? config.policies, message: error.message });
    }
  });
  if (files.attestations_dir) await gather(() => readAttestations(files.attestations_dir!));
  await gather(() => readIncidents(incidentsDir(files)));
  await gather(() => loadExceptions(workspace.exceptionsDir, { knownControls: workspace.catalogIds, maxDays: config.exception_max_days, now }));
  return problems;
}
