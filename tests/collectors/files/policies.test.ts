import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { filesConfigSchema } from "../../../src/collectors/files/config.js";
import { source } from "../../../src/collectors/files/index.js";
import { parsePolicy, policiesCollector, policiesDir, policySchema } from "../../../src/collectors/files/policies.js";
import type { CollectContext } from "../../../src/collectors/types.js";
import { CollectorError, Soc2Error } from "../../../src/errors.js";

const NOW = new Date("2026-12-04T09:30:00Z");
const FILE = "policies/access-control.md";

const VALID = `---
title: Access Control Policy
owner: security-officer
status: approved
approved_by: CTO
approved_at: 2026-06-15
last_reviewed: 2026-10-05
review_every: quarterly
---

# Access Control Policy
`;

const DRAFT = `---
title: Incident Response Policy
owner: security-officer
status: draft
approved_by:
approved_at:
last_reviewed:
review_every: annual
---
Body.
`;

function parse(text: string, file = FILE, now = NOW) {
  return parsePolicy(Buffer.from(text, "utf8"), file, now);
}

describe("parsePolicy", () => {
  it("reads an approved policy into a resource", () => {
    const { policy, problems } = parse(VALID);

    expect(problems).toEqual([]);
    expect(policy).toEqual({
      id: "access-control",
      title: "Access Control Policy",
      owner: "security-officer",
      status: "approved",
      approvedBy: "CTO",
      approvedAt: "2026-06-15T00:00:00.000Z",
      lastReviewed: "2026-10-05T00:00:00.000Z",
      reviewEvery: "quarterly",
      reviewDueAt: "2027-01-05T00:00:00.000Z",
      sha256: createHash("sha256").update(VALID).digest("hex"),
      bytes: Buffer.byteLength(VALID),
    });
  });

  it("reads a draft with empty approval fields as nulls", () => {
    const { policy, problems } = parse(DRAFT, "policies/incident-response.md");

    expect(problems).toEqual([]);
    expect(policy?.status).toBe("draft");
    expect(policy?.approvedBy).toBeNull();
    expect(policy?.approvedAt).toBeNull();
    expect(policy?.lastReviewed).toBeNull();
    expect(policy?.reviewDueAt).toBeNull();
  });

  it("treats absent optional keys like empty ones", () => {
    const text = "---\ntitle: T\nowner: o\nstatus: draft\nreview_every: monthly\n---\n";
    const { policy, problems } = parse(text);

    expect(problems).toEqual([]);
    expect(policy?.approvedBy).toBeNull();
    expect(policy?.reviewDueAt).toBeNull();
  });

  it("accepts CRLF line endings and a byte order mark", () => {
    const text = "\uFEFF" + VALID.replace(/\n/g, "\r\n");
    const { policy, problems } = parse(text);

    expect(problems).toEqual([]);
    expect(policy?.reviewDueAt).toBe("2027-01-05T00:00:00.000Z");
    expect(policy?.bytes).toBe(Buffer.byteLength(text));
  });

  it("rejects a Latin-1 file at the first invalid byte", () => {
    const bytes = Buffer.concat([Buffer.from(VALID.split("\n").slice(0, 3).join("\n") + "\nowner: R"), Buffer.from([0xe9]), Buffer.from("my\n")]);
    const { policy, problems } = parsePolicy(bytes, FILE, NOW);

    expect(policy).toBeUndefined();
    expect(problems).toEqual([{ file: FILE, line: 4, column: 9, message: "file is not valid UTF-8 text (invalid byte 0xe9 on line 4); save it as UTF-8" }]);
  });

  it("rejects invalid UTF-8 in the body too", () => {
    const bytes = Buffer.concat([Buffer.from(VALID), Buffer.from([0xff, 0xfe])]);
    const { problems } = parsePolicy(bytes, FILE, NOW);
    expect(problems).toEqual([expect.objectContaining({ line: 12, column: 1, message: expect.stringContaining("is not valid UTF-8 text") })]);
  });

  it.each([
    {
      name: "empty file",
      text: "",
      problem: { line: 1, column: 1, message: "file is empty. A policy starts with YAML front matter between two --- lines" },
    },
    {
      name: "whitespace-only file",
      text: "\n  \n",
      problem: { line: 1, column: 1, message: "file is empty. A policy starts with YAML front matter between two --- lines" },
    },
    {
      name: "missing front matter",
      text: "# Access Control Policy\n\nBody.\n",
      problem: { line: 1, column: 1, message: "file does not start with YAML front matter: the first line must be ---" },
    },
    {
      name: "unclosed front matter",
      text: "---\ntitle: T\nowner: o\n",
      problem: { line: 1, column: 1, message: "front matter opened on line 1 is never closed by a --- line" },
    },
    {
      name: "empty front matter",
      text: "---\n---\nBody.\n",
      problem: { line: 2, column: 1, message: "front matter is empty" },
    },
    {
      name: "unknown key",
      text: VALID.replace("review_every: quarterly", "review_every: quarterly\nreviewer: CTO"),
      problem: { line: 9, column: 1, field: "reviewer", message: 'unknown key "reviewer"' },
    },
    {
      name: "wrong type",
      text: VALID.replace("title: Access Control Policy", "title: [Access, Control]"),
      problem: { line: 2, column: 8, field: "title", message: "expected string, got array" },
    },
    {
      name: "unknown status",
      text: VALID.replace("status: approved", "status: published"),
      problem: { line: 4, column: 9, field: "status", message: "must be one of: draft, approved" },
    },
    {
      name: "unknown review cadence",
      text: VALID.replace("review_every: quarterly", "review_every: weekly"),
      problem: { line: 8, column: 15, field: "review_every", message: "must be one of: monthly, quarterly, annual" },
    },
    {
      name: "missing title",
      text: VALID.replace("title: Access Control Policy\n", ""),
      problem: { line: 2, column: 1, field: "title", message: "is required (expected string)" },
    },
    {
      name: "impossible date",
      text: VALID.replace("last_reviewed: 2026-10-05", "last_reviewed: 2026-02-30"),
      problem: { line: 7, column: 16, field: "last_reviewed", message: "must be a real calendar date written YYYY-MM-DD" },
    },
    {
      name: "date written as a number",
      text: VALID.replace("approved_at: 2026-06-15", "approved_at: 20260615"),
      problem: { line: 6, column: 14, field: "approved_at", message: "expected string, got number" },
    },
    {
      name: "approved without approver",
      text: VALID.replace("approved_by: CTO", "approved_by:"),
      problem: { line: 5, column: 1, field: "approved_by", message: "is required when status is approved" },
    },
    {
      name: "approved without approver key",
      text: VALID.replace("approved_by: CTO\n", ""),
      problem: { line: 4, column: 9, field: "approved_by", message: "is required when status is approved" },
    },
    {
      name: "approved without approval date",
      text: VALID.replace("approved_at: 2026-06-15", "approved_at:"),
      problem: { line: 6, column: 1, field: "approved_at", message: "is required when status is approved" },
    },
    {
      name: "review dated after the run",
      text: VALID.replace("last_reviewed: 2026-10-05", "last_reviewed: 2027-10-05"),
      problem: {
        line: 7,
        column: 1,
        field: "last_reviewed",
        message: "2027-10-05 is after the run's date 2026-12-04, but a policy cannot be approved or reviewed in the future",
      },
    },
    {
      name: "duplicate key",
      text: VALID.replace("owner: security-officer", "owner: security-officer\ntitle: Other"),
      problem: { line: 4, column: 1, message: "Map keys must be unique" },
    },
  ])("reports $name with its location", ({ text, problem }) => {
    const { policy, problems } = parse(text);

    expect(policy).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: FILE, ...problem });
  });

  it("reports every problem of one file at once", () => {
    const text = VALID.replace("status: approved", "status: published").replace("review_every: quarterly", "review_every: quarterly\nextra: 1");
    const { problems } = parse(text);

    expect(problems.map((problem) => problem.field).sort()).toEqual(["extra", "status"]);
  });

  it("rejects a file name that is not a policy id", () => {
    const { problems } = parse(VALID, "policies/Access Control.md");

    expect(problems).toEqual([
      { file: "policies/Access Control.md", message: 'file name "Access Control" must be lowercase letters, digits and hyphens, because it is the policy id controls refer to' },
    ]);
  });

  it("accepts a review dated on the day of the run", () => {
    const { problems } = parse(VALID.replace("last_reviewed: 2026-10-05", "last_reviewed: 2026-12-04"));

    expect(problems).toEqual([]);
  });
});

describe("policy resources", () => {
  it("carry every field the schema declares", () => {
    const { policy } = parse(VALID);
    const declared = Object.keys(policySchema.fields).filter((field) => field !== "classes").sort();

    expect(Object.keys(policy!).sort()).toEqual(declared);
  });
});

describe("files source", () => {
  it("keeps its id, runs always and lists its collectors", () => {
    expect(source.id).toBe("files");
    expect(source.always).toBe(true);
    expect(source.collectors.map((collector) => collector.id)).toEqual(["files.policies", "files.attestations", "files.incidents"]);
  });

  it.each([
    [{}, true],
    [{ policies_dir: "/repo/policies" }, true],
    [{ policies_dir: "" }, false],
    [{ attestations_dir: "/repo/evidence/attestations", incidents_dir: "/repo/evidence/incidents" }, true],
    [{ policies: "policies" }, false],
  ])("config %j is valid: %s", (config, valid) => {
    expect(filesConfigSchema.safeParse(config).success).toBe(valid);
  });

  it("defaults the policies folder to policies under the working directory", () => {
    expect(policiesDir({})).toBe(path.resolve(process.cwd(), "policies"));
    expect(policiesDir({ policies_dir: "/srv/repo/docs/policies" })).toBe("/srv/repo/docs/policies");
  });
});

describe("files.policies collector", () => {
  let dir: string | undefined;

  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function context(policiesDirectory: string): CollectContext<{ policies_dir?: string }> {
    return {
      source: { policies_dir: policiesDirectory },
      args: undefined,
      env: {},
      now: NOW,
      classify: (target) => (target.kind === "policy" ? ["governance"] : []),
      shared: async (_key, open) => open(),
      debug: () => {},
      signal: new AbortController().signal,
    };
  }

  it("reads every markdown file in the folder, sorted by id", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "soc2-policies-"));
    await writeFile(path.join(dir, "incident-response.md"), DRAFT);
    await writeFile(path.join(dir, "access-control.md"), VALID);
    await writeFile(path.join(dir, "notes.txt"), "not a policy");
    await mkdir(path.join(dir, "archive"));
    await writeFile(path.join(dir, "archive", "old.md"), "no front matter");

    const output = await policiesCollector.collect(context(dir));

    expect(output.resources.map((resource) => resource.id)).toEqual(["access-control", "incident-response"]);
    expect(output.resources[0]?.classes).toEqual(["governance"]);
    expect(output.resources[1]?.status).toBe("draft");
    expect(output.coverage).toEqual([{ source: "files", scope: dir, api: "policies/*.md", status: "read", detail: "2 policy documents" }]);
  });

  it("throws an input error listing the problems of every file", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "soc2-policies-"));
    await writeFile(path.join(dir, "access-control.md"), VALID.replace("approved_by: CTO", "approved_by:"));
    await writeFile(path.join(dir, "empty.md"), "");
    await writeFile(path.join(dir, "incident-response.md"), DRAFT);

    const error = await policiesCollector.collect(context(dir)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Soc2Error);
    expect((error as Soc2Error).code).toBe("SOC2_INPUT_INVALID");
    expect((error as Soc2Error).problems).toEqual([
      { file: path.join(dir, "access-control.md"), line: 5, column: 1, field: "approved_by", message: "is required when status is approved" },
      { file: path.join(dir, "empty.md"), line: 1, column: 1, message: "file is empty. A policy starts with YAML front matter between two --- lines" },
    ]);
  });

  it("fails with a collector error when the folder is missing", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "soc2-policies-"));

    const error = await policiesCollector.collect(context(path.join(dir, "missing"))).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CollectorError);
    expect((error as CollectorError).code).toBe("ENOENT");
    expect((error as CollectorError).message).toContain("not found");
  });

  it("returns no resources for an empty folder", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "soc2-policies-"));

    const output = await policiesCollector.collect(context(dir));

    expect(output.resources).toEqual([]);
  });
});
