import { access } from "node:fs/promises";
import path from "node:path";
import { hashFile, recordAttestation } from "../attestations/store.js";
import { Soc2Error } from "../errors.js";

/** The manual control the review attests, and the attestation kind it looks for. */
export const ACCESS_REVIEW_CONTROL = "access-review-quarterly";
export const ACCESS_REVIEW_KIND = "access-review";

export interface RecordAccessReviewOptions {
  rootDir: string;
  attestationsDir: string;
  by: string;
  /** Day the review was signed off, YYYY-MM-DD. */
  date: string;
  /** The worksheet the reviewer signed: the CSV, or the JSON beside it. */
  worksheet: string;
  note?: string;
  now: Date;
}

/**
 * Records a signed-off access review in the attestation store.
 *
 * The CSV the reviewer signed has full emails, and the store keeps a copy of every attached file
 * in the repository. So the CSV is not attached; its SHA-256 goes into the note instead. The JSON
 * worksheet written beside it (masked emails) is the attached, verifiable file.
 */
export async function recordAccessReview(options: RecordAccessReviewOptions): Promise<{ file: string; csvSha256: string | null }> {
  const { csvFile, jsonFile } = worksheetPair(options.worksheet);
  await mustExist(jsonFile, `the JSON worksheet ${jsonFile} was not found; record the review with the files \`soc2 access-review\` wrote`);

  let csvSha256: string | null = null;
  if (csvFile !== undefined) {
    await mustExist(csvFile, `worksheet ${csvFile} was not found`);
    csvSha256 = await hashFile(csvFile);
  }

  const notes = [options.note, csvSha256 === null ? undefined : `signed worksheet ${path.basename(csvFile!)} sha256 ${csvSha256}`];
  const note = notes.filter((part) => part !== undefined && part !== "").join("; ");
  const { file } = await recordAttestation({
    rootDir: options.rootDir,
    attestationsDir: options.attestationsDir,
    control: ACCESS_REVIEW_CONTROL,
    kind: ACCESS_REVIEW_KIND,
    by: options.by,
    date: options.date,
    ...(note === "" ? {} : { note }),
    files: [jsonFile],
    now: options.now,
  });
  return { file, csvSha256 };
}

function worksheetPair(worksheet: string): { csvFile?: string; jsonFile: string } {
  const extension = path.extname(worksheet).toLowerCase();
  if (extension === ".json") return { jsonFile: worksheet };
  if (extension === ".csv") return { csvFile: worksheet, jsonFile: `${worksheet.slice(0, -extension.length)}.json` };
  throw new Soc2Error("SOC2_USAGE", `worksheet ${worksheet} is neither a .csv nor a .json file`, {
    hint: "Pass the CSV the reviewer signed, as written by `soc2 access-review`.",
  });
}

async function mustExist(file: string, message: string): Promise<void> {
  try {
    await access(file);
  } catch {
    throw new Soc2Error("SOC2_USAGE", message);
  }
}
