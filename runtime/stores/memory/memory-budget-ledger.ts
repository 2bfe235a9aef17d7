/**
 * The in-process BudgetLedger (the embedded default, and the fallback while Redis is
 * unreachable). Each `reserve` reads, decides and counts with no await in between, so it is
 * atomic within the process. Rules: budget-rules.ts.
 */
import {
  admission,
  counterExpiresAt,
  counterName,
  defaultReservationTtlMs,
  exceededFor,
  fromNanos,
  limitNanos,
  toNanos,
  toNanosUp,
  type BudgetSubject,
} from "../../budgets/budget-rules.ts";
import type { BudgetLedger, ReservationDecision, SettleOutcome, Subject } from "../ports.ts";

export interface MemoryBudgetLedgerOptions {
  /** A reservation never settled or released stops counting after this long (ms). Default 10 minutes. */
  reservationTtlMs?: number;
}

interface Counter {
  subject: Subject;
  /** Nano-dollars. */
  settled: number;
  reserved: number;
  /** Reservation id -> amount and expiry. */
  reservations: Map<string, { amount: number; expiresAt: number }>;
  /** Earliest expiry among `reservations` (Infinity when none): sweeping is skipped before it. */
  nextExpiry: number;
  softReported: boolean;
  /** When the counter may be dropped; null: never. */
  expiresAt: number | null;
}

interface Reservation {
  madeAt: number;
  entries: Array<{ counter: Counter; softLimit: number }>;
}

function sweepCounter(counter: Counter, now: number): void {
  if (now < counter.nextExpiry) return;
  let next = Number.POSITIVE_INFINITY;
  for (const [id, reservation] of counter.reservations) {
    if (reservation.expiresAt <= now) {
      counter.reservations.delete(id);
      counter.reserved -= reservation.amount;
    } else if (reservation.expiresAt < next) {
      next = reservation.expiresAt;
    }
  }
  counter.nextExpiry = next;
}

export function createMemoryBudgetLedger(options: MemoryBudgetLedgerOptions = {}): BudgetLedger {
  const reservationTtlMs = options.reservationTtlMs ?? defaultReservationTtlMs;
  const counters = new Map<string, Counter>();
  /** In reservation order, so the oldest come first when sweeping. */
  const reservations = new Map<string, Reservation>();
  let reservationCounter = 0;
  let nextCleanup = 0;

  const counterOf = (subject: Subject, periodStart: number, periodEnd: number | null): Counter => {
    const name = counterName(subject, periodStart);
    let counter = counters.get(name);
    if (counter === undefined) {
      counter = {
        subject,
        settled: 0,
        reserved: 0,
        reservations: new Map(),
        nextExpiry: Number.POSITIVE_INFINITY,
        softReported: false,
        expiresAt: counterExpiresAt(periodEnd, reservationTtlMs),
      };
      counters.set(name, counter);
    }
    return counter;
  };

  /**
   * Once a minute: drop counters of ended periods and forget reservations kept long past their
   * expiry (a settle that late still finds its counter for up to six TTLs; after that the
   * request is only in the durable spend ledger).
   */
  const cleanup = (now: number): void => {
    if (now < nextCleanup) return;
    nextCleanup = now + 60_000;
    for (const [name, counter] of counters) {
      if (counter.expiresAt !== null && counter.expiresAt <= now) counters.delete(name);
    }
    for (const [id, reservation] of reservations) {
      if (reservation.madeAt + 6 * reservationTtlMs > now) break;
      reservations.delete(id);
    }
  };

  const settleEntries = (reservation: Reservation, reservationId: string, actual: number): Subject[] => {
    const softCrossed: Subject[] = [];
    for (const { counter, softLimit } of reservation.entries) {
      const held = counter.reservations.get(reservationId);
      if (held !== undefined) {
        counter.reservations.delete(reservationId);
        counter.reserved -= held.amount;
      }
      counter.settled += actual;
      if (softLimit >= 0 && counter.settled >= softLimit && !counter.softReported) {
        counter.softReported = true;
        softCrossed.push(counter.subject);
      }
    }
    return softCrossed;
  };

  return {
    description: "in-process budgets (this process only)",

    async reserve(subjects: ReadonlyArray<BudgetSubject>, worstCaseUsd: number, now: number): Promise<ReservationDecision> {
      if (subjects.length === 0) return { allowed: true, reservation: null, softCrossed: [], spentUsd: [] };
      cleanup(now);
      const worstCase = toNanosUp(worstCaseUsd);
      const entries = subjects.map((entry) => counterOf(entry.subject, entry.periodStart, entry.periodEnd));
      for (const counter of entries) sweepCounter(counter, now);
      const verdict = admission(entries, subjects.map((entry) => limitNanos(entry.budget.maxBudget)), worstCase);
      if (verdict.refused >= 0) {
        const counter = entries[verdict.refused]!;
        return {
          allowed: false,
          exceeded: exceededFor(subjects[verdict.refused]!, counter.settled, counter.reserved, verdict.inFlight),
          reservation: null,
          softCrossed: [],
          spentUsd: entries.map((each) => fromNanos(each.settled + each.reserved)),
        };
      }
      const amount = verdict.amount;
      const id = `m${++reservationCounter}`;
      const expiresAt = now + reservationTtlMs;
      const softCrossed: Subject[] = [];
      const reservation: Reservation = { madeAt: now, entries: [] };
      subjects.forEach((entry, index) => {
        const counter = entries[index]!;
        counter.reservations.set(id, { amount, expiresAt });
        counter.reserved += amount;
        if (expiresAt < counter.nextExpiry) counter.nextExpiry = expiresAt;
        const softLimit = limitNanos(entry.budget.softBudget);
        if (softLimit >= 0 && counter.settled >= softLimit && !counter.softReported) {
          counter.softReported = true;
          softCrossed.push(entry.subject);
        }
        reservation.entries.push({ counter, softLimit });
      });
      reservations.set(id, reservation);
      return { allowed: true, reservation: id, softCrossed, spentUsd: entries.map((counter) => fromNanos(counter.settled + counter.reserved)) };
    },

    async settle(reservationId: string, actualUsd: number): Promise<SettleOutcome> {
      const reservation = reservations.get(reservationId);
      if (reservation === undefined) return { softCrossed: [] };
      reservations.delete(reservationId);
      return { softCrossed: settleEntries(reservation, reservationId, toNanos(actualUsd)) };
    },

    async release(reservationId: string): Promise<void> {
      const reservation = reservations.get(reservationId);
      if (reservation === undefined) return;
      reservations.delete(reservationId);
      for (const { counter } of reservation.entries) {
        const held = counter.reservations.get(reservationId);
        if (held === undefined) continue;
        counter.reservations.delete(reservationId);
        counter.reserved -= held.amount;
      }
    },

    async spent(subject: Subject, periodStart: number, now = Date.now()): Promise<number> {
      const counter = counters.get(counterName(subject, periodStart));
      if (counter === undefined) return 0;
      // Read-only: `now` may come from a different clock than the one reservations were made on.
      let reserved = counter.reserved;
      if (now >= counter.nextExpiry) {
        for (const reservation of counter.reservations.values()) if (reservation.expiresAt <= now) reserved -= reservation.amount;
      }
      return fromNanos(counter.settled + reserved);
    },

    async seed(subject: Subject, periodStart: number, periodEnd: number | null, settledUsd: number): Promise<void> {
      const counter = counterOf(subject, periodStart, periodEnd);
      counter.settled = Math.max(counter.settled, toNanos(settledUsd));
    },
  };
}
