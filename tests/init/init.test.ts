import { mkdtemp, readdir, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";
import type { CliIO } from "../../src/cli/context.js";
import { policyTemplate } from "../../src/init/index.js";

function io(cwd: string, now = "2026-12-04T10:00:00Z"): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text), env: {}, cwd, isTTY: false, now: () => new Date(now) };
}

async function initialised(): Promise<string> {
  const parent = await mkdtemp(path.join(os.tmpdir(), "soc2-init-"));
  const cli = io(parent);
  expect(await run(["init", "acme"], cli)).toBe(0);
  return path.join(parent, "acme");
}

describe("soc2 init", () => {
  it("scaffolds a repository that validates", async () => {
    const dir = await initialised();
    const cli = io(dir);
    expect(await run(["validate"], cli)).toBe(0);
    expect(cli.err.join("")).toBe("");
    expect(cli.out.join("")).toMatch(/^\d+ controls valid in scope; configuration valid\./);
  });

  it("writes config, catalog, policies and evidence folders", async () => {
    const dir = await initialised();
    const config = await readFile(path.join(dir, "soc2.config.yaml"), "utf8");
    expect(config).toContain("# Trust categories in scope.");
    expect(parse(config)).toMatchObject({ version: 1, controls: "controls", evidence: { attestations: "evidence/attestations" } });

    const controls = await readdir(path.join(dir, "controls"), { recursive: true });
    expect(controls).toContain(path.join("operations", "incident-tabletop-annual.yaml"));
    expect(await readdir(path.join(dir, "evidence"))).toEqual(["attestations", "incidents"]);
    expect(await readdir(path.join(dir, "exceptions"))).toEqual(["README.md"]);
    expect(await readdir(path.join(dir, "ci"))).toContain("gitlab-soc2.yml");
  });

  it("policy templates have empty approval fields", async () => {
    const dir = await initialised();
    const policies = await readdir(path.join(dir, "policies"));
    expect(policies.length).toBeGreaterThan(0);
    for (const name of policies) {
      const text = await readFile(path.join(dir, "policies", name), "utf8");
      expect(text).toMatch(/^status: draft$/m);
      expect(text).toMatch(/^approved_by:$/m);
      expect(text).toMatch(/^approved_at:$/m);
      expect(text).toMatch(/^last_reviewed:$/m);
    }
  });

  it("refuses to overwrite an existing repository", async () => {
    const dir = await initialised();
    const cli = io(path.dirname(dir));
    expect(await run(["init", "acme"], cli)).toBe(2);
    expect(cli.err.join("")).toContain("already contains");
  });

  it("fresh repository reports manual controls pending", async () => {
    const dir = await initialised();
    const cli = io(dir);
    expect(await run(["status", "--json"], cli)).toBe(0);
    const report = JSON.parse(cli.out.join(""));
    expect(report.due).toContainEqual(expect.objectContaining({ id: "incident-tabletop-annual", state: "pending", dueAt: "2026-12-31" }));
  });
});

describe("policyTemplate", () => {
  it("blanks approval and review fields", () => {
    const text = "---\ntitle: Access Control Policy\nowner: security-officer\nstatus: approved\napproved_by: Jordan Lee\napproved_at: 2026-03-01\nlast_reviewed: 2026-03-01\nreview_every: annual\n---\n\n# Access\n";
    expect(policyTemplate(text)).toBe("---\ntitle: Access Control Policy\nowner: security-officer\nstatus: draft\napproved_by:\napproved_at:\nlast_reviewed:\nreview_every: annual\n---\n\n# Access\n");
  });

  it("leaves a document without front matter alone", () => {
    expect(policyTemplate("# Notes\n")).toBe("# Notes\n");
  });
});

