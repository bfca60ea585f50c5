import type { Reporter } from "./types.js";

/** Report formats by `--format` name, each loaded only when asked for. */
export const reporters: Record<string, () => Promise<Reporter>> = {
  table: async () => (await import("./table.js")).reporter,
  json: async () => (await import("./json.js")).reporter,
};

export function formatNames(): string[] {
  return Object.keys(reporters);
}
