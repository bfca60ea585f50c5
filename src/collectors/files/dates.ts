/**
 * Calendar dates as written in policy front matter (`YYYY-MM-DD`), read as midnight UTC so that
 * a date means the same day on every machine that runs the check.
 */

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD` into midnight UTC, or returns undefined for a malformed or impossible date such as 2026-02-30. */
export function parseCalendarDate(text: string): Date | undefined {
  const match = CALENDAR_DATE.exec(text);
  if (!match) return undefined;

  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2026-02-30 over to 2026-03-02, so a date that changed was not a real one.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date;
}

/**
 * Adds whole calendar months in UTC. A day that does not exist in the target month is clamped
 * to that month's last day, so 2026-11-30 plus three months is 2027-02-28, not a day in March.
 */
export function addCalendarMonths(date: Date, months: number): Date {
  const targetMonth = date.getUTCMonth() + months;
  const lastDayOfTarget = new Date(Date.UTC(date.getUTCFullYear(), targetMonth + 1, 0)).getUTCDate();
  const day = Math.min(date.getUTCDate(), lastDayOfTarget);
  return new Date(Date.UTC(date.getUTCFullYear(), targetMonth, day));
}

/** Formats a date as `YYYY-MM-DD` in UTC. */
export function formatCalendarDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
