/**
 * Budget periods: LiteLLM's duration strings ("30s", "10m", "1h", "1d", "7d", "30d", "1mo")
 * turned into the half-open interval [start, end) of Unix ms that contains a given instant,
 * in an IANA time zone (default UTC). Every replica computes the same interval for the same
 * instant without shared state, so the interval's start names the period's counters.
 *
 * Alignment (local wall-clock time in the zone, DST-correct: a local day lasts 23, 24 or 25 hours):
 * - `Nd` with N = 1: one local day, from local midnight to the next local midnight.
 * - `Nd` with N = 7 and `Nw`: weeks starting Monday 00:00 local (ISO 8601); `Nw`/`7Nd` with N > 1
 *   groups weeks counted from Monday 1970-01-05, so every replica agrees where a group starts.
 * - `30d`: the local calendar month, like `1mo`. LiteLLM resets a 30d budget on the 1st of the
 *   month (its docs: "Monthly (30d) resets on the 1st of each month at midnight"); keys moved
 *   from LiteLLM keep their reset day.
 * - Other `Nd`: N local days, counted from the local date 1970-01-01 (days since that date,
 *   rounded down to a multiple of N), each starting at local midnight.
 * - `Nmo`: N calendar months starting on the 1st at 00:00 local, counted from January 1970:
 *   `3mo` is calendar quarters, `12mo` calendar years.
 * - `Ns`, `Nm`, `Nh` (up to 24 hours): fixed lengths laid end to end from local midnight; the
 *   last one of a day ends at the next local midnight (shorter when N does not divide the day),
 *   like LiteLLM's aligned resets ("5h": 00:00, 05:00, 10:00, 15:00, 20:00).
 *   Longer ones ("36h") are fixed lengths counted from the Unix epoch.
 *
 * Where local midnight does not exist (a DST jump at midnight, e.g. America/Santiago), the day
 * starts at its first instant. Intl.DateTimeFormat supplies the zone's offsets; formatters are
 * cached per zone, and `createBudgetPeriods` caches the current interval per duration so the
 * request path does no date arithmetic until a period ends.
 */

export type BudgetDurationUnit = "s" | "m" | "h" | "d" | "w" | "mo";

export interface ParsedBudgetDuration {
  readonly count: number;
  readonly unit: BudgetDurationUnit;
}

/** Half-open [start, end) in Unix ms. */
export interface BudgetPeriod {
  readonly start: number;
  readonly end: number;
}

/** For error messages about a bad `budget_duration`. */
export const budgetDurationHelp =
  'a positive whole number followed by a unit: "s" (seconds), "m" (minutes), "h" (hours), "d" (days), "w" (weeks) or "mo" (months), e.g. "30s", "1h", "1d", "7d", "30d", "1mo"';

const secondMs = 1000;
const minuteMs = 60_000;
const hourMs = 3_600_000;
const dayMs = 86_400_000;
/** Monday 1970-01-05 as a day number (days since 1970-01-01). */
const epochMonday = 4;
const durationPattern = /^(\d{1,6})(mo|s|m|h|d|w)$/;

/** The duration, or null when `text` is not one (see `budgetDurationHelp`). Surrounding spaces are allowed. */
export function parseBudgetDuration(text: string): ParsedBudgetDuration | null {
  const match = durationPattern.exec(text.trim());
  if (match === null) return null;
  const count = Number(match[1]);
  if (count < 1) return null;
  return { count, unit: match[2] as BudgetDurationUnit };
}

/** Whether the runtime knows the IANA time zone (e.g. "Europe/Berlin"; "UTC"). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface WallClock {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClockAt(timeZone: string, instant: number): WallClock {
  const wall: WallClock = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    switch (part.type) {
      case "year":
        wall.year = Number(part.value);
        break;
      case "month":
        wall.month = Number(part.value);
        break;
      case "day":
        wall.day = Number(part.value);
        break;
      case "hour":
        // Some engines print midnight as 24 even with hourCycle h23.
        wall.hour = Number(part.value) % 24;
        break;
      case "minute":
        wall.minute = Number(part.value);
        break;
      case "second":
        wall.second = Number(part.value);
        break;
    }
  }
  return wall;
}

/** Local time minus UTC at `instant`, in ms (whole seconds: historical offsets have seconds). */
function offsetAt(timeZone: string, instant: number): number {
  const wall = wallClockAt(timeZone, instant);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(instant / secondMs) * secondMs;
}

/** Days since 1970-01-01 of the local date at `instant`. */
function localDayNumber(timeZone: string, instant: number): number {
  if (timeZone === "UTC") return Math.floor(instant / dayMs);
  const wall = wallClockAt(timeZone, instant);
  return Date.UTC(wall.year, wall.month - 1, wall.day) / dayMs;
}

/**
 * First instant of the local date `dayNumber` (days since 1970-01-01). Candidates are local
 * midnight under each offset in force around that date; the earliest one whose local date is
 * `dayNumber` is the start (in a DST gap at midnight, that is the moment of the jump).
 */
function startOfLocalDay(timeZone: string, dayNumber: number): number {
  const midnightAsUtc = dayNumber * dayMs;
  if (timeZone === "UTC") return midnightAsUtc;
  let start = Number.POSITIVE_INFINITY;
  const offsets = new Set([
    offsetAt(timeZone, midnightAsUtc - dayMs),
    offsetAt(timeZone, midnightAsUtc),
    offsetAt(timeZone, midnightAsUtc + dayMs),
  ]);
  for (const offset of offsets) {
    const candidate = midnightAsUtc - offset;
    if (candidate < start && localDayNumber(timeZone, candidate) === dayNumber) start = candidate;
  }
  // Unreachable for real zones (some candidate always lands on the date); keep the plain answer.
  return Number.isFinite(start) ? start : midnightAsUtc - offsetAt(timeZone, midnightAsUtc);
}

function floorMultiple(value: number, step: number, origin = 0): number {
  return origin + Math.floor((value - origin) / step) * step;
}

function dayRange(timeZone: string, firstDay: number, dayCount: number): BudgetPeriod {
  return { start: startOfLocalDay(timeZone, firstDay), end: startOfLocalDay(timeZone, firstDay + dayCount) };
}

function monthRange(timeZone: string, instant: number, monthCount: number): BudgetPeriod {
  const date = new Date(localDayNumber(timeZone, localDay(timeZone, instant).start) * dayMs);
  const monthsSince1970 = (date.getUTCFullYear() - 1970) * 12 + date.getUTCMonth();
  const first = floorMultiple(monthsSince1970, monthCount);
  const dayOfMonthStart = (months: number): number => Date.UTC(1970, months, 1) / dayMs;
  return {
    start: startOfLocalDay(timeZone, dayOfMonthStart(first)),
    end: startOfLocalDay(timeZone, dayOfMonthStart(first + monthCount)),
  };
}

function clockRange(timeZone: string, instant: number, lengthMs: number): BudgetPeriod {
  if (lengthMs > dayMs) {
    const start = floorMultiple(instant, lengthMs);
    return { start, end: start + lengthMs };
  }
  const day = localDay(timeZone, instant);
  const start = floorMultiple(instant, lengthMs, day.start);
  return { start, end: Math.min(start + lengthMs, day.end) };
}

/** The local day containing `instant`, as [first instant, first instant of the next day). */
function localDay(timeZone: string, instant: number): BudgetPeriod {
  const dayNumber = localDayNumber(timeZone, instant);
  const day = dayRange(timeZone, dayNumber, 1);
  // A DST fall-back across midnight repeats part of the previous date after the new one began:
  // those instants belong to the day that has already started.
  if (instant >= day.end) return dayRange(timeZone, dayNumber + 1, 1);
  return day;
}

/** The period of `duration` containing `now` (Unix ms) in `timeZone` (IANA name; default UTC). */
export function budgetPeriodAt(duration: ParsedBudgetDuration, now: number, timeZone = "UTC"): BudgetPeriod {
  const { count, unit } = duration;
  switch (unit) {
    case "s":
      return clockRange(timeZone, now, count * secondMs);
    case "m":
      return clockRange(timeZone, now, count * minuteMs);
    case "h":
      return clockRange(timeZone, now, count * hourMs);
    case "mo":
      return monthRange(timeZone, now, count);
    case "w":
      return weekRange(timeZone, now, count);
    case "d": {
      if (count === 1) return localDay(timeZone, now);
      if (count === 30) return monthRange(timeZone, now, 1);
      if (count % 7 === 0) return weekRange(timeZone, now, count / 7);
      const today = localDay(timeZone, now);
      const first = floorMultiple(localDayNumber(timeZone, today.start), count);
      return dayRange(timeZone, first, count);
    }
  }
}

function weekRange(timeZone: string, instant: number, weekCount: number): BudgetPeriod {
  const today = localDay(timeZone, instant);
  const first = floorMultiple(localDayNumber(timeZone, today.start), 7 * weekCount, epochMonday);
  return dayRange(timeZone, first, 7 * weekCount);
}

/** A period with no end: a budget without `budget_duration` never resets. */
export const foreverPeriod: { readonly start: 0; readonly end: null } = Object.freeze({ start: 0, end: null });

export interface BudgetPeriods {
  readonly timeZone: string;
  /**
   * The period of `budgetDuration` containing `now`; `foreverPeriod` for null. Cached per
   * duration string until the period ends. Throws RangeError for a string that
   * `parseBudgetDuration` refuses (validate durations when they are configured).
   */
  periodOf(budgetDuration: string | null, now: number): { readonly start: number; readonly end: number | null };
}

/** Throws RangeError for a time zone the runtime does not know. */
export function createBudgetPeriods(timeZone = "UTC"): BudgetPeriods {
  if (!isValidTimeZone(timeZone)) throw new RangeError(`Unknown time zone "${timeZone}": use an IANA name such as "UTC" or "Europe/Berlin".`);
  const current = new Map<string, BudgetPeriod>();
  const maxCached = 1024;
  return {
    timeZone,
    periodOf(budgetDuration, now) {
      if (budgetDuration === null) return foreverPeriod;
      const cached = current.get(budgetDuration);
      if (cached !== undefined && cached.start <= now && now < cached.end) return cached;
      const parsed = parseBudgetDuration(budgetDuration);
      if (parsed === null) throw new RangeError(`Invalid budget duration "${budgetDuration}": expected ${budgetDurationHelp}.`);
      const period = budgetPeriodAt(parsed, now, timeZone);
      if (current.size >= maxCached && cached === undefined) current.clear();
      current.set(budgetDuration, period);
      return period;
    },
  };
}
