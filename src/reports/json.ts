import type { Reporter } from "./types.js";

/** Results format version; bumped only on incompatible changes (see docs/json-format.md). */
export const RESULTS_FORMAT = "soc2.results/v1";

export const reporter: Reporter = {
  id: "json",
  extension: "json",
  render(run) {
    return `${JSON.stringify({ format: RESULTS_FORMAT, ...run }, null, 2)}\n`;
  },
};
