import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadControls } from "../../src/catalog/load.js";
import { builtinRegistry } from "../../src/collectors/registry.js";
import { Soc2Error, type Problem } from "../../src/errors.js";

const VALID = `id: pg-ssl-on
title: TLS is on for database connections
description: Client connections must be able to use TLS.
type: automated
criteria:
  - { id: CC6.7, link: direct, why: protects data in transit }
category: security
severity: high
owner: platform
frequency: continuous
collector: postgres.settings
assert:
  - expr: resource.ssl
    message: ssl is off
`;

async function catalog(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "soc2-controls-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

async function problemsOf(files: Record<string, string>): Promise<Problem[]> {
  const dir = await catalog(files);
  try {
    await loadControls(dir, { registry: builtinRegistry(), rootDir: dir });
  } catch (error) {
    expect(error).toBeInstanceOf(Soc2Error);
    return (error as Soc2Error).problems;
  }
  throw new Error("expected the catalog to be rejected");
}

describe("loadControls", () => {
  it("loads a valid control with its compiled assertion", async () => {
    const dir = await catalog({ "security/pg-ssl-on.yaml": VALID });
    const [control] = await loadControls(dir, { registry: builtinRegistry(), rootDir: dir });
    expect(control!.spec.id).toBe("pg-ssl-on");
    expect(control!.file).toBe(path.join("security", "pg-ssl-on.yaml"));
    expect(control!.line).toBe(1);
    expect(control!.collector!.key).toBe("postgres.settings");
    expect(control!.assertions[0]!.expression.fieldsRead).toEqual(["ssl"]);
  });

  it.each([
    ["unknown key", VALID.replace("owner: platform", "owner: platform\nowners: [x]"), { line: 10, column: 1, field: "owners", message: 'unknown key "owners"' }],
    ["wrong type", VALID.replace("severity: high", "severity: [high]"), { line: 8, field: "severity" }],
    ["unknown criterion", VALID.replace("CC6.7", "CC6.9"), { line: 6, field: "criteria[0].id", message: 'unknown criterion "CC6.9" (use AICPA ids such as CC6.1, A1.2, P4.2)' }],
    ["unknown collector", VALID.replace("postgres.settings", "postgres.setings"), { line: 11, field: "collector" }],
    ["CEL that does not parse", VALID.replace("expr: resource.ssl", "expr: resource.ssl &&"), { line: 13, field: "assert[0].expr" }],
    ["CEL with an unknown field", VALID.replace("expr: resource.ssl", "expr: resource.sslEnabled"), { line: 13, column: 19, field: "assert[0].expr" }],
    ["CEL of the wrong type", VALID.replace("expr: resource.ssl", "expr: resource.passwordEncryption"), { line: 13, field: "assert[0].expr", message: "CEL evaluates to string, expected bool" }],
    ["id that differs from the file name", VALID.replace("id: pg-ssl-on", "id: pg-ssl"), { line: 1, field: "id", message: 'id "pg-ssl" differs from the file name "pg-ssl-on"' }],
    ["empty file", "", { line: 1, message: "file is empty" }],
    ["comment-only file", "# nothing\n", { message: "file has no content" }],
    ["a manual control with an assertion", VALID.replace("type: automated", "type: manual\nattestation: { kind: drill, every: annual }"), { field: "collector" }],
    ["duplicate YAML key", VALID.replace("owner: platform", "owner: platform\nowner: security"), { line: 10 }],
  ])("reports %s with its location", async (_name, text, expected) => {
    const problems = await problemsOf({ "pg-ssl-on.yaml": text });
    expect(problems[0]).toMatchObject({ file: "pg-ssl-on.yaml", ...expected });
  });

  it("names the unknown field and the fields that exist", async () => {
    const problems = await problemsOf({ "pg-ssl-on.yaml": VALID.replace("expr: resource.ssl", "expr: resource.sslEnabled") });
    expect(problems[0]!.message).toMatch(/CEL unknown field "sslEnabled" on resource \(fields: .*ssl.*\)/);
  });

  it("rejects a YAML alias bomb without expanding it", async () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      bomb.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(", ")}]`);
    }
    const problems = await problemsOf({ "bomb.yaml": `${bomb.join("\n")}\n` });
    expect(problems[0]!.message).toMatch(/aliases are limited/);
  });

  it("rejects a file over the size limit", async () => {
    const problems = await problemsOf({ "huge.yaml": `${VALID}description2: "${"x".repeat(1_100_000)}"\n` });
    expect(problems[0]!.message).toMatch(/over the 1048576-byte limit/);
  });

  it("reports every problem in every file at once", async () => {
    const problems = await problemsOf({
      "a/pg-ssl-on.yaml": VALID.replace("CC6.7", "XX1.1").replace("severity: high", "severity: urgent"),
      "b/other.yaml": VALID.replace("id: pg-ssl-on", "id: other").replace("expr: resource.ssl", "expr: resource.nope"),
      "c/pg-ssl-on.yaml": VALID,
    });
    const summary = problems.map((problem) => `${problem.file}:${problem.field}`);
    expect(summary).toEqual(expect.arrayContaining([
      `${path.join("a", "pg-ssl-on.yaml")}:severity`,
      `${path.join("b", "other.yaml")}:assert[0].expr`,
    ]));
    expect(problems.length).toBeGreaterThanOrEqual(2);
  });

  it("reports a duplicate control id", async () => {
    const problems = await problemsOf({ "a/pg-ssl-on.yaml": VALID, "b/pg-ssl-on.yaml": VALID });
    expect(problems[0]!.message).toBe(`duplicate control id "pg-ssl-on" (also in ${path.join("a", "pg-ssl-on.yaml")})`);
  });

  it("rejects an empty controls folder", async () => {
    const problems = await problemsOf({ "README.md": "no controls" });
    expect(problems[0]!.message).toBe("no control files (*.yaml) found");
  });
});
