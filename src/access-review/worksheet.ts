import { createHash } from "node:crypto";
import type { Resource } from "../collectors/types.js";

export const DEFAULT_MAX_IDLE_DAYS = 90;

export type ReviewFlag = "dormant" | "no-mfa" | "never-signed-in" | "banned" | "locked";

/** One privileged user on the worksheet. */
export interface WorksheetRow {
  id: string;
  /** Full primary email; only the reviewer's CSV carries it. */
  email: string | null;
  emailMasked: string | null;
  role: string;
  mfa: string;
  lastSignInAt: string | null;
  createdAt: string;
  orgMemberships: Array<{ org: string; role: string }>;
  flags: ReviewFlag[];
}

/** The bundle's copy of the worksheet: the same rows with masked emails only. */
export interface WorksheetJson {
  kind: "access-review-worksheet";
  version: 1;
  generatedAt: string;
  maxIdleDays: number;
  /** SHA-256 of the CSV written beside it, as generated (before the reviewer annotates it). */
  csvSha256: string;
  counts: { privileged: number; flagged: number };
  users: Array<Omit<WorksheetRow, "email">>;
}

/**
 * Selects the privileged users from `clerk.users` resources and flags what the reviewer must
 * decide on. "dormant" uses the same rule as the clerk-privileged-dormant control: no sign-in
 * within `maxIdleDays`, or never signed in and created before that window.
 */
export function buildWorksheet(resources: Resource[], emails: ReadonlyMap<string, string | null>, now: Date, maxIdleDays: number): WorksheetRow[] {
  const windowStart = now.getTime() - maxIdleDays * 86_400_000;

  const rows = resources.filter((resource) => resource.privileged === true).map((resource): WorksheetRow => {
    const lastSignInAt = resource.lastSignInAt as string | null;
    const createdAt = resource.createdAt as string;
    const lastUse = lastSignInAt ?? createdAt;

    const flags: ReviewFlag[] = [];
    if (Date.parse(lastUse) <= windowStart) flags.push("dormant");
    if (resource.mfa === "none") flags.push("no-mfa");
    if (lastSignInAt === null) flags.push("never-signed-in");
    if (resource.banned === true) flags.push("banned");
    if (resource.locked === true) flags.push("locked");

    return {
      id: resource.id,
      email: emails.get(resource.id) ?? null,
      emailMasked: resource.emailMasked as string | null,
      role: resource.role as string,
      mfa: resource.mfa as string,
      lastSignInAt,
      createdAt,
      orgMemberships: (resource.orgMemberships as WorksheetRow["orgMemberships"]) ?? [],
      flags,
    };
  });

  return rows.sort((a, b) => a.role.localeCompare(b.role) || a.id.localeCompare(b.id));
}

const CSV_COLUMNS = ["user_id", "email", "role", "mfa", "last_sign_in", "created", "organizations", "flags", "decision", "reviewer_note"];

/** Renders the reviewer's worksheet as RFC 4180 CSV, with empty `decision` and `reviewer_note` columns to fill in. */
export function worksheetCsv(rows: WorksheetRow[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const row of rows) {
    const organizations = row.orgMemberships.map((membership) => `${membership.org}:${membership.role}`).join(" ");
    const cells = [row.id, row.email ?? "", row.role, row.mfa, row.lastSignInAt ?? "never", row.createdAt, organizations, row.flags.join(" "), "", ""];
    lines.push(cells.map(csvCell).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

export function worksheetJson(rows: WorksheetRow[], csv: string, now: Date, maxIdleDays: number): WorksheetJson {
  return {
    kind: "access-review-worksheet",
    version: 1,
    generatedAt: now.toISOString(),
    maxIdleDays,
    csvSha256: sha256(csv),
    counts: { privileged: rows.length, flagged: rows.filter((row) => row.flags.length > 0).length },
    users: rows.map(({ email: _email, ...rest }) => rest),
  };
}

export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

// Spreadsheet programs run a cell starting with = + - @ as a formula; metadata values such as
// roles come from the identity provider, so such a cell is prefixed with a quote.
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
