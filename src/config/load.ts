import { access } from "node:fs/promises";
import path from "node:path";
import type { Registry } from "../collectors/registry.js";
import { Soc2Error, type Problem } from "../errors.js";
import { locate, readYamlFile, zodProblems } from "../yaml-file.js";
import { configSchema, type Config } from "./schema.js";

export const DEFAULT_CONFIG_FILE = "soc2.config.yaml";

export interface LoadedConfig {
  /** Absolute path of the file read, or null when none exists and defaults apply. */
  file: string | null;
  /** Folder relative paths in the configuration resolve against. */
  baseDir: string;
  config: Config;
}

/**
 * Reads `soc2.config.yaml` (or the file given). Without a file every source is unconfigured and
 * the defaults apply; a file given explicitly must exist.
 */
export async function loadConfig(file: string | undefined, cwd: string): Promise<LoadedConfig> {
  const explicit = file !== undefined;
  const resolved = path.resolve(cwd, file ?? DEFAULT_CONFIG_FILE);
  if (!(await exists(resolved))) {
    if (explicit) throw new Soc2Error("SOC2_CONFIG_INVALID", `configuration file ${file} not found`, { hint: "Check the --config path, or run `soc2 init` to create one." });
    return { file: null, baseDir: cwd, config: configSchema.parse({ version: 1 }) };
  }

  const display = path.relative(cwd, resolved) || resolved;
  const { parsed, problems } = await readYamlFile(resolved, display);
  if (!parsed) throw invalid(problems);

  const result = configSchema.safeParse(parsed.value, { reportInput: true });
  if (!result.success) throw invalid(zodProblems(parsed, result.error));
  return { file: resolved, baseDir: path.dirname(resolved), config: result.data };
}

/**
 * Validates each `sources.<name>` section with its source's own schema. Runs after collector
 * modules are loaded, since they may add sources.
 */
export async function resolveSources(loaded: LoadedConfig, registry: Registry): Promise<Map<string, unknown>> {
  const resolved = new Map<string, unknown>();
  const problems: Problem[] = [];
  const parsed = loaded.file ? (await readYamlFile(loaded.file, path.basename(loaded.file))).parsed : undefined;

  for (const [id, section] of Object.entries(loaded.config.sources)) {
    const source = registry.sources.get(id);
    const file = parsed?.file ?? DEFAULT_CONFIG_FILE;
    if (!source) {
      const known = [...registry.sources.keys()].filter((name) => !registry.sources.get(name)!.always).sort().join(", ");
      problems.push({ file, ...(parsed ? locate(parsed, ["sources", id], true) : {}), field: `sources.${id}`, message: `unknown source "${id}" (known: ${known})` });
      continue;
    }
    const result = source.config.safeParse(section ?? {}, { reportInput: true });
    if (!result.success) {
      if (parsed) problems.push(...zodProblems(parsed, result.error, ["sources", id]));
      else problems.push({ file, field: `sources.${id}`, message: result.error.message });
      continue;
    }
    resolved.set(id, result.data);
  }

  if (problems.length > 0) throw invalid(problems);
  return resolved;
}

function invalid(problems: Problem[]): Soc2Error {
  return new Soc2Error("SOC2_CONFIG_INVALID", "the configuration is invalid", {
    problems,
    hint: "Secrets are never values in the file: name the environment variable that holds them (the *_env keys).",
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
