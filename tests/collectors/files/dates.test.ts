import { describe, expect, it } from "vitest";
import { addCalendarMonths, formatCalendarDate, parseCalendarDate } from "../../../src/collectors/files/dates.js";

function date(text: string): Date {
  const parsed = parseCalendarDate(text);
  if (!parsed) throw new Error(`test date ${text} is invalid`);
  return parsed;
}

describe("parseCalendarDate", () => {
  it("reads a date as midnight UTC", () => {
    expect(parseCalendarDate("2026-02-28")?.toISOString()).toBe("2026-02-28T00:00:00.000Z");
  });

  it.each([
    ["2026-02-30", "day past the end of February"],
    ["2026-02-29", "leap day in a common year"],
    ["2026-13-01", "month 13"],
    ["2026-04-31", "day 31 in a 30-day month"],
    ["2026-00-10", "month 0"],
    ["2026-1-5", "digits missing"],
    ["2026-01-05T10:00:00Z", "a timestamp, not a date"],
    ["", "empty text"],
  ])("rejects %s (%s)", (text) => {
    expect(parseCalendarDate(text)).toBeUndefined();
  });

  it("accepts a leap day in a leap year", () => {
    expect(parseCalendarDate("2028-02-29")?.toISOString()).toBe("2028-02-29T00:00:00.000Z");
  });
});

describe("addCalendarMonths", () => {
  it.each([
    ["2026-02-28", 3, "2026-05-28", "quarterly keeps the day"],
    ["2026-01-15", 1, "2026-02-15", "monthly keeps the day"],
    ["2026-11-30", 3, "2027-02-28", "quarterly clamps to the end of February"],
    ["2026-10-15", 3, "2027-01-15", "quarterly crosses the year boundary"],
    ["2026-12-31", 1, "2027-01-31", "monthly crosses the year boundary"],
    ["2027-01-31", 1, "2027-02-28", "monthly clamps in a common year"],
    ["2028-01-31", 1, "2028-02-29", "monthly clamps to a leap day"],
    ["2026-08-31", 1, "2026-09-30", "monthly clamps to a 30-day month"],
    ["2028-02-29", 12, "2029-02-28", "annual from a leap day clamps"],
    ["2026-03-09", 12, "2027-03-09", "annual keeps the day"],
  ])("%s plus %i months is %s (%s)", (start, months, due) => {
    expect(formatCalendarDate(addCalendarMonths(date(start), months))).toBe(due);
  });
});
