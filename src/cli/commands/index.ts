import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { define as accessReview } from "./access-review.js";
import { define as attest } from "./attest.js";
import { define as check } from "./check.js";
import { define as controls } from "./controls.js";
import { define as coverage } from "./coverage.js";
import { define as criteria } from "./criteria.js";
import { define as evidence } from "./evidence.js";
import { define as incident } from "./incident.js";
import { define as init } from "./init.js";
import { define as keygen } from "./keygen.js";
import { define as report } from "./report.js";
import { define as status } from "./status.js";
import { define as validate } from "./validate.js";
import { define as verify } from "./verify.js";

/**
 * A command module declares its options with commander and imports its work lazily inside the
 * action (`await import(...)`), so `soc2 --help` loads no SDK or driver.
 */
export type DefineCommand = (program: Command, context: CliContext) => void;

/** Every command, in the order `soc2 --help` lists them. */
export const commands: DefineCommand[] = [
  check,
  validate,
  controls,
  criteria,
  accessReview,
  verify,
  keygen,
  evidence,
  report,
  attest,
  incident,
  coverage,
  status,
  init,
];
