/**
 * What /spend/logs and /spend/report mean, whatever store answers them (Postgres, SQLite):
 *
 * - Logs are newest first, ordered by (timestamp, request id). The cursor is the base64url JSON
 *   of the last row's [timestamp ms, request id]; the next page holds rows strictly after it in
 *   that order, so rows written meanwhile never shift a page (no OFFSET).
 * - Reports work on whole UTC days: a range covers every UTC day that overlaps [from, to).
 *   Rows without a team, key, user or customer are grouped under "" (empty string).
 */
import { invalidRequest } from "../http/errors.ts";

/** Largest page /spend/logs returns, whatever `limit` asks. */
export const maxLogsPageSize = 1000;

const day = 86_400_000;

/** The page size a store serves for a requested `limit`: 1..maxLogsPageSize (100 when not a number). */
export function logsPageSize(limit: number): number {
  return Math.max(1, Math.min(maxLogsPageSize, Math.floor(Number.isFinite(limit) ? limit : 100)));
}

export function encodeLogsCursor(timestamp: number, requestId: string): string {
  return Buffer.from(JSON.stringify([timestamp, requestId])).toString("base64url");
}

/** Throws a 400 (param "cursor") for anything that is not a cursor from encodeLogsCursor. */
export function decodeLogsCursor(cursor: string): { timestamp: number; requestId: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && Number.isFinite(value[0]) && typeof value[1] === "string") {
      return { timestamp: value[0] as number, requestId: value[1] };
    }
  } catch {
    // Reported below.
  }
  throw invalidRequest("The cursor is not one returned by /spend/logs; start again without a cursor.", "cursor", "invalid_cursor");
}

/** The UTC day (YYYY-MM-DD) of a Unix ms time: the key of the daily aggregates. */
export const utcDayOf = (timestamp: number): string => new Date(Math.floor(timestamp / day) * day).toISOString().slice(0, 10);

/** First UTC day (YYYY-MM-DD) overlapping [from, ...). */
export const firstReportDay = (from: number): string => utcDayOf(from);

/** First UTC day after the last one overlapping [..., to). */
export const endReportDay = (to: number): string => new Date(Math.ceil(to / day) * day).toISOString().slice(0, 10);
