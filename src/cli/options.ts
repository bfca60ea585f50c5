import { InvalidArgumentError } from "commander";
import { SEVERITIES, type Severity } from "../catalog/control-schema.js";
import type { CliIO } from "./context.js";

export function parseSeverity(value: string): Severity {
  if (!(SEVERITIES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${SEVERITIES.join(", ")}`);
  return value as Severity;
}

/** `--now` for replay and tests: an ISO-8601 date or time, in UTC unless it carries an offset. */
export function parseInstant(value: string): Date {
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError("expected an ISO-8601 date or time, e.g. 2026-12-04 or 2026-12-04T10:00:00Z");
  return date;
}

export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(",").map((item) => item.trim()).filter(Boolean)];
}

/** Colour only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function useColor(io: CliIO): boolean {
  return io.isTTY && !("NO_COLOR" in io.env && io.env.NO_COLOR !== undefined) && io.env.TERM !== "dumb";
}

/** Debug lines behind `--debug` or `DEBUG=soc2:*`; free when off. */
export function debugLogger(io: CliIO, enabled: boolean): ((message: string) => void) | undefined {
  const fromEnv = (io.env.DEBUG ?? "").split(",").some((pattern) => pattern === "soc2:*" || pattern === "*" || pattern === "soc2");
  if (!enabled && !fromEnv) return undefined;
  return (message) => io.stderr(`soc2:debug ${message}\n`);
}
