import { z } from "zod";
import type { Source } from "../types.js";

export const source: Source = {
  id: "postgres",
  title: "postgres",
  config: z.object({}).strict(),
  collectors: [],
};
