/**
 * The cluster-wide BudgetLedger: per subject and period, spend and reservations live in Redis
 * and every change is one Lua script (budget-scripts.ts), so replicas share one budget and two
 * requests can never both take its last dollar. Counters expire when their period ends plus the
 * reservation TTL; a reservation never settled (a process that died) stops counting after the
 * TTL, swept by the next reserve on that counter. Reservations are remembered by the process that
 * made them (it is the one that settles or releases them). Rules: runtime/budgets/budget-rules.ts.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import {
  counterExpiresAt,
  defaultReservationTtlMs,
  exceededFor,
  fromNanos,
  limitNanos,
  toNanos,
  toNanosUp,
  type BudgetSubject,
} from "../../budgets/budget-rules.ts";
import type { BudgetLedger, ReservationDecision, SettleOutcome, Subject } from "../../stores/ports.ts";
import { toIntegers } from "./redis-script.ts";
import { releaseReservationScript, reserveScript, seedScript, settleScript, spentScript } from "./budget-scripts.ts";

export interface RedisBudgetLedgerOptions {
  redis: Redis;
  /** Prepended to every key, e.g. "gw:" (a hash tag such as "gw:{budgets}:" keeps all keys in one Redis Cluster slot). */
  prefix: string;
  /** A reservation never settled or released stops counting after this long (ms). Default 10 minutes. */
  reservationTtlMs?: number;
}

interface Reservation {
  madeAt: number;
  subjects: Subject[];
  keys: string[];
  /** Per subject: soft limit, counter expires-at (the settle script's arguments). */
  settleArgs: number[];
}

export function createRedisBudgetLedger(options: RedisBudgetLedgerOptions): BudgetLedger {
  const { redis, prefix } = options;
  const reservationTtlMs = options.reservationTtlMs ?? defaultReservationTtlMs;
  // Reservation ids are members of sets shared by all replicas: unique per process.
  const instance = randomBytes(6).toString("hex");
  let reservationCounter = 0;
  const reservations = new Map<string, Reservation>();
  let nextSweep = 0;

  const counterKey = (subject: Subject, periodStart: number): string => `${prefix}budget:${periodStart}:${subject.kind}:${subject.id}`;
  const reservationsKey = (subject: Subject, periodStart: number): string =>
    `${prefix}budget-reservations:${periodStart}:${subject.kind}:${subject.id}`;

  /** Reservations kept long past their expiry are forgotten (a settle that late is only in the durable ledger). */
  const sweep = (now: number): void => {
    if (now < nextSweep) return;
    nextSweep = now + 60_000;
    for (const [id, reservation] of reservations) {
      if (reservation.madeAt + 6 * reservationTtlMs > now) break;
      reservations.delete(id);
    }
  };

  /** Takes the reservation out while a script runs, so concurrent settle/release calls act once; puts it back if the script fails. */
  const withReservation = async <T>(id: string, fallback: T, action: (reservation: Reservation) => Promise<T>): Promise<T> => {
    const reservation = reservations.get(id);
    if (reservation === undefined) return fallback;
    reservations.delete(id);
    try {
      return await action(reservation);
    } catch (error) {
      reservations.set(id, reservation);
      throw error;
    }
  };

  return {
    description: `Redis budgets (cluster-wide, prefix "${prefix}")`,
    isClusterWide: () => true,

    async reserve(subjects: ReadonlyArray<BudgetSubject>, worstCaseUsd: number, now: number): Promise<ReservationDecision> {
      if (subjects.length === 0) return { allowed: true, reservation: null, softCrossed: [], spentUsd: [] };
      sweep(now);
      const worstCase = toNanosUp(worstCaseUsd);
      const id = `${instance}.${++reservationCounter}`;
      const keys: string[] = [];
      const args: Array<string | number> = [now, id, now + reservationTtlMs, worstCase];
      const settleArgs: number[] = [];
      for (const entry of subjects) {
        const expiresAt = counterExpiresAt(entry.periodEnd, reservationTtlMs) ?? -1;
        const softLimit = limitNanos(entry.budget.softBudget);
        keys.push(counterKey(entry.subject, entry.periodStart), reservationsKey(entry.subject, entry.periodStart));
        args.push(limitNanos(entry.budget.maxBudget), softLimit, expiresAt);
        settleArgs.push(softLimit, expiresAt);
      }
      const reply = toIntegers(await reserveScript.run(redis, keys, args));
      const settledAt = (index: number): number => reply[4 + 3 * index]!;
      const reservedAt = (index: number): number => reply[5 + 3 * index]!;
      const spentUsd = subjects.map((_, index) => fromNanos(settledAt(index) + reservedAt(index)));
      if (reply[0] !== 1) {
        const refusing = reply[1]! - 1;
        return {
          allowed: false,
          exceeded: exceededFor(subjects[refusing]!, settledAt(refusing), reservedAt(refusing), reply[2] === 1),
          reservation: null,
          softCrossed: [],
          spentUsd,
        };
      }
      reservations.set(id, { madeAt: now, subjects: subjects.map((entry) => entry.subject), keys, settleArgs });
      const softCrossed = subjects.filter((_, index) => reply[6 + 3 * index] === 1).map((entry) => entry.subject);
      return { allowed: true, reservation: id, softCrossed, spentUsd };
    },

    settle(reservationId: string, actualUsd: number): Promise<SettleOutcome> {
      return withReservation(reservationId, { softCrossed: [] }, async (reservation) => {
        const reply = toIntegers(await settleScript.run(redis, reservation.keys, [reservationId, toNanos(actualUsd), ...reservation.settleArgs]));
        return { softCrossed: reservation.subjects.filter((_, index) => reply[index] === 1) };
      });
    },

    release(reservationId: string): Promise<void> {
      return withReservation(reservationId, undefined, async (reservation) => {
        await releaseReservationScript.run(redis, reservation.keys, [reservationId]);
      });
    },

    async spent(subject: Subject, periodStart: number, now = Date.now()): Promise<number> {
      const reply = await spentScript.run(redis, [counterKey(subject, periodStart), reservationsKey(subject, periodStart)], [now]);
      if (typeof reply !== "number") throw new Error(`Unexpected reply from a gw Redis script: ${JSON.stringify(reply)}`);
      return fromNanos(reply);
    },

    async seed(subject: Subject, periodStart: number, periodEnd: number | null, settledUsd: number): Promise<void> {
      const expiresAt = counterExpiresAt(periodEnd, reservationTtlMs) ?? -1;
      await seedScript.run(redis, [counterKey(subject, periodStart)], [toNanos(settledUsd), expiresAt]);
    },
  };
}
