import { randomBytes } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ClerkClient } from "@clerk/backend";
import { callClerk } from "../collectors/clerk/client.js";
import type { ClerkConfig } from "../collectors/clerk/index.js";
import { primaryEmail } from "../collectors/clerk/user-fields.js";
import { callOptions, sharedClient, usersCollector } from "../collectors/clerk/users.js";
import type { CollectContext, Resource } from "../collectors/types.js";
import { buildWorksheet, worksheetCsv, worksheetJson, type WorksheetRow } from "./worksheet.js";

/** The Backend API accepts up to 100 `user_id` filters per request. */
const IDS_PER_REQUEST = 100;

export interface AccessReviewOptions {
  /** The validated `sources.clerk` section. */
  config: ClerkConfig;
  env: Readonly<Record<string, string | undefined>>;
  now: Date;
  outDir: string;
  maxIdleDays: number;
  debug?: (message: string) => void;
}

export interface AccessReviewOutput {
  csvFile: string;
  jsonFile: string;
  rows: WorksheetRow[];
}

/**
 * Writes the access review worksheet: `access-review-<date>.csv` for the reviewer, with full
 * emails so people can be recognised, and `access-review-<date>.json` for the evidence bundle,
 * with masked emails only. Users are read with the `clerk.users` collector, so the worksheet and
 * the controls see the same facts; full emails are fetched here and nowhere else.
 */
export async function writeAccessReview(options: AccessReviewOptions): Promise<AccessReviewOutput> {
  const ctx = collectContext(options);

  const { resources } = await usersCollector.collect(ctx);
  const privilegedIds = resources.filter((resource) => resource.privileged === true).map((resource) => resource.id);
  const emails = await fetchEmails(await sharedClient(ctx), privilegedIds, ctx);

  return writeWorksheetFiles(resources, emails, options);
}

/**
 * Writes the worksheet from `clerk.users` resources recorded earlier (a snapshot): the same rows,
 * but only the masked emails the snapshot holds, so reviewers recognise people by id.
 */
export async function writeAccessReviewFromResources(
  resources: Resource[],
  options: Pick<AccessReviewOptions, "now" | "outDir" | "maxIdleDays">,
): Promise<AccessReviewOutput> {
  const emails = new Map(resources.map((resource) => [resource.id, typeof resource.emailMasked === "string" ? resource.emailMasked : null]));
  return writeWorksheetFiles(resources, emails, options);
}

async function writeWorksheetFiles(
  resources: Resource[],
  emails: ReadonlyMap<string, string | null>,
  options: Pick<AccessReviewOptions, "now" | "outDir" | "maxIdleDays">,
): Promise<AccessReviewOutput> {
  const rows = buildWorksheet(resources, emails, options.now, options.maxIdleDays);
  const csv = worksheetCsv(rows);
  const json = worksheetJson(rows, csv, options.now, options.maxIdleDays);

  const stem = `access-review-${options.now.toISOString().slice(0, 10)}`;
  const csvFile = path.join(options.outDir, `${stem}.csv`);
  const jsonFile = path.join(options.outDir, `${stem}.json`);
  await mkdir(options.outDir, { recursive: true });
  await writeAtomically(csvFile, csv);
  await writeAtomically(jsonFile, `${JSON.stringify(json, null, 2)}\n`);
  return { csvFile, jsonFile, rows };
}

async function fetchEmails(client: ClerkClient, ids: string[], ctx: CollectContext<ClerkConfig>): Promise<Map<string, string | null>> {
  const emails = new Map<string, string | null>();
  for (let start = 0; start < ids.length; start += IDS_PER_REQUEST) {
    const batch = ids.slice(start, start + IDS_PER_REQUEST);
    const page = await callClerk(
      `reading emails of ${batch.length} privileged users`,
      () => client.users.getUserList({ userId: batch, limit: IDS_PER_REQUEST }),
      callOptions(ctx),
    );
    for (const user of page.data) emails.set(user.id, primaryEmail(user));
  }
  return emails;
}

// The Clerk client keeps no open connection, so shared values here need no closing.
function collectContext(options: AccessReviewOptions): CollectContext<ClerkConfig> {
  const opened = new Map<string, Promise<unknown>>();
  return {
    source: options.config,
    args: undefined,
    env: options.env,
    now: options.now,
    classify: () => [],
    shared<T>(key: string, open: () => Promise<T>): Promise<T> {
      if (!opened.has(key)) opened.set(key, open());
      return opened.get(key) as Promise<T>;
    },
    debug: options.debug ?? (() => {}),
    signal: new AbortController().signal,
  };
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temporary, text, { flag: "wx" });
  await rename(temporary, file);
}
