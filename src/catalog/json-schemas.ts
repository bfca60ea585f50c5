import { z } from "zod";
import { configSchema } from "../config/schema.js";
import { controlSchema } from "./control-schema.js";
import { CRITERIA } from "./criteria.js";

type JsonObject = Record<string, unknown>;

/**
 * JSON Schemas for editors (yaml-language-server) and auditors, generated from the same zod
 * schemas the loader enforces, so the published files cannot drift from the code. The control
 * schema also lists the criterion ids, which the loader checks in its second phase.
 */
export function jsonSchemas(): Record<string, JsonObject> {
  const control = z.toJSONSchema(controlSchema, { io: "input", target: "draft-2020-12" }) as JsonObject;
  const criteria = (control.properties as JsonObject).criteria as { items: { properties: { id: JsonObject } } };
  criteria.items.properties.id.enum = CRITERIA.map((criterion) => criterion.id);
  control.title = "soc2 control (schema v1)";

  const config = z.toJSONSchema(configSchema, { io: "input", target: "draft-2020-12" }) as JsonObject;
  config.title = "soc2.config.yaml";

  return {
    "control.schema.json": control,
    "config.schema.json": config,
  };
}
