import type { Source } from "../types.js";
import { attestationsCollector } from "./attestations.js";
import { filesConfigSchema, type FilesConfig } from "./config.js";
import { incidentsCollector } from "./incidents.js";
import { policiesCollector } from "./policies.js";

/** Documents kept in the repository itself, read on every run without any configuration. */
export const source: Source<FilesConfig> = {
  id: "files",
  title: "Repository files",
  config: filesConfigSchema,
  always: true,
  collectors: [policiesCollector, attestationsCollector, incidentsCollector],
};
