import type { Reporter } from "./types.js";

/** Report formats by `--format` name, each loaded only when asked for. */
export const reporters: Record<string, () => Promise<Reporter>> = {
  table: async () => (await import("./table.js")).reporter,
  json: async () => (await import("./json.js")).reporter,
  junit: async () => (await import("./junit.js")).reporter,
  sarif: async () => (await import("./sarif.js")).reporter,
  markdown: async () => (await import("./markdown.js")).reporter,
  html: async () => (await import("./html.js")).reporter,
  oscal: async () => (await import("./oscal.js")).reporter,
};

export function formatNames(): string[] {
  return Object.keys(reporters);
}
