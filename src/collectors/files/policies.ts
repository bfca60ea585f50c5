import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { CollectorError, Soc2Error, type Problem } from "../../errors.js";
import { decodeUtf8, invalidUtf8Message } from "../../utf8.js";
import { locate, MAX_YAML_BYTES, parseYamlText, zodProblems, type ParsedYaml } from "../../yaml-file.js";
import { resourceSchema, t } from "../schema.js";
import type { Collector, Resource } from "../types.js";
import { DEFAULT_POLICIES_DIR, type FilesConfig } from "./config.js";
import { addCalendarMonths, formatCalendarDate, parseCalendarDate } from "./dates.js";
import { splitFrontMatter } from "./front-matter.js";

/** Months between reviews for each `review_every` value. */
const REVIEW_MONTHS = { monthly: 1, quarterly: 3, annual: 12 } as const;

/** Policy ids are file names, and controls list them with this same pattern. */
const POLICY_ID = /^[a-z0-9][a-z0-9-]*$/;

const calendarDate = z.string().refine((value) => parseCalendarDate(value) !== undefined, "must be a real calendar date written YYYY-MM-DD");

/** The front matter of one policy document; unknown keys are errors. */
export const policyFrontMatterSchema = z.object({
  title: z.string().min(1),
  owner: z.string().min(1),
  status: z.enum(["draft", "approved"]),
  approved_by: z.string().min(1).nullable().optional(),
  approved_at: calendarDate.nullable().optional(),
  last_reviewed: calendarDate.nullable().optional(),
  review_every: z.enum(["monthly", "quarterly", "annual"]),
}).strict();

export type PolicyFrontMatter = z.infer<typeof policyFrontMatterSchema>;

export const policySchema = resourceSchema({
  title: t.string(),
  owner: t.string(),
  status: t.string(),
  approvedBy: t.nullable(t.string()),
  approvedAt: t.nullable(t.timestamp()),
  lastReviewed: t.nullable(t.timestamp()),
  reviewEvery: t.string(),
  /** `lastReviewed` plus one review period in calendar months (UTC); null when never reviewed. */
  reviewDueAt: t.nullable(t.timestamp()),
  /** SHA-256 of the whole file, hex, so evidence pins the exact text that was approved. */
  sha256: t.string(),
  bytes: t.int(),
});

/** A policy resource before classification; field names match `policySchema`. */
export interface PolicyFields {
  id: string;
  title: string;
  owner: string;
  status: PolicyFrontMatter["status"];
  approvedBy: string | null;
  approvedAt: string | null;
  lastReviewed: string | null;
  reviewEvery: PolicyFrontMatter["review_every"];
  reviewDueAt: string | null;
  sha256: string;
  bytes: number;
}

/**
 * Parses one policy document. `now` is the run's clock: an approval or review dated after it is
 * a typo that would otherwise postpone the next review, so it is reported as a problem.
 */
export function parsePolicy(content: Buffer, file: string, now: Date): { policy?: PolicyFields; problems: Problem[] } {
  const id = path.basename(file, ".md");
  if (!POLICY_ID.test(id)) {
    return { problems: [{ file, message: `file name "${id}" must be lowercase letters, digits and hyphens, because it is the policy id controls refer to` }] };
  }

  const { text, invalid } = decodeUtf8(content);
  if (invalid) return { problems: [{ file, line: invalid.line, column: invalid.column, message: invalidUtf8Message(invalid) }] };

  const split = splitFrontMatter(text);
  if (split.problem) return { problems: [{ file, ...split.problem }] };
  const { yaml, startLine } = split.frontMatter;
  const shift = (problem: Problem): Problem => (problem.line === undefined ? problem : { ...problem, line: problem.line + startLine - 1 });

  if (yaml.trim() === "") return { problems: [{ file, line: startLine, column: 1, message: "front matter is empty" }] };
  if (Buffer.byteLength(yaml) > MAX_YAML_BYTES) {
    return { problems: [{ file, line: startLine, message: `front matter is over the ${MAX_YAML_BYTES}-byte limit for YAML input` }] };
  }

  const { parsed, problems: syntaxProblems } = parseYamlText(yaml, file);
  if (!parsed) return { problems: syntaxProblems.map(shift) };

  // reportInput lets zodProblems name the type that was found ("got array") instead of "is required".
  const result = policyFrontMatterSchema.safeParse(parsed.value, { reportInput: true });
  if (!result.success) return { problems: zodProblems(parsed, result.error).map(shift) };

  const semanticProblems = checkPolicy(parsed, result.data, now).map(shift);
  if (semanticProblems.length > 0) return { problems: semanticProblems };

  return { policy: toFields(id, result.data, content), problems: [] };
}

/** Rules the schema cannot state: an approval names who and when, and no date lies ahead of the run. */
function checkPolicy(parsed: ParsedYaml, policy: PolicyFrontMatter, now: Date): Problem[] {
  const problems: Problem[] = [];
  const at = (field: string, present: boolean) => ({ file: parsed.file, field, ...locate(parsed, present ? [field] : ["status"], present) });

  if (policy.status === "approved") {
    if (!policy.approved_by) problems.push({ ...at("approved_by", policy.approved_by !== undefined), message: "is required when status is approved" });
    if (!policy.approved_at) problems.push({ ...at("approved_at", policy.approved_at !== undefined), message: "is required when status is approved" });
  }

  for (const field of ["approved_at", "last_reviewed"] as const) {
    const value = policy[field];
    if (value && parseCalendarDate(value)! > now) {
      problems.push({ ...at(field, true), message: `${value} is after the run's date ${formatCalendarDate(now)}, but a policy cannot be approved or reviewed in the future` });
    }
  }
  return problems;
}

function toFields(id: string, policy: PolicyFrontMatter, content: Buffer): PolicyFields {
  const timestamp = (value: string | null | undefined) => (value ? parseCalendarDate(value)!.toISOString() : null);
  const lastReviewed = policy.last_reviewed ? parseCalendarDate(policy.last_reviewed)! : undefined;

  return {
    id,
    title: policy.title,
    owner: policy.owner,
    status: policy.status,
    approvedBy: policy.approved_by ?? null,
    approvedAt: timestamp(policy.approved_at),
    lastReviewed: lastReviewed ? lastReviewed.toISOString() : null,
    reviewEvery: policy.review_every,
    reviewDueAt: lastReviewed ? addCalendarMonths(lastReviewed, REVIEW_MONTHS[policy.review_every]).toISOString() : null,
    sha256: createHash("sha256").update(content).digest("hex"),
    bytes: content.byteLength,
  };
}

/** Resolves the policies folder from the source configuration, else `policies` under the working directory. */
export function policiesDir(config: FilesConfig | undefined): string {
  return path.resolve(process.cwd(), config?.policies_dir ?? DEFAULT_POLICIES_DIR);
}

/** Formats a path for problems and coverage: relative to the working directory when inside it. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/**
 * Lists the `*.md` files directly in the folder, sorted. A missing or unreadable folder is a
 * collector error rather than an empty list: no policies and a mistyped path look alike, and
 * neither may pass a policy control.
 */
async function listPolicyFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "EIO";
    const reason = code === "ENOENT" ? "not found" : `could not be read (${code})`;
    throw new CollectorError(code, `policies folder ${displayPath(dir)} ${reason}. Set "policies" in the configuration to the folder of policy documents.`, { cause: error });
  }
  return entries
    .filter((entry) => entry.name.endsWith(".md") && (entry.isFile() || entry.isSymbolicLink()))
    .map((entry) => path.join(dir, entry.name))
    .sort();
}

async function readPolicyFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "EIO";
    throw new CollectorError(code, `policy file ${displayPath(file)} could not be read (${code})`, { cause: error });
  }
}

/**
 * One resource per policy document. A malformed document is bad input, not an unreadable source:
 * every problem in every file is collected first, then thrown together as SOC2_INPUT_INVALID
 * (exit 2), each with its file, line, column and field.
 */
export const policiesCollector: Collector<FilesConfig> = {
  id: "files.policies",
  title: "Policy documents (policies/*.md front matter)",
  source: "files",
  schema: policySchema,

  async collect(ctx) {
    const dir = policiesDir(ctx.source);
    const files = await listPolicyFiles(dir);

    const resources: Resource[] = [];
    const problems: Problem[] = [];
    for (const file of files) {
      const { policy, problems: fileProblems } = parsePolicy(await readPolicyFile(file), displayPath(file), ctx.now);
      problems.push(...fileProblems);
      if (policy) resources.push({ ...policy, classes: ctx.classify({ kind: "policy", name: policy.id }) });
    }

    if (problems.length > 0) {
      throw new Soc2Error("SOC2_INPUT_INVALID", `${problems.length} problem(s) in the policy documents under ${displayPath(dir)}`, {
        problems,
        hint: "Fix the front matter of each file listed; see the policy documents shipped in policies/ for the expected keys.",
      });
    }

    ctx.debug(`read ${resources.length} policy documents from ${displayPath(dir)}`);
    return {
      resources,
      coverage: [{ source: "files", scope: displayPath(dir), api: "policies/*.md", status: "read", detail: `${resources.length} policy documents` }],
    };
  },
};
