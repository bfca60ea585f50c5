import { z } from "zod";
import type { Source } from "../types.js";

export const source: Source = {
  id: "aws",
  title: "aws",
  config: z.object({}).strict(),
  collectors: [],
};
