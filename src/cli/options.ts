import { InvalidArgumentError } from "commander";
import { SEVERITIES, type Severity } from "../catalog/constants.js";
import type { CliIO } from "./context.js";

export function parseSeverity(value: string): Severity {
  if (!(SEVERITIES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${SEVERITIES.join(", ")}`);
  return value as Severity;
}

/** `--now` for replay and tests: an ISO-8601 date or time, in UTC unless it carries an offset. */
export function parseInstant(value: string): Date {
  const expected = "expected an ISO-8601 date or time, e.g. 2026-12-04 or 2026-12-04T10:00:00Z";
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/.exec(value);
  if (!match) throw new InvalidArgumentError(expected);
  const text = value.length === 10 ? `${value}T00:00:00Z` : value;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError(expected);
  // Date accepts 2026-02-30 and moves it to March; a calendar date that does not exist is a typo.
  const [, year, month, day] = match.map(Number);
  const calendar = new Date(Date.UTC(year!, month! - 1, day!));
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month! - 1 || calendar.getUTCDate() !== day) {
    throw new InvalidArgumentError(`${value.slice(0, 10)} is not a calendar date`);
  }
  return date;
}

export function collectList(value: string, previous: string[] = []): string[] {
  const items = value.split(",").map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError("expected at least one name, comma-separated");
  return [...previous, ...items];
}

/** Colour only on a terminal, and never with a non-empty NO_COLOR (https://no-color.org). */
export function useColor(io: CliIO): boolean {
  return io.isTTY && !io.env.NO_COLOR && io.env.TERM !== "dumb";
}

/** Debug lines behind `--debug` or `DEBUG=soc2:*`; free when off. */
export function debugLogger(io: CliIO, enabled: boolean): ((message: string) => void) | undefined {
  const fromEnv = (io.env.DEBUG ?? "").split(",").some((pattern) => pattern === "soc2:*" || pattern === "*" || pattern === "soc2");
  if (!enabled && !fromEnv) return undefined;
  return (message) => io.stderr(`soc2:debug ${message}\n`);
}
