// Regenerates schemas/*.json from the zod schemas (run `npm run schemas` after changing them;
// a test fails while the committed files differ from what this writes).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { jsonSchemas } from "../dist/catalog/json-schemas.js";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "schemas");
await mkdir(dir, { recursive: true });
for (const [name, schema] of Object.entries(jsonSchemas())) {
  await writeFile(path.join(dir, name), `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote schemas/${name}\n`);
}
