import { access, copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Soc2Error } from "../errors.js";

/** Source folders of the catalog, policy and CI templates that `soc2 init` copies. */
export interface InitSources {
  controlsDir: string;
  policiesDir: string;
  /** Folder of CI templates (e.g. `gitlab-soc2.yml`), copied into the new repository's `ci/`; absent when none ship. */
  ciTemplatesDir?: string;
}

export interface InitResult {
  dir: string;
  /** Paths written, relative to `dir`, sorted. */
  written: string[];
  ciTemplates: boolean;
}

const CONFIG_TEMPLATE = `# soc2 configuration. Relative paths resolve against this file's folder.
version: 1

# organization: Example Inc.

# Trust categories in scope. Security is always in; remove the ones your report does not cover.
scope: [security, availability, processing-integrity, confidentiality, privacy]

controls: controls          # the control catalog, one YAML file per control
policies: policies          # policy documents with approval front matter
exceptions: exceptions      # approved exceptions with an expiry date

evidence:
  attestations: evidence/attestations   # soc2 attest writes here; incidents go to evidence/incidents
  store: { kind: local, path: evidence/bundles }
  # signing_key_env: SOC2_SIGNING_KEY    # environment variable holding the bundle signing key

# Sources the collectors read. Secrets never go in this file: name the environment variables
# that hold them. A source left out is reported as skipped, never as passing.
sources: {}
#  postgres:
#    url_env: DATABASE_URL               # connect as a read-only role, e.g. soc2_reader
#  clerk:
#    secret_key_env: CLERK_SECRET_KEY

# Data classification: resources matching a selector get its class, which controls select on.
classification: []
#  - class: highly-confidential
#    match: { kind: table, name: "client_notes" }
#  - class: production
#    match: { tags: { environment: production } }

# Per-control parameter overrides, e.g.:
# params:
#   clerk-admin-count: { max_admins: 2 }
`;

const EXCEPTIONS_README = `# Exceptions

One YAML file per exception (or a list of them). A failing finding that matches is reported as
\`waived\` until the expiry date, and fails again the day after. Expiry is capped at 180 days from
approval.

\`\`\`yaml
control: s3-public-access-blocked   # the control id
resource: "bucket/marketing-*"      # optional glob over resource ids; absent = every resource
reason: the marketing site bucket serves public assets
owner: infrastructure-lead
approver: security-officer
ticket: SEC-142
compensating_control: uploads are reviewed and hold no customer data
approved_at: 2026-10-01
expires: 2026-12-31                 # last day the exception applies (UTC)
\`\`\`
`;

/**
 * Scaffolds a compliance repository in `dir`: a commented configuration, a copy of the control
 * catalog, policy templates with empty approval fields, the evidence folders, an exceptions
 * README and the CI templates that ship. Writes nothing if any target file already exists.
 */
export async function initRepository(dir: string, sources: InitSources): Promise<InitResult> {
  const files = new Map<string, () => Promise<void>>();
  const target = (relative: string) => path.join(dir, relative);

  files.set("soc2.config.yaml", () => writeFile(target("soc2.config.yaml"), CONFIG_TEMPLATE));
  for (const relative of await listFiles(sources.controlsDir, /\.ya?ml$/)) {
    const name = path.join("controls", relative);
    files.set(name, () => copyFile(path.join(sources.controlsDir, relative), target(name)));
  }
  for (const relative of await listFiles(sources.policiesDir, /\.md$/)) {
    const name = path.join("policies", relative);
    files.set(name, async () => writeFile(target(name), policyTemplate(await readFile(path.join(sources.policiesDir, relative), "utf8"))));
  }
  for (const folder of ["evidence/attestations", "evidence/incidents"]) {
    files.set(path.join(folder, ".gitkeep"), () => writeFile(target(path.join(folder, ".gitkeep")), ""));
  }
  files.set(path.join("exceptions", "README.md"), () => writeFile(target("exceptions/README.md"), EXCEPTIONS_README));

  const ciFiles = sources.ciTemplatesDir ? await listFiles(sources.ciTemplatesDir, /./) : [];
  for (const relative of ciFiles) {
    const name = path.join("ci", relative);
    files.set(name, () => copyFile(path.join(sources.ciTemplatesDir!, relative), target(name)));
  }

  const existing = [];
  for (const name of files.keys()) if (await exists(target(name))) existing.push(name);
  if (existing.length > 0) {
    throw new Soc2Error("SOC2_USAGE", `${dir} already contains ${existing.length} of the files init would write, e.g. ${existing.slice(0, 3).join(", ")}`, {
      hint: "Run soc2 init in an empty folder, or move the existing files away first.",
    });
  }

  for (const [name, write] of files) {
    await mkdir(path.dirname(target(name)), { recursive: true });
    await write();
  }
  return { dir, written: [...files.keys()].sort(), ciTemplates: ciFiles.length > 0 };
}

/**
 * Turns a policy into a template for another organization: a draft with empty approval and
 * review fields, so its policy controls fail until someone approves it.
 */
export function policyTemplate(text: string): string {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!match) return text;
  const frontMatter = match[1]!
    .split("\n")
    .map((line) => {
      if (/^status:/.test(line)) return "status: draft";
      if (/^(approved_by|approved_at|last_reviewed):/.test(line)) return `${line.split(":")[0]}:`;
      return line;
    })
    .join("\n");
  return `---\n${frontMatter}\n---\n${text.slice(match[0].length)}`;
}

/** Locates the catalog, policies and CI templates shipped with this package. */
export async function packagedSources(): Promise<InitSources> {
  const root = await packageRoot();
  const ciTemplatesDir = path.join(root, "ci");
  return {
    controlsDir: path.join(root, "controls"),
    policiesDir: path.join(root, "policies"),
    ...((await exists(ciTemplatesDir)) ? { ciTemplatesDir } : {}),
  };
}

/** Walks up from this module to the folder holding soc2's own package.json (works from src/ and dist/). */
async function packageRoot(): Promise<string> {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as { name?: string };
      if (manifest.name === "soc2") return dir;
    } catch {
      // No package.json at this level: keep walking up.
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("soc2's package.json was not found above the init module");
    dir = parent;
  }
}

async function listFiles(dir: string, pattern: RegExp): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && pattern.test(entry.name))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
