/** What a command needs from the process, injectable so tests call `run(argv)` in-process. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Whether stdout is a terminal: decides colour. */
  isTTY: boolean;
  /** Whether stderr is a terminal: decides the progress line. Absent means no. */
  stderrIsTTY?: boolean;
  /** The run's clock; tests inject one. */
  now?: () => Date;
}

export interface CliContext {
  io: CliIO;
  /** Set by a command's action; `run` returns it. */
  exitCode: number;
}

export function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
}
