import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadExceptions } from "../src/engine/exceptions.js";
import { Soc2Error } from "../src/errors.js";
import { readYamlFile } from "../src/yaml-file.js";

async function fileWith(bytes: Buffer, name = "input.yaml"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "soc2-yaml-"));
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}

const utf8 = (text: string) => Buffer.from(text, "utf8");

describe("readYamlFile", () => {
  it("reads UTF-8 with non-ASCII text", async () => {
    const { parsed, problems } = await readYamlFile(await fileWith(utf8("owner: Ren\u00e9e \u2014 S\u00e9curit\u00e9 \u{1F512}\n")));
    expect(problems).toEqual([]);
    expect(parsed!.value).toEqual({ owner: "Ren\u00e9e \u2014 S\u00e9curit\u00e9 \u{1F512}" });
  });

  it("skips a byte order mark", async () => {
    const { parsed, problems } = await readYamlFile(await fileWith(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8("id: restore-test\n")])));
    expect(problems).toEqual([]);
    expect(parsed!.value).toEqual({ id: "restore-test" });
    expect(parsed!.text.startsWith("\uFEFF")).toBe(false);
  });

  it("keeps lines after a byte order mark", async () => {
    const { problems } = await readYamlFile(await fileWith(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8("a: 1\nb: [\n")])));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(3);
  });

  const invalid: Array<[string, Buffer, number, number, string]> = [
    ["a Latin-1 byte", Buffer.concat([utf8("id: x\ntitle: caf"), Buffer.from([0xe9]), utf8("\n")]), 2, 11, "e9"],
    ["a truncated sequence at the end", Buffer.concat([utf8("id: x\n\ntitle: "), Buffer.from([0xe2, 0x82])]), 3, 8, "e2"],
    ["an overlong encoding", Buffer.concat([utf8("id: "), Buffer.from([0xc0, 0xaf]), utf8("\n")]), 1, 5, "c0"],
    ["an encoded surrogate", Buffer.concat([utf8("id: x\nnote: "), Buffer.from([0xed, 0xa0, 0x80]), utf8("\n")]), 2, 7, "ed"],
    ["a bad byte after multibyte text", Buffer.concat([utf8("note: \u00e9\u2014\u{1F512}\uFFFD"), Buffer.from([0xff]), utf8("\n")]), 1, 11, "ff"],
    ["a bad byte after a byte order mark", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8("id: "), Buffer.from([0x80])]), 1, 5, "80"],
  ];
  for (const [name, bytes, line, column, byte] of invalid) {
    it(`rejects ${name} at its line`, async () => {
      const file = await fileWith(bytes);
      const { parsed, problems } = await readYamlFile(file, "controls/x.yaml");

      expect(parsed).toBeUndefined();
      expect(problems).toEqual([{ file: "controls/x.yaml", line, column, message: `file is not valid UTF-8 text (invalid byte 0x${byte} on line ${line}); save it as UTF-8` }]);
    });
  }

  it("makes an exception file an input error", async () => {
    const file = await fileWith(Buffer.concat([utf8("control: restore-test-monthly\nreason: r"), Buffer.from([0xe9]), utf8("sum\u00e9\n")]), "latin1.yaml");
    const error = await loadExceptions(path.dirname(file), { knownControls: new Set(["restore-test-monthly"]), maxDays: 180, now: new Date("2026-12-04T00:00:00Z") })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Soc2Error);
    expect((error as Soc2Error).code).toBe("SOC2_INPUT_INVALID");
    expect((error as Soc2Error).problems).toEqual([expect.objectContaining({ file, line: 2, message: expect.stringContaining("is not valid UTF-8 text") })]);
  });
});
