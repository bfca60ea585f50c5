/** Stable error codes: CI logs and scripts match on them, so they never change meaning. */
export type ErrorCode =
  | "SOC2_USAGE"
  | "SOC2_CONFIG_INVALID"
  | "SOC2_CONTROL_INVALID"
  | "SOC2_INPUT_INVALID"
  | "SOC2_SNAPSHOT_INVALID"
  | "SOC2_BUNDLE_INVALID"
  | "SOC2_KEY_INVALID"
  | "SOC2_STORE_FAILED"
  | "SOC2_INTERNAL";

/** One problem in an input file, located as precisely as the parser allows. */
export interface Problem {
  file: string;
  line?: number;
  column?: number;
  /** Dotted path of the offending field, e.g. `criteria[1].id`. */
  field?: string;
  message: string;
}

export function formatProblem(problem: Problem): string {
  let where = problem.file;
  if (problem.line !== undefined) where += `:${problem.line}`;
  if (problem.line !== undefined && problem.column !== undefined) where += `:${problem.column}`;
  const field = problem.field ? ` ${problem.field}:` : "";
  return `${where}:${field} ${problem.message}`;
}

/**
 * An expected failure caused by the user's input or environment. The CLI prints its message and
 * the next step, and exits with code 2; anything else that escapes is reported as a bug.
 */
export class Soc2Error extends Error {
  readonly code: ErrorCode;
  readonly problems: Problem[];
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { problems?: Problem[]; hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "Soc2Error";
    this.code = code;
    this.problems = options.problems ?? [];
    this.hint = options.hint;
  }
}

/**
 * A source that is configured but could not answer: access denied, throttled past retries,
 * timed out, missing credentials. The engine turns it into `error` results, never a pass.
 */
export class CollectorError extends Error {
  /** The service's own error code where there is one (e.g. `AccessDenied`, `42501`), else ours. */
  readonly code: string;

  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "CollectorError";
    this.code = code;
  }
}
