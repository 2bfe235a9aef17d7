/**
 * The rules every BudgetLedger implementation follows (memory here, Redis Lua in
 * runtime/host/redis/budget-scripts.ts mirrors them):
 *
 * - Money is counted in whole nano-dollars (1e-9 USD): sums are exact (no float drift between
 *   replicas or over millions of requests) and fit Lua's doubles and Redis' 64-bit integers up
 *   to $9,007,199 per subject and period. Reservations round up, settlements to nearest.
 * - Each subject and period has a counter: settled spend, reserved spend (the sum of its live
 *   reservations), and the reservations themselves with their expiry. A reservation never
 *   settled or released (a crashed process) expires after the reservation TTL and stops counting.
 * - `reserve` refuses when, for any subject with a hard limit, `settled + reserved` has reached
 *   the limit (a budget of 0 refuses everything), and also, with `refuseWhen: "would-exceed"`
 *   (the default), when `settled + reserved + worstCase` would pass it: a budget is then never
 *   passed while real costs stay within their worst cases. With `refuseWhen: "exhausted"`
 *   (LiteLLM's rule) each request is admitted while budget is left, so the last one may pass
 *   the limit by at most its worst-case cost. Either way, checks run for every subject first
 *   and the reservation is counted against all or none.
 * - The soft limit is crossed when settled spend reaches it; each subject's crossing is reported
 *   once per period (a flag stored with the period's counter).
 * - A settlement always adds the real cost to the period the reservation was made in, even when
 *   the reservation has already expired or the period has ended.
 * - Counters are kept until their period ends plus the reservation TTL (a late settlement still
 *   lands), then dropped; a budget without a period keeps its counter forever.
 */
import type { BudgetSettings, Subject } from "./ports.ts";

/** A reservation never settled or released stops counting after this long. */
export const defaultReservationTtlMs = 10 * 60_000;

export type RefuseWhen = "would-exceed" | "exhausted";

const nanosPerUsd = 1e9;

/** USD -> whole nano-dollars, rounded up (reservations: never under-reserve). */
export function toNanosUp(usd: number): number {
  return Number.isFinite(usd) && usd > 0 ? Math.ceil(usd * nanosPerUsd - 1e-6) : 0;
}

/** USD -> whole nano-dollars, rounded to nearest (settlements, limits). */
export function toNanos(usd: number): number {
  return Number.isFinite(usd) && usd > 0 ? Math.round(usd * nanosPerUsd) : 0;
}

export function fromNanos(nanos: number): number {
  return nanos / nanosPerUsd;
}

/** A limit in nano-dollars; -1 for none. */
export function limitNanos(usd: number | null): number {
  return usd === null || !Number.isFinite(usd) ? -1 : toNanos(usd);
}

export function isRefused(settled: number, reserved: number, worstCase: number, maxBudget: number, refuseWhen: RefuseWhen): boolean {
  if (maxBudget < 0) return false;
  const committed = settled + reserved;
  return committed >= maxBudget || (refuseWhen === "would-exceed" && committed + worstCase > maxBudget);
}

/** When a period's counter may be dropped; null: never. */
export function counterExpiresAt(periodEnd: number | null, reservationTtlMs: number): number | null {
  return periodEnd === null ? null : periodEnd + reservationTtlMs;
}

export interface BudgetSubject {
  subject: Subject;
  budget: BudgetSettings;
  periodStart: number;
  periodEnd: number | null;
}

export function exceededFor(entry: BudgetSubject, spentNanos: number): {
  subject: Subject;
  spentUsd: number;
  maxBudgetUsd: number;
  periodEnd: string | null;
} {
  return {
    subject: entry.subject,
    spentUsd: fromNanos(spentNanos),
    maxBudgetUsd: entry.budget.maxBudget ?? 0,
    periodEnd: entry.periodEnd === null ? null : new Date(entry.periodEnd).toISOString(),
  };
}

/** A counter's name: one per subject and period. Kinds never contain ":", so ids may. */
export function counterName(subject: Subject, periodStart: number): string {
  return `${periodStart}:${subject.kind}:${subject.id}`;
}
