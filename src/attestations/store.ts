import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, readdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { Soc2Error, type Problem } from "../errors.js";
import { readYamlFile, zodProblems } from "../yaml-file.js";
import { attestationRecordSchema, type AttestationRecord } from "./schema.js";

/** Folder under the attestations directory that contains the copies of attached files. */
export const FILES_FOLDER = "files";

export interface VerifiedFile {
  name: string;
  sha256: string;
  /** True when the stored copy exists and still hashes to the digest recorded. */
  intact: boolean;
  /** True when the stored copy is gone; `intact` is then false too. */
  missing: boolean;
}

export interface StoredAttestation {
  /** `<kind>/<file name without .yaml>`, stable for as long as the record exists. */
  id: string;
  file: string;
  record: AttestationRecord;
  files: VerifiedFile[];
  tampered: boolean;
}

/** Computes the SHA-256 of a file as lowercase hex, streaming so large attachments stay out of memory. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Returns the content-addressed path of an attached file's copy, so one file attached twice is stored once. */
export function storedCopyPath(attestationsDir: string, sha256: string, name: string): string {
  return path.join(attestationsDir, FILES_FOLDER, `${sha256}-${name}`);
}

/**
 * Reads every record under `<dir>/<kind>/*.yaml` and re-hashes the stored copy of each attached
 * file. A missing directory means nothing was recorded yet. Every malformed record is reported
 * at once as a located problem.
 */
export async function readAttestations(dir: string): Promise<StoredAttestation[]> {
  const files = await listRecordFiles(dir);
  const problems: Problem[] = [];
  const attestations: StoredAttestation[] = [];

  for (const { file, kindFolder } of files) {
    const { parsed, problems: syntaxProblems } = await readYamlFile(file);
    if (!parsed) {
      problems.push(...syntaxProblems);
      continue;
    }
    const result = attestationRecordSchema.safeParse(parsed.value);
    if (!result.success) {
      problems.push(...zodProblems(parsed, result.error));
      continue;
    }
    const record = result.data;
    if (record.kind !== kindFolder) {
      problems.push({ file, field: "kind", message: `is "${record.kind}" but the record is filed under "${kindFolder}/"` });
      continue;
    }
    const storedProblems: Problem[] = [];
    record.files.forEach((attached, index) => {
      const expected = `${attached.sha256}-${attached.name}`;
      if (path.basename(attached.stored) !== expected) {
        storedProblems.push({ file, field: `files[${index}].stored`, message: `must name the copy "${expected}"` });
      }
    });
    if (storedProblems.length > 0) {
      problems.push(...storedProblems);
      continue;
    }

    const verified = await Promise.all(record.files.map((attached) => verifyCopy(dir, attached.name, attached.sha256)));
    attestations.push({
      id: `${kindFolder}/${path.basename(file, ".yaml")}`,
      file,
      record,
      files: verified,
      tampered: verified.some((attached) => !attached.intact),
    });
  }

  if (problems.length > 0) {
    throw new Soc2Error("SOC2_INPUT_INVALID", `${problems.length} problem(s) in attestation records under ${dir}`, {
      problems,
      hint: "Fix the records named above; `soc2 attest` writes valid ones.",
    });
  }
  return attestations.sort((left, right) => left.id.localeCompare(right.id));
}

async function verifyCopy(dir: string, name: string, sha256: string): Promise<VerifiedFile> {
  const copy = storedCopyPath(dir, sha256, name);
  try {
    return { name, sha256, intact: (await hashFile(copy)) === sha256, missing: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { name, sha256, intact: false, missing: true };
    throw error;
  }
}

async function listRecordFiles(dir: string): Promise<Array<{ file: string; kindFolder: string }>> {
  let kinds;
  try {
    kinds = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }

  const files: Array<{ file: string; kindFolder: string }> = [];
  for (const entry of kinds) {
    if (!entry.isDirectory() || entry.name === FILES_FOLDER || entry.name.startsWith(".")) continue;
    const folder = path.join(dir, entry.name);
    for (const name of (await readdir(folder)).sort()) {
      if (name.endsWith(".yaml") || name.endsWith(".yml")) files.push({ file: path.join(folder, name), kindFolder: entry.name });
    }
  }
  return files;
}

export interface RecordAttestationOptions {
  /** Folder the `stored` paths are written relative to (the repository root). */
  rootDir: string;
  attestationsDir: string;
  control: string;
  kind: string;
  by: string;
  date: string;
  note?: string;
  metrics?: Record<string, number>;
  files: string[];
  now: Date;
}

/** Command-line option behind each field of a record, for messages about invalid values. */
const OPTION_OF_FIELD: Record<string, string> = {
  by: "--by",
  date: "--date",
  note: "--note",
  metrics: "--metric",
  files: "--file",
};

/**
 * Records one attestation. Every attached file is read and the whole record validated before
 * anything is written, so invalid input leaves no trace. Then each file is copied into the
 * content-addressed store and the record is written through a temporary file and a rename.
 * Copies made by this call are removed again if a later step fails. Returns the record's path.
 */
export async function recordAttestation(options: RecordAttestationOptions): Promise<{ file: string; record: AttestationRecord }> {
  const attached = [];
  for (const source of options.files) {
    const name = path.basename(source);
    let sha256: string;
    try {
      sha256 = await hashFile(source);
    } catch (error) {
      throw new Soc2Error("SOC2_USAGE", `--file ${source} could not be read: ${(error as Error).message}`, { cause: error });
    }
    const copy = storedCopyPath(options.attestationsDir, sha256, name);
    attached.push({ source, copy, entry: { name, sha256, stored: toPosix(path.relative(options.rootDir, copy)) } });
  }

  const result = attestationRecordSchema.safeParse({
    control: options.control,
    kind: options.kind,
    by: options.by,
    date: options.date,
    recorded_at: options.now.toISOString(),
    ...(options.note === undefined ? {} : { note: options.note }),
    ...(options.metrics === undefined || Object.keys(options.metrics).length === 0 ? {} : { metrics: options.metrics }),
    files: attached.map(({ entry }) => entry),
  });
  if (!result.success) throw invalidOptions(result.error.issues);
  const record = result.data;

  const created: string[] = [];
  try {
    for (const { source, copy, entry } of attached) {
      await mkdir(path.dirname(copy), { recursive: true });
      // An existing copy with another digest was altered; the fresh copy restores the recorded content.
      if (await exists(copy) && (await hashFile(copy)) === entry.sha256) continue;
      await copyAtomically(source, copy);
      created.push(copy);
    }

    const text = stringify(record);
    const shortHash = createHash("sha256").update(text).digest("hex").slice(0, 8);
    const file = path.join(options.attestationsDir, options.kind, `${options.date}-${shortHash}.yaml`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeAtomically(file, text);
    return { file, record };
  } catch (error) {
    await Promise.all(created.map((copy) => unlink(copy).catch(() => undefined)));
    throw error;
  }
}

function invalidOptions(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): Soc2Error {
  const details = issues.map((issue) => {
    const field = issue.path.map(String).join(".");
    return `${OPTION_OF_FIELD[String(issue.path[0])] ?? field} ${issue.message}`;
  });
  return new Soc2Error("SOC2_USAGE", `the attestation was not recorded: ${details.join("; ")}`);
}

/** Writes through a temporary file and a rename; on failure the temporary file is removed. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, text, { flag: "wx" });
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

async function copyAtomically(source: string, target: string): Promise<void> {
  const temporary = `${target}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await copyFile(source, temporary);
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join("/");
}
