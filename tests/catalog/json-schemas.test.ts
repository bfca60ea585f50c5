import { readFile } from "node:fs/promises";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { jsonSchemas } from "../../src/catalog/json-schemas.js";

const root = path.resolve(import.meta.dirname, "../..");

describe("published JSON Schemas", () => {
  it.each(Object.keys(jsonSchemas()))("schemas/%s matches the zod schema (run npm run schemas)", async (name) => {
    const committed = JSON.parse(await readFile(path.join(root, "schemas", name), "utf8"));
    expect(committed).toEqual(jsonSchemas()[name]);
  });

  it("accepts a shipped control and rejects an unknown key and criterion", async () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(jsonSchemas()["control.schema.json"]!);
    const control = parse(await readFile(path.join(root, "controls/database/pg-rls-forced-confidential.yaml"), "utf8"));
    expect(validate(control), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...control, owners: "x" })).toBe(false);
    expect(validate({ ...control, criteria: [{ id: "CC6.9", link: "direct", why: "w" }] })).toBe(false);
  });

  it("accepts the demo configuration", async () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(jsonSchemas()["config.schema.json"]!);
    const config = parse(await readFile(path.join(root, "demo/soc2.config.yaml"), "utf8"));
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  });
});
