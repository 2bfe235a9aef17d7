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
 * - Admission (one rule, for every ledger): for each subject with a hard limit, `committed` is
 *   settled + reserved and `headroom` is limit - committed. A request is refused when a subject
 *   has no headroom left (a budget of 0 refuses everything). Otherwise it reserves its worst-case
 *   cost, capped at the smallest headroom: a request that may cost more than what is left still
 *   runs (a small budget admits its first request), and reservations never add up to more than
 *   the limit, so concurrency is bounded. A capped request runs alone: while any reservation of
 *   that subject is in flight, a request whose worst case does not fit in the headroom is
 *   refused ("in flight"; retryable once they settle). Settling records the real cost.
 *   Bound: spend passes a limit only by what the one capped request in flight costs beyond
 *   its reservation, which is less than its worst case when the upstream honours max_tokens
 *   (an upstream that returns more output than asked adds that excess too, once; the subject is
 *   then refused until its period resets). Checks run for every subject first and the reservation
 *   is counted against all or none.
 * - The soft limit is crossed when settled spend reaches it; each subject's crossing is reported
 *   once per period (a flag stored with the period's counter).
 * - A settlement always adds the real cost to the period the reservation was made in, even when
 *   the reservation has already expired or the period has ended.
 * - Counters are kept until their period ends plus the reservation TTL (a late settlement still
 *   lands), then dropped; a budget without a period keeps its counter forever.
 */
import type { BudgetSettings, ReservationDecision, Subject } from "../stores/ports.ts";

/** A reservation never settled or released stops counting after this long. */
export const defaultReservationTtlMs = 10 * 60_000;

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

/** The admission rule's verdict: refused by subject `refused` (-1: admitted), reserving `amount`. */
export interface Admission {
  /** Index of the refusing subject; -1 when admitted. */
  refused: number;
  /** Refused only because requests in flight hold the subject's headroom (retryable once they settle). */
  inFlight: boolean;
  /** Nano-dollars to reserve against every subject (when admitted). */
  amount: number;
}

/**
 * The admission rule (module comment). `counters[i]` holds subject i's settled and reserved
 * nano-dollars, `limits[i]` its hard limit (-1: none). Mirrored in Lua by runtime/host/redis/budget-scripts.ts.
 */
export function admission(counters: ReadonlyArray<{ settled: number; reserved: number }>, limits: readonly number[], worstCase: number): Admission {
  let amount = worstCase;
  for (let index = 0; index < counters.length; index++) {
    const limit = limits[index]!;
    if (limit < 0) continue;
    const { settled, reserved } = counters[index]!;
    const headroom = limit - settled - reserved;
    // Nothing left: for good when settled spend took it, for now when reservations in flight hold it.
    if (headroom <= 0) return { refused: index, inFlight: settled < limit, amount: 0 };
    if (worstCase > headroom) {
      if (reserved > 0) return { refused: index, inFlight: true, amount: 0 };
      if (headroom < amount) amount = headroom;
    }
  }
  return { refused: -1, inFlight: false, amount };
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

/** What a refusal reports about the refusing subject (ReservationDecision.exceeded). */
export function exceededFor(entry: BudgetSubject, settledNanos: number, reservedNanos: number, inFlight: boolean): NonNullable<ReservationDecision["exceeded"]> {
  return {
    subject: entry.subject,
    spentUsd: fromNanos(settledNanos),
    reservedUsd: fromNanos(reservedNanos),
    maxBudgetUsd: entry.budget.maxBudget ?? 0,
    periodEnd: entry.periodEnd === null ? null : new Date(entry.periodEnd).toISOString(),
    inFlight,
  };
}

/** A counter's name: one per subject and period. Kinds never contain ":", so ids may. */
export function counterName(subject: Subject, periodStart: number): string {
  return `${periodStart}:${subject.kind}:${subject.id}`;
}
