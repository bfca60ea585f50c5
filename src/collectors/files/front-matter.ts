/** The YAML between the opening and closing `---` lines at the top of a Markdown file. */
export interface FrontMatter {
  yaml: string;
  /** 1-based line of the file on which the YAML starts; add `startLine - 1` to a line in `yaml`. */
  startLine: number;
}

export type FrontMatterResult =
  | { frontMatter: FrontMatter; problem?: undefined }
  | { frontMatter?: undefined; problem: { line: number; column: number; message: string } };

const FENCE = /^---[ \t]*$/;

/**
 * Splits the YAML front matter off a Markdown document. The first line must be `---` and a later
 * line `---` closes the block. A document without that shape yields a located problem.
 */
export function splitFrontMatter(text: string): FrontMatterResult {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  if (body.trim() === "") {
    return { problem: { line: 1, column: 1, message: "file is empty. A policy starts with YAML front matter between two --- lines" } };
  }

  const lines = body.split(/\r?\n/);
  if (!FENCE.test(lines[0]!)) {
    return { problem: { line: 1, column: 1, message: "file does not start with YAML front matter: the first line must be ---" } };
  }

  const closing = lines.findIndex((line, index) => index > 0 && FENCE.test(line));
  if (closing === -1) {
    return { problem: { line: 1, column: 1, message: "front matter opened on line 1 is never closed by a --- line" } };
  }

  return { frontMatter: { yaml: lines.slice(1, closing).join("\n"), startLine: 2 } };
}
