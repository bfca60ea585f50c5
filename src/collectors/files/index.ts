import { z } from "zod";
import type { Source } from "../types.js";

export const source: Source = {
  id: "files",
  title: "Repository files",
  config: z.object({}).strict(),
  always: true,
  collectors: [],
};
