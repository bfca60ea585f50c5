/**
 * Calendar periods in UTC for manual activities: a monthly activity is due once per calendar
 * month, a quarterly one once per calendar quarter (Jan-Mar, Apr-Jun, Jul-Sep, Oct-Dec), an
 * annual one once per calendar year.
 */

export type Every = "monthly" | "quarterly" | "annual";

const MONTHS_PER_PERIOD: Record<Every, number> = { monthly: 1, quarterly: 3, annual: 12 };

/** Numbers periods with a single counter, so "the previous period" is `index - 1` across year boundaries. */
export function periodIndex(date: Date, every: Every): number {
  const months = date.getUTCFullYear() * 12 + date.getUTCMonth();
  return Math.floor(months / MONTHS_PER_PERIOD[every]);
}

/** Midnight UTC of the first day of a period. */
export function periodStart(index: number, every: Every): Date {
  const months = index * MONTHS_PER_PERIOD[every];
  return new Date(Date.UTC(Math.floor(months / 12), months % 12, 1));
}

/** Midnight UTC of the last day of a period (the whole of that day is still inside it). */
export function periodLastDay(index: number, every: Every): Date {
  const nextStart = periodStart(index + 1, every);
  return new Date(nextStart.getTime() - 24 * 60 * 60 * 1000);
}

/** Names a period for messages: `2026-12`, `2026-Q4` or `2026`. */
export function periodLabel(index: number, every: Every): string {
  const start = periodStart(index, every);
  const year = start.getUTCFullYear();
  if (every === "annual") return String(year);
  if (every === "quarterly") return `${year}-Q${Math.floor(start.getUTCMonth() / 3) + 1}`;
  return `${year}-${String(start.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** Today's calendar date in UTC as `YYYY-MM-DD`. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
