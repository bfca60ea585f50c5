import { z } from "zod";
import type { Source } from "../types.js";

export const source: Source = {
  id: "clerk",
  title: "clerk",
  config: z.object({}).strict(),
  collectors: [],
};
