import path from "node:path";
import { loadControls, type LoadedControl } from "../catalog/load.js";
import { builtinRegistry, loadCollectorModules } from "../collectors/registry.js";
import { loadConfig, type LoadedConfig } from "../config/load.js";

export interface Project {
  loaded: LoadedConfig;
  rootDir: string;
  /** Every control in the catalog, in scope or not. */
  controls: LoadedControl[];
  attestationsDir: string;
  incidentsDir: string;
  policiesDir: string;
  exceptionsDir: string;
}

export interface ProjectOptions {
  configFile?: string;
  controlsDir?: string;
  cwd: string;
}

/**
 * Loads the configuration and the whole control catalog, and resolves the repository folders the
 * attestation, incident, coverage and status commands read or write. Collects nothing.
 */
export async function openProject(options: ProjectOptions): Promise<Project> {
  const loaded = await loadConfig(options.configFile, options.cwd);
  const registry = builtinRegistry();
  await loadCollectorModules(registry, loaded.config.collector_modules, loaded.baseDir);

  const rootDir = loaded.baseDir;
  const controlsDir = options.controlsDir ? path.resolve(options.cwd, options.controlsDir) : path.resolve(rootDir, loaded.config.controls);
  const controls = await loadControls(controlsDir, { registry, rootDir, paramOverrides: loaded.config.params });

  return { loaded, rootDir, controls, ...projectFolders(loaded) };
}

/** Resolves the repository folders named by the configuration to absolute paths. */
export function projectFolders(loaded: LoadedConfig): Pick<Project, "attestationsDir" | "incidentsDir" | "policiesDir" | "exceptionsDir"> {
  const attestationsDir = path.resolve(loaded.baseDir, loaded.config.evidence.attestations);
  return {
    attestationsDir,
    // The incident register sits beside the attestations, where the runner reads it.
    incidentsDir: path.resolve(path.dirname(attestationsDir), "incidents"),
    policiesDir: path.resolve(loaded.baseDir, loaded.config.policies),
    exceptionsDir: path.resolve(loaded.baseDir, loaded.config.exceptions),
  };
}
