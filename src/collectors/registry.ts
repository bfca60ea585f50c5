import { pathToFileURL } from "node:url";
import path from "node:path";
import { Soc2Error } from "../errors.js";
import type { Collector, Source } from "./types.js";
import { source as postgres } from "./postgres/index.js";
import { source as aws } from "./aws/index.js";
import { source as clerk } from "./clerk/index.js";
import { source as files } from "./files/index.js";

/**
 * Sources and collectors by id. Built-ins register here through the same `Source` interface a
 * user's own module exports, so both are looked up and evaluated alike.
 */
export class Registry {
  readonly sources = new Map<string, Source>();
  readonly collectors = new Map<string, Collector>();

  add(source: Source): void {
    if (this.sources.has(source.id)) {
      throw new Soc2Error("SOC2_CONFIG_INVALID", `source "${source.id}" is registered twice`);
    }
    this.sources.set(source.id, source);
    for (const collector of source.collectors) {
      if (this.collectors.has(collector.id)) {
        throw new Soc2Error("SOC2_CONFIG_INVALID", `collector "${collector.id}" is registered twice`);
      }
      if (collector.source !== source.id) {
        throw new Soc2Error(
          "SOC2_CONFIG_INVALID",
          `collector "${collector.id}" names source "${collector.source}" but is registered under "${source.id}"`,
        );
      }
      this.collectors.set(collector.id, collector as Collector);
    }
  }
}

export function builtinRegistry(): Registry {
  const registry = new Registry();
  for (const source of [postgres, aws, clerk, files] as Source[]) registry.add(source);
  return registry;
}

/**
 * Loads the collector modules listed in the configuration. Each module's default export (or its
 * `source` export) is a Source or a list of them.
 */
export async function loadCollectorModules(registry: Registry, modules: string[], baseDir: string): Promise<void> {
  for (const specifier of modules) {
    const resolved = specifier.startsWith(".") || path.isAbsolute(specifier)
      ? pathToFileURL(path.resolve(baseDir, specifier)).href
      : specifier;
    let loaded: Record<string, unknown>;
    try {
      loaded = (await import(resolved)) as Record<string, unknown>;
    } catch (error) {
      throw new Soc2Error("SOC2_CONFIG_INVALID", `collector module "${specifier}" could not be loaded: ${(error as Error).message}`, {
        hint: "Check the path in collector_modules; it is resolved against the configuration file's folder.",
        cause: error,
      });
    }
    const exported = loaded.default ?? loaded.source;
    const sources = Array.isArray(exported) ? exported : [exported];
    for (const candidate of sources) {
      if (!isSource(candidate)) {
        throw new Soc2Error("SOC2_CONFIG_INVALID", `collector module "${specifier}" does not export a source (id, title, config, collectors)`);
      }
      registry.add(candidate);
    }
  }
}

function isSource(value: unknown): value is Source {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<Source>;
  return typeof candidate.id === "string" && typeof candidate.title === "string"
    && typeof candidate.config === "object" && Array.isArray(candidate.collectors);
}
