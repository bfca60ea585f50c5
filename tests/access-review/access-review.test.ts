import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { recordAccessReview } from "../../src/access-review/record.js";
import { writeAccessReview } from "../../src/access-review/run.js";
import { buildWorksheet, worksheetCsv, type WorksheetJson } from "../../src/access-review/worksheet.js";
import { readAttestations } from "../../src/attestations/store.js";
import { define } from "../../src/cli/commands/access-review.js";
import type { CliContext } from "../../src/cli/context.js";
import { clerkConfigSchema } from "../../src/collectors/clerk/index.js";
import type { Resource } from "../../src/collectors/types.js";
import { userJson, type FakeUserSpec } from "../fakes/clerk/builders.js";
import { startFakeClerk, type FakeClerk } from "../fakes/clerk/server.js";

const SECRET_KEY = "sk_test_access_review";
const DAY = 86_400_000;
const NOW = new Date("2026-03-15T12:00:00Z");
const ago = (days: number): number => NOW.getTime() - days * DAY;

const specs: FakeUserSpec[] = [
  { id: "user_admin", email: "alice.admin@example.com", role: "admin", createdAt: ago(300), lastSignInAt: ago(1), twoFactor: true },
  { id: "user_dormant", email: "dan.therapist@example.com", role: "therapist", createdAt: ago(400), lastSignInAt: ago(120), twoFactor: true },
  { id: "user_never", email: "nina@example.com", role: "employer_admin", createdAt: ago(200), lastSignInAt: null },
  { id: "user_banned", email: "bob@example.com", role: "admin", createdAt: ago(500), lastSignInAt: ago(10), banned: true, twoFactor: true },
  { id: "user_client", email: "carla.client@example.com", role: "client", createdAt: ago(20), lastSignInAt: ago(1) },
];

let fake: FakeClerk;
beforeAll(async () => {
  fake = await startFakeClerk({ secretKey: SECRET_KEY, users: specs.map(userJson) });
});
afterAll(() => fake.close());

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), "soc2-access-review-"));
}

async function generate(outDir: string) {
  return writeAccessReview({
    config: clerkConfigSchema.parse({ api_url: fake.url }),
    env: { CLERK_SECRET_KEY: SECRET_KEY },
    now: NOW,
    outDir,
    maxIdleDays: 90,
  });
}

describe("access review worksheet", () => {
  it("lists only privileged users with their flags", async () => {
    const output = await generate(await tempDir());

    const flags = Object.fromEntries(output.rows.map((row) => [row.id, row.flags]));
    expect(Object.keys(flags).sort()).toEqual(["user_admin", "user_banned", "user_dormant", "user_never"]);
    expect(flags.user_admin).toEqual([]);
    expect(flags.user_dormant).toEqual(["dormant"]);
    expect(flags.user_never).toEqual(["dormant", "no-mfa", "never-signed-in"]);
    expect(flags.user_banned).toEqual(["banned"]);
  });

  it("puts full emails in the CSV only", async () => {
    const output = await generate(await tempDir());

    const csv = await readFile(output.csvFile, "utf8");
    const json = await readFile(output.jsonFile, "utf8");
    expect(csv).toContain("alice.admin@example.com");
    expect(csv).not.toContain("carla.client");
    expect(json).not.toContain("alice.admin");
    expect(json).toContain("a***@example.com");
  });

  it("records the CSV digest in the JSON", async () => {
    const output = await generate(await tempDir());

    const csv = await readFile(output.csvFile);
    const json = JSON.parse(await readFile(output.jsonFile, "utf8")) as WorksheetJson;
    const { createHash } = await import("node:crypto");
    expect(json.csvSha256).toBe(createHash("sha256").update(csv).digest("hex"));
    expect(json.counts).toEqual({ privileged: 4, flagged: 3 });
    expect(path.basename(output.csvFile)).toBe("access-review-2026-03-15.csv");
  });

  it("fetches emails by user id in one request", async () => {
    const before = fake.requests.length;
    await generate(await tempDir());

    const emailRequests = fake.requests.slice(before).filter((request) => request.path === "/v1/users" && request.query.getAll("user_id").length > 0);
    expect(emailRequests).toHaveLength(1);
    expect(emailRequests[0]!.query.getAll("user_id").sort()).toEqual(["user_admin", "user_banned", "user_dormant", "user_never"]);
  });

  it("quotes CSV cells and defuses formulas", () => {
    const resource: Resource = {
      id: "user_x", classes: [], emailMasked: "x***@example.com", role: "=HYPERLINK(\"x\")", privileged: true, mfa: "none",
      lastSignInAt: null, createdAt: NOW.toISOString(), banned: false, locked: false, orgMemberships: [],
    };

    const csv = worksheetCsv(buildWorksheet([resource], new Map([["user_x", "x,y@example.com"]]), NOW, 90));

    expect(csv.split("\r\n")[1]).toBe('user_x,"x,y@example.com","\'=HYPERLINK(""x"")",none,never,2026-03-15T12:00:00.000Z,,no-mfa never-signed-in,,');
  });
});

describe("access review record", () => {
  it("writes an access-review attestation the store reads back", async () => {
    const root = await tempDir();
    const output = await generate(path.join(root, "review"));
    const attestations = path.join(root, "evidence/attestations");

    const result = await recordAccessReview({
      rootDir: root, attestationsDir: attestations, by: "Maria Lopez", date: "2026-03-14", worksheet: output.csvFile, note: "removed user_dormant", now: NOW,
    });

    const record = parse(await readFile(result.file, "utf8")) as Record<string, unknown>;
    expect(path.relative(attestations, result.file)).toMatch(/^access-review\/2026-03-14-[0-9a-f]{8}\.yaml$/);
    expect(record).toMatchObject({ control: "access-review-quarterly", kind: "access-review", by: "Maria Lopez", date: "2026-03-14", recorded_at: NOW.toISOString() });
    expect(record.note).toBe(`removed user_dormant; signed worksheet access-review-2026-03-15.csv sha256 ${result.csvSha256}`);
    expect(record.files).toEqual([expect.objectContaining({ name: "access-review-2026-03-15.json" })]);
    const stored = await readAttestations(attestations);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.tampered).toBe(false);
  });

  it("never copies the CSV into the evidence folder", async () => {
    const root = await tempDir();
    const output = await generate(path.join(root, "review"));
    const attestations = path.join(root, "evidence/attestations");

    await recordAccessReview({ rootDir: root, attestationsDir: attestations, by: "Maria", date: "2026-03-14", worksheet: output.csvFile, now: NOW });

    const copies = await readdir(path.join(attestations, "files"));
    expect(copies.some((name) => name.endsWith(".csv"))).toBe(false);
    for (const name of copies) expect(await readFile(path.join(attestations, "files", name), "utf8")).not.toContain("alice.admin");
  });

  it("rejects a CSV without its JSON twin", async () => {
    const root = await tempDir();
    const csv = path.join(root, "signed.csv");
    await writeFile(csv, "user_id\r\n");

    await expect(recordAccessReview({ rootDir: root, attestationsDir: path.join(root, "a"), by: "Maria", date: "2026-03-14", worksheet: csv, now: NOW }))
      .rejects.toThrow(/JSON worksheet .* was not found/);
  });
});

describe("access-review command", () => {
  function cli(cwd: string, env: Record<string, string>) {
    const out: string[] = [];
    const err: string[] = [];
    const context: CliContext = {
      io: { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env, cwd, isTTY: false, now: () => NOW },
      exitCode: 0,
    };
    const program = new Command().exitOverride();
    define(program, context);
    return { program, context, out, err };
  }

  it("writes the worksheet and records the sign-off", async () => {
    const root = await tempDir();
    await writeFile(path.join(root, "soc2.config.yaml"), `version: 1\nsources:\n  clerk:\n    api_url: ${fake.url}\n`);

    const run = cli(root, { CLERK_SECRET_KEY: SECRET_KEY });
    await run.program.parseAsync(["access-review", "--out", "review"], { from: "user" });

    expect(run.context.exitCode).toBe(0);
    expect(run.out.join("")).toContain("4 privileged users, 3 flagged");
    const record = cli(root, {});
    await record.program.parseAsync(["access-review", "record", "--by", "Maria", "--date", "2026-03-14", "--worksheet", "review/access-review-2026-03-15.csv"], { from: "user" });
    expect(record.context.exitCode).toBe(0);
    expect(record.out.join("")).toMatch(/evidence\/attestations\/access-review\/2026-03-14-[0-9a-f]{8}\.yaml/);
  });

  it("exits 3 and writes nothing when Clerk rejects the key", async () => {
    const root = await tempDir();
    await writeFile(path.join(root, "soc2.config.yaml"), `version: 1\nsources:\n  clerk:\n    api_url: ${fake.url}\n`);

    const run = cli(root, { CLERK_SECRET_KEY: "sk_test_wrong" });
    await run.program.parseAsync(["access-review"], { from: "user" });

    expect(run.context.exitCode).toBe(3);
    expect(run.err.join("")).toContain("authentication_invalid");
    expect(await readdir(root)).toEqual(["soc2.config.yaml"]);
  });

  it.each([
    ["2026-02-30", "not a calendar date"],
    ["2026-04-01", "in the future"],
  ])("rejects --date %s", async (date, message) => {
    const run = cli(await tempDir(), {});

    await expect(run.program.parseAsync(["access-review", "record", "--by", "Maria", "--date", date, "--worksheet", "x.csv"], { from: "user" }))
      .rejects.toThrow(message);
  });
});
