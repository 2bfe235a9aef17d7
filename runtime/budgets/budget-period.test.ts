import { describe, expect, it } from "vitest";
import {
  budgetPeriodAt,
  createBudgetPeriods,
  foreverPeriod,
  isValidTimeZone,
  parseBudgetDuration,
  type BudgetPeriod,
  type ParsedBudgetDuration,
} from "./budget-period.ts";

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

function period(duration: string, now: string, timeZone?: string): { start: string; end: string } {
  const parsed = parseBudgetDuration(duration);
  if (parsed === null) throw new Error(`bad duration ${duration}`);
  const result: BudgetPeriod = budgetPeriodAt(parsed, at(now), timeZone);
  return { start: iso(result.start), end: iso(result.end) };
}

const hours = (range: { start: string; end: string }): number => (at(range.end) - at(range.start)) / 3_600_000;

describe("parseBudgetDuration", () => {
  it("reads LiteLLM's duration strings", () => {
    expect(parseBudgetDuration("30s")).toEqual({ count: 30, unit: "s" });
    expect(parseBudgetDuration("10m")).toEqual({ count: 10, unit: "m" });
    expect(parseBudgetDuration("1h")).toEqual({ count: 1, unit: "h" });
    expect(parseBudgetDuration("1d")).toEqual({ count: 1, unit: "d" });
    expect(parseBudgetDuration("7d")).toEqual({ count: 7, unit: "d" });
    expect(parseBudgetDuration("30d")).toEqual({ count: 30, unit: "d" });
    expect(parseBudgetDuration("2w")).toEqual({ count: 2, unit: "w" });
    expect(parseBudgetDuration("1mo")).toEqual({ count: 1, unit: "mo" });
    expect(parseBudgetDuration(" 1d ")).toEqual({ count: 1, unit: "d" });
  });

  it("refuses anything else", () => {
    for (const text of ["", "d", "0d", "-1d", "1.5d", "1y", "1M", "1 d", "1dd", "mo", "1000000d", "none", "1D"]) {
      expect(parseBudgetDuration(text), text).toBeNull();
    }
  });
});

describe("budgetPeriodAt in UTC", () => {
  it("1d is the calendar day", () => {
    expect(period("1d", "2024-05-15T10:30:00Z")).toEqual({ start: "2024-05-15T00:00:00.000Z", end: "2024-05-16T00:00:00.000Z" });
  });

  it("7d and 1w are ISO weeks starting Monday 00:00", () => {
    // 2024-05-15 is a Wednesday.
    const week = { start: "2024-05-13T00:00:00.000Z", end: "2024-05-20T00:00:00.000Z" };
    expect(period("7d", "2024-05-15T10:30:00Z")).toEqual(week);
    expect(period("1w", "2024-05-15T10:30:00Z")).toEqual(week);
    expect(period("7d", "2024-05-13T00:00:00Z")).toEqual(week);
    expect(period("7d", "2024-05-19T23:59:59.999Z")).toEqual(week);
  });

  it("30d and 1mo are the calendar month (LiteLLM resets 30d on the 1st)", () => {
    const may = { start: "2024-05-01T00:00:00.000Z", end: "2024-06-01T00:00:00.000Z" };
    expect(period("30d", "2024-05-15T10:30:00Z")).toEqual(may);
    expect(period("1mo", "2024-05-15T10:30:00Z")).toEqual(may);
    expect(period("1mo", "2024-02-29T23:59:59Z")).toEqual({ start: "2024-02-01T00:00:00.000Z", end: "2024-03-01T00:00:00.000Z" });
    expect(period("1mo", "2024-12-31T12:00:00Z")).toEqual({ start: "2024-12-01T00:00:00.000Z", end: "2025-01-01T00:00:00.000Z" });
  });

  it("3mo is a calendar quarter and 12mo a calendar year", () => {
    expect(period("3mo", "2024-05-15T10:30:00Z")).toEqual({ start: "2024-04-01T00:00:00.000Z", end: "2024-07-01T00:00:00.000Z" });
    expect(period("12mo", "2024-05-15T10:30:00Z")).toEqual({ start: "2024-01-01T00:00:00.000Z", end: "2025-01-01T00:00:00.000Z" });
  });

  it("other day counts are counted from 1970-01-01", () => {
    // 2024-05-15 is day 19858 since 1970-01-01; 19858 = 2 * 9929, so a 2d period starts that day.
    expect(period("2d", "2024-05-15T10:30:00Z")).toEqual({ start: "2024-05-15T00:00:00.000Z", end: "2024-05-17T00:00:00.000Z" });
    expect(period("2d", "2024-05-16T10:30:00Z")).toEqual({ start: "2024-05-15T00:00:00.000Z", end: "2024-05-17T00:00:00.000Z" });
    // 19858 = 3 * 6619 + 1
    expect(period("3d", "2024-05-15T10:30:00Z")).toEqual({ start: "2024-05-14T00:00:00.000Z", end: "2024-05-17T00:00:00.000Z" });
  });

  it("14d and 2w are pairs of ISO weeks counted from Monday 1970-01-05", () => {
    // 2024-05-13 (a Monday) is day 19856; (19856 - 4) / 7 = 2836 weeks: an even week, so a pair starts there.
    const pair = { start: "2024-05-13T00:00:00.000Z", end: "2024-05-27T00:00:00.000Z" };
    expect(period("14d", "2024-05-15T10:30:00Z")).toEqual(pair);
    expect(period("2w", "2024-05-22T10:30:00Z")).toEqual(pair);
    expect(period("2w", "2024-05-12T10:30:00Z")).toEqual({ start: "2024-04-29T00:00:00.000Z", end: "2024-05-13T00:00:00.000Z" });
  });

  it("seconds, minutes and hours are laid end to end from midnight", () => {
    expect(period("30s", "2024-05-15T10:30:45.500Z")).toEqual({ start: "2024-05-15T10:30:30.000Z", end: "2024-05-15T10:31:00.000Z" });
    expect(period("10m", "2024-05-15T10:37:00Z")).toEqual({ start: "2024-05-15T10:30:00.000Z", end: "2024-05-15T10:40:00.000Z" });
    expect(period("1h", "2024-05-15T10:37:00Z")).toEqual({ start: "2024-05-15T10:00:00.000Z", end: "2024-05-15T11:00:00.000Z" });
    expect(period("5h", "2024-05-15T12:00:00Z")).toEqual({ start: "2024-05-15T10:00:00.000Z", end: "2024-05-15T15:00:00.000Z" });
    // The last 5h period of the day is cut at midnight.
    expect(period("5h", "2024-05-15T22:00:00Z")).toEqual({ start: "2024-05-15T20:00:00.000Z", end: "2024-05-16T00:00:00.000Z" });
    expect(period("24h", "2024-05-15T22:00:00Z")).toEqual({ start: "2024-05-15T00:00:00.000Z", end: "2024-05-16T00:00:00.000Z" });
  });

  it("more than a day of hours counts from the Unix epoch", () => {
    // 2024-05-15T00:00Z is 476592 hours after the epoch = 36 * 13238 + 24.
    expect(period("36h", "2024-05-15T10:00:00Z")).toEqual({ start: "2024-05-14T00:00:00.000Z", end: "2024-05-15T12:00:00.000Z" });
  });

  it("a period's start belongs to it and its end to the next one", () => {
    const day = budgetPeriodAt({ count: 1, unit: "d" }, at("2024-05-15T00:00:00Z"));
    expect(iso(day.start)).toBe("2024-05-15T00:00:00.000Z");
    expect(iso(budgetPeriodAt({ count: 1, unit: "d" }, day.end).start)).toBe("2024-05-16T00:00:00.000Z");
    expect(iso(budgetPeriodAt({ count: 1, unit: "d" }, day.end - 1).start)).toBe("2024-05-15T00:00:00.000Z");
  });
});

describe("budgetPeriodAt in America/New_York", () => {
  const zone = "America/New_York";

  it("a day is local midnight to local midnight", () => {
    expect(period("1d", "2024-05-15T03:00:00Z", zone)).toEqual({ start: "2024-05-14T04:00:00.000Z", end: "2024-05-15T04:00:00.000Z" });
  });

  it("the spring-forward day lasts 23 hours", () => {
    // 2024-03-10 02:00 EST -> 03:00 EDT.
    const day = period("1d", "2024-03-10T12:00:00Z", zone);
    expect(day).toEqual({ start: "2024-03-10T05:00:00.000Z", end: "2024-03-11T04:00:00.000Z" });
    expect(hours(day)).toBe(23);
  });

  it("the fall-back day lasts 25 hours", () => {
    // 2024-11-03 02:00 EDT -> 01:00 EST; both 01:30s belong to the same day.
    const day = period("1d", "2024-11-03T05:30:00Z", zone);
    expect(day).toEqual({ start: "2024-11-03T04:00:00.000Z", end: "2024-11-04T05:00:00.000Z" });
    expect(hours(day)).toBe(25);
    expect(period("1d", "2024-11-03T06:30:00Z", zone)).toEqual(day);
  });

  it("hours follow the wall clock through the transitions", () => {
    // 01:xx EST is the last hour before the jump; the next period starts at 03:00 EDT.
    expect(period("1h", "2024-03-10T06:30:00Z", zone)).toEqual({ start: "2024-03-10T06:00:00.000Z", end: "2024-03-10T07:00:00.000Z" });
    expect(period("1h", "2024-03-10T07:30:00Z", zone)).toEqual({ start: "2024-03-10T07:00:00.000Z", end: "2024-03-10T08:00:00.000Z" });
    // The 5h periods of the 23-hour day: the last one runs from 20:00 elapsed (= 21:00 EDT) to midnight.
    expect(period("5h", "2024-03-11T03:30:00Z", zone)).toEqual({ start: "2024-03-11T01:00:00.000Z", end: "2024-03-11T04:00:00.000Z" });
  });

  it("the week and the month that contain a transition", () => {
    // Monday 2024-03-04 00:00 EST to Monday 2024-03-11 00:00 EDT.
    const week = period("7d", "2024-03-10T12:00:00Z", zone);
    expect(week).toEqual({ start: "2024-03-04T05:00:00.000Z", end: "2024-03-11T04:00:00.000Z" });
    expect(hours(week)).toBe(7 * 24 - 1);
    expect(period("1mo", "2024-03-10T12:00:00Z", zone)).toEqual({ start: "2024-03-01T05:00:00.000Z", end: "2024-04-01T04:00:00.000Z" });
    expect(period("1mo", "2024-11-30T12:00:00Z", zone)).toEqual({ start: "2024-11-01T04:00:00.000Z", end: "2024-12-01T05:00:00.000Z" });
  });

  it("late evening local time is still the local date, not the UTC one", () => {
    // 2024-05-31 22:00 EDT is 2024-06-01 in UTC but still May in New York.
    expect(period("1mo", "2024-06-01T02:00:00Z", zone)).toEqual({ start: "2024-05-01T04:00:00.000Z", end: "2024-06-01T04:00:00.000Z" });
    // Sunday 2024-05-19 22:00 EDT is Monday in UTC but still the old week in New York.
    expect(period("7d", "2024-05-20T02:00:00Z", zone)).toEqual({ start: "2024-05-13T04:00:00.000Z", end: "2024-05-20T04:00:00.000Z" });
  });
});

describe("budgetPeriodAt in Europe/Berlin", () => {
  const zone = "Europe/Berlin";

  it("the spring-forward day lasts 23 hours", () => {
    // 2024-03-31 02:00 CET -> 03:00 CEST.
    const day = period("1d", "2024-03-31T10:00:00Z", zone);
    expect(day).toEqual({ start: "2024-03-30T23:00:00.000Z", end: "2024-03-31T22:00:00.000Z" });
    expect(hours(day)).toBe(23);
  });

  it("the fall-back day lasts 25 hours", () => {
    // 2024-10-27 03:00 CEST -> 02:00 CET.
    const day = period("1d", "2024-10-27T10:00:00Z", zone);
    expect(day).toEqual({ start: "2024-10-26T22:00:00.000Z", end: "2024-10-27T23:00:00.000Z" });
    expect(hours(day)).toBe(25);
  });

  it("the week that ends on the spring-forward Sunday", () => {
    expect(period("7d", "2024-03-31T10:00:00Z", zone)).toEqual({ start: "2024-03-24T23:00:00.000Z", end: "2024-03-31T22:00:00.000Z" });
  });

  it("months start on the 1st at local midnight, in winter and in summer time", () => {
    expect(period("1mo", "2024-01-15T10:00:00Z", zone)).toEqual({ start: "2023-12-31T23:00:00.000Z", end: "2024-01-31T23:00:00.000Z" });
    expect(period("30d", "2024-10-15T10:00:00Z", zone)).toEqual({ start: "2024-09-30T22:00:00.000Z", end: "2024-10-31T23:00:00.000Z" });
    // 2024-10-31 23:30 UTC is already November in Berlin.
    expect(period("1mo", "2024-10-31T23:30:00Z", zone)).toEqual({ start: "2024-10-31T23:00:00.000Z", end: "2024-11-30T23:00:00.000Z" });
  });
});

describe("budgetPeriodAt in zones with unusual offsets and transitions", () => {
  it("Asia/Kolkata (+05:30): hours start at local :00", () => {
    expect(period("1h", "2024-05-15T10:45:00Z", "Asia/Kolkata")).toEqual({ start: "2024-05-15T10:30:00.000Z", end: "2024-05-15T11:30:00.000Z" });
    expect(period("1d", "2024-05-15T10:45:00Z", "Asia/Kolkata")).toEqual({ start: "2024-05-14T18:30:00.000Z", end: "2024-05-15T18:30:00.000Z" });
  });

  it("Asia/Kathmandu (+05:45)", () => {
    expect(period("1d", "2024-05-15T10:45:00Z", "Asia/Kathmandu")).toEqual({ start: "2024-05-14T18:15:00.000Z", end: "2024-05-15T18:15:00.000Z" });
  });

  it("America/Santiago: a day with no midnight starts at the jump", () => {
    // 2024-09-08 00:00 -04 does not exist: clocks jump to 01:00 -03 at 04:00Z.
    const day = period("1d", "2024-09-08T12:00:00Z", "America/Santiago");
    expect(day).toEqual({ start: "2024-09-08T04:00:00.000Z", end: "2024-09-09T03:00:00.000Z" });
    expect(hours(day)).toBe(23);
    expect(period("1d", "2024-09-08T03:59:59Z", "America/Santiago")).toEqual({ start: "2024-09-07T04:00:00.000Z", end: "2024-09-08T04:00:00.000Z" });
  });

  it("America/Santiago: the day before a fall-back at midnight lasts 25 hours", () => {
    // 2024-04-07 00:00 -03 (03:00Z) goes back to 2024-04-06 23:00 -04.
    const day = period("1d", "2024-04-06T12:00:00Z", "America/Santiago");
    expect(day).toEqual({ start: "2024-04-06T03:00:00.000Z", end: "2024-04-07T04:00:00.000Z" });
    expect(hours(day)).toBe(25);
  });

  it("Australia/Lord_Howe (half-hour DST)", () => {
    // 2024-04-07 02:00 +11 -> 01:30 +10:30: a 24.5-hour day.
    const day = period("1d", "2024-04-07T05:00:00Z", "Australia/Lord_Howe");
    expect(day).toEqual({ start: "2024-04-06T13:00:00.000Z", end: "2024-04-07T13:30:00.000Z" });
  });
});

describe("periods tile time", () => {
  // Deterministic pseudo-random instants across several years.
  function* instants(count: number): Generator<number> {
    let seed = 12345;
    for (let index = 0; index < count; index++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      yield at("2019-01-01T00:00:00Z") + Math.floor((seed / 2147483648) * 8 * 365 * 86_400_000);
    }
  }
  const durations: ParsedBudgetDuration[] = ["1d", "7d", "30d", "1mo", "3mo", "2d", "2w", "5h", "1h", "10m", "30s"].map(
    (text) => parseBudgetDuration(text)!,
  );

  for (const zone of ["UTC", "America/New_York", "Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata"]) {
    it(`every instant lies in its period, and each period is followed by the next one (${zone})`, () => {
      for (const now of instants(150)) {
        for (const duration of durations) {
          const current = budgetPeriodAt(duration, now, zone);
          expect(current.start <= now && now < current.end, `${duration.count}${duration.unit} at ${iso(now)}`).toBe(true);
          expect(budgetPeriodAt(duration, current.end, zone).start).toBe(current.end);
          expect(budgetPeriodAt(duration, current.start, zone)).toEqual(current);
        }
      }
    });
  }
});

describe("createBudgetPeriods", () => {
  it("answers the period of a duration string and rolls over when it ends", () => {
    const periods = createBudgetPeriods("Europe/Berlin");
    const first = periods.periodOf("1d", at("2024-03-31T10:00:00Z"));
    expect({ start: iso(first.start), end: iso(first.end!) }).toEqual({ start: "2024-03-30T23:00:00.000Z", end: "2024-03-31T22:00:00.000Z" });
    expect(periods.periodOf("1d", at("2024-03-31T21:59:59Z"))).toEqual(first);
    const next = periods.periodOf("1d", at("2024-03-31T22:00:00Z"));
    expect(iso(next.start)).toBe("2024-03-31T22:00:00.000Z");
    // Going back in time still answers the right period.
    expect(periods.periodOf("1d", at("2024-03-31T10:00:00Z"))).toEqual(first);
  });

  it("a budget without a duration never resets", () => {
    expect(createBudgetPeriods().periodOf(null, Date.now())).toBe(foreverPeriod);
  });

  it("refuses bad durations and unknown time zones with a message saying what is expected", () => {
    expect(() => createBudgetPeriods().periodOf("1y", 0)).toThrow(/Invalid budget duration "1y": expected a positive whole number/);
    expect(() => createBudgetPeriods("Mars/Olympus")).toThrow(/Unknown time zone "Mars\/Olympus"/);
    expect(isValidTimeZone("America/New_York")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
  });
});
