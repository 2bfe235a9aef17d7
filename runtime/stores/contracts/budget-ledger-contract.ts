/**
 * Behaviour every BudgetLedger must show, run against each implementation (memory in
 * memory-budget-ledger.test.ts, Redis in runtime/host/redis/redis-budget-ledger.test.ts).
 * `setup` returns two ledgers that share their counters: the same instance for memory, two
 * connections standing in for two replicas for Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BudgetLedger, BudgetSettings, Subject } from "../ports.ts";

export interface BudgetLedgerFixture {
  ledgers: readonly [BudgetLedger, BudgetLedger];
  close(): Promise<void>;
}

/** `setup` must create ledgers whose reservations expire after this long. */
export const contractReservationTtlMs = 10 * 60_000;

let subjectCounter = 0;
function freshSubject(kind: Subject["kind"] = "key"): Subject {
  return { kind, id: `subject-${process.pid}-${Date.now()}-${++subjectCounter}` };
}

const budget = (settings: Partial<BudgetSettings>): BudgetSettings => ({ maxBudget: null, softBudget: null, budgetDuration: "1d", ...settings });

/** Deterministic pseudo-random numbers in [0, 1). */
function createRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

export function describeBudgetLedgerContract(name: string, setup: () => Promise<BudgetLedgerFixture>): void {
  describe(`BudgetLedger contract: ${name}`, () => {
    let fixture: BudgetLedgerFixture;
    let ledger: BudgetLedger;
    let other: BudgetLedger;
    // Real wall-clock times: the Redis implementation lets keys expire on Redis' own clock.
    const now = Date.now();
    const periodStart = now - 3_600_000;
    const periodEnd = now + 3_600_000;
    const entry = (subject: Subject, settings: Partial<BudgetSettings>, start = periodStart, end: number | null = periodEnd) => ({
      subject,
      budget: budget(settings),
      periodStart: start,
      periodEnd: end,
    });

    beforeAll(async () => {
      fixture = await setup();
      [ledger, other] = fixture.ledgers;
    });
    afterAll(async () => {
      await fixture.close();
    });

    it("a request with no subjects reserves nothing", async () => {
      expect(await ledger.reserve([], 1, now)).toMatchObject({ allowed: true, reservation: null, softCrossed: [] });
    });

    it("reserves worst cases while they fit; one that does not fit waits for the requests in flight; none once the budget is used up", async () => {
      const subject = freshSubject();
      const subjects = [entry(subject, { maxBudget: 1 })];
      const first = await ledger.reserve(subjects, 0.4, now);
      const second = await other.reserve(subjects, 0.4, now);
      expect(first).toMatchObject({ allowed: true, softCrossed: [], spentUsd: [0.4] });
      expect(second).toMatchObject({ allowed: true, spentUsd: [0.8] });
      expect(first.reservation).not.toBe(second.reservation);
      // $0.2 is left but reserved requests are in flight: a $0.4 worst case does not fit.
      const third = await ledger.reserve(subjects, 0.4, now);
      expect(third).toEqual({
        allowed: false,
        reservation: null,
        softCrossed: [],
        exceeded: { subject, spentUsd: 0, reservedUsd: 0.8, maxBudgetUsd: 1, periodEnd: new Date(periodEnd).toISOString(), inFlight: true },
        spentUsd: [0.8],
      });
      // The first request cost less than its worst case: settling frees the difference.
      expect(await ledger.settle(first.reservation!, 0.1)).toEqual({ softCrossed: [] });
      expect(await other.spent(subject, periodStart, now)).toBeCloseTo(0.5, 12);
      expect((await ledger.reserve(subjects, 0.4, now)).allowed).toBe(true);
      expect((await ledger.reserve(subjects, 0.2, now)).allowed).toBe(false);
      expect((await ledger.reserve(subjects, 0.1, now)).allowed).toBe(true);
      // Settled 0.1, reserved 0.9: nothing is left, whatever the worst case, until requests in flight settle.
      const exhausted = await other.reserve(subjects, 0.000001, now);
      expect(exhausted).toMatchObject({ allowed: false, exceeded: { subject, inFlight: true } });
      expect(exhausted.exceeded!.spentUsd).toBeCloseTo(0.1, 12);
      expect(exhausted.exceeded!.reservedUsd).toBeCloseTo(0.9, 12);
    });

    it("a request whose worst case passes what is left runs alone, reserving what is left; its real cost is recorded", async () => {
      const subject = freshSubject();
      const subjects = [entry(subject, { maxBudget: 0.001 })];
      // A small budget admits its first request even when the request's worst case is far larger.
      const first = await ledger.reserve(subjects, 0.05, now);
      expect(first).toMatchObject({ allowed: true, spentUsd: [0.001] });
      expect(await other.reserve(subjects, 0.000001, now)).toMatchObject({ allowed: false, exceeded: { subject, inFlight: true } });
      await ledger.settle(first.reservation!, 0.0004);
      expect(await other.spent(subject, periodStart, now)).toBeCloseTo(0.0004, 12);
      // $0.0006 left: the next one reserves it; an upstream that returns more than asked is recorded as it cost.
      const second = await other.reserve(subjects, 0.05, now);
      expect(second).toMatchObject({ allowed: true, spentUsd: [0.001] });
      await other.settle(second.reservation!, 0.09);
      const refused = await ledger.reserve(subjects, 0.000001, now);
      expect(refused).toMatchObject({ allowed: false, exceeded: { subject, reservedUsd: 0, maxBudgetUsd: 0.001, inFlight: false } });
      expect(refused.exceeded!.spentUsd).toBeCloseTo(0.0904, 12);
    });

    it("a zero budget refuses everything; no hard limit never refuses but still counts", async () => {
      const zero = freshSubject();
      expect(await ledger.reserve([entry(zero, { maxBudget: 0 })], 0, now)).toMatchObject({
        allowed: false,
        exceeded: { subject: zero, spentUsd: 0, reservedUsd: 0, maxBudgetUsd: 0, inFlight: false },
      });
      const unlimited = freshSubject();
      const reservation = await ledger.reserve([entry(unlimited, {})], 1_000, now);
      expect(reservation.allowed).toBe(true);
      await ledger.settle(reservation.reservation!, 2_000);
      expect(await ledger.spent(unlimited, periodStart, now)).toBe(2_000);
    });

    it("release gives the reservation back; settle and release happen once", async () => {
      const subject = freshSubject();
      const subjects = [entry(subject, { maxBudget: 1 })];
      const first = await ledger.reserve(subjects, 0.6, now);
      expect(await other.spent(subject, periodStart, now)).toBeCloseTo(0.6, 12);
      await ledger.release(first.reservation!);
      expect(await other.spent(subject, periodStart, now)).toBe(0);
      await ledger.release(first.reservation!);
      await ledger.settle(first.reservation!, 0.5);
      expect(await other.spent(subject, periodStart, now)).toBe(0);

      const second = await ledger.reserve(subjects, 0.6, now);
      await ledger.settle(second.reservation!, 0.25);
      await ledger.settle(second.reservation!, 0.25);
      await ledger.release(second.reservation!);
      expect(await other.spent(subject, periodStart, now)).toBeCloseTo(0.25, 12);
      await expect(ledger.settle("no-such-reservation", 1)).resolves.toEqual({ softCrossed: [] });
      await expect(ledger.release("no-such-reservation")).resolves.toBeUndefined();
    });

    it("a reservation never settled stops counting after its TTL; settling it late still records the cost", async () => {
      const subject = freshSubject();
      const subjects = [entry(subject, { maxBudget: 1 })];
      const stuck = await ledger.reserve(subjects, 0.9, now);
      const later = now + contractReservationTtlMs;
      expect((await other.reserve(subjects, 0.2, later - 1)).allowed).toBe(false);
      expect(await other.spent(subject, periodStart, later - 1)).toBeCloseTo(0.9, 12);
      expect(await other.spent(subject, periodStart, later)).toBe(0);
      const fresh = await other.reserve(subjects, 0.2, later);
      expect(fresh).toMatchObject({ allowed: true, spentUsd: [0.2] });
      await ledger.settle(stuck.reservation!, 0.3);
      expect(await other.spent(subject, periodStart, later)).toBeCloseTo(0.5, 12);
    });

    it("all or nothing: a refusal by one subject reserves nothing against the others", async () => {
      const key = freshSubject("key");
      const team = freshSubject("team");
      const both = [entry(key, { maxBudget: 10 }), entry(team, { maxBudget: 0.5 })];
      expect(await ledger.reserve(both, 0.4, now)).toMatchObject({ allowed: true, spentUsd: [0.4, 0.4] });
      for (let index = 0; index < 3; index++) {
        const refused = await other.reserve(both, 0.4, now);
        expect(refused).toMatchObject({ allowed: false, exceeded: { subject: team, maxBudgetUsd: 0.5 } });
      }
      expect(await ledger.spent(key, periodStart, now)).toBeCloseTo(0.4, 12);
      expect(await ledger.spent(team, periodStart, now)).toBeCloseTo(0.4, 12);
    });

    it("the soft limit is reported once per period, when settled spend reaches it", async () => {
      const subject = freshSubject();
      const subjects = [entry(subject, { maxBudget: 10, softBudget: 0.5 })];
      const cycle = async (cost: number, on: BudgetLedger) => {
        const reserved = await on.reserve(subjects, 1, now);
        expect(reserved.softCrossed).toEqual([]);
        return (await on.settle(reserved.reservation!, cost)).softCrossed;
      };
      expect(await cycle(0.3, ledger)).toEqual([]);
      // A big reservation alone does not cross: it may be released.
      const released = await other.reserve(subjects, 5, now);
      await other.release(released.reservation!);
      expect(await cycle(0.3, other)).toEqual([subject]);
      expect(await cycle(0.3, ledger)).toEqual([]);
      expect(await cycle(0.3, other)).toEqual([]);
      // The next period has its own counter and its own alert.
      const nextPeriod = [entry(subject, { maxBudget: 10, softBudget: 0.5 }, periodEnd, periodEnd + 3_600_000)];
      const reserved = await ledger.reserve(nextPeriod, 1, now);
      expect((await ledger.settle(reserved.reservation!, 0.6)).softCrossed).toEqual([subject]);
    });

    it("a soft limit already crossed by settled spend is reported by the next reservation", async () => {
      const subject = freshSubject();
      await ledger.seed(subject, periodStart, periodEnd, 0.7);
      const first = await other.reserve([entry(subject, { softBudget: 0.5 })], 0.1, now);
      expect(first.softCrossed).toEqual([subject]);
      expect((await ledger.reserve([entry(subject, { softBudget: 0.5 })], 0.1, now)).softCrossed).toEqual([]);
    });

    it("soft crossings are reported per subject", async () => {
      const key = freshSubject("key");
      const team = freshSubject("team");
      const subjects = [entry(key, { softBudget: 1 }), entry(team, { softBudget: 0.1 })];
      const reserved = await ledger.reserve(subjects, 0.5, now);
      expect((await ledger.settle(reserved.reservation!, 0.5)).softCrossed).toEqual([team]);
      const again = await other.reserve(subjects, 0.5, now);
      expect((await other.settle(again.reservation!, 0.5)).softCrossed).toEqual([key]);
    });

    it("periods are independent", async () => {
      const subject = freshSubject();
      const today = [entry(subject, { maxBudget: 1 })];
      const reserved = await ledger.reserve(today, 1, now);
      await ledger.settle(reserved.reservation!, 1);
      expect((await other.reserve(today, 0.01, now)).allowed).toBe(false);
      const tomorrow = [entry(subject, { maxBudget: 1 }, periodEnd, periodEnd + 86_400_000)];
      expect((await other.reserve(tomorrow, 0.01, now)).allowed).toBe(true);
      expect(await ledger.spent(subject, periodEnd, now)).toBeCloseTo(0.01, 12);
      expect(await ledger.spent(subject, periodStart, now)).toBe(1);
    });

    it("a budget without a period keeps counting", async () => {
      const subject = freshSubject();
      const forever = [entry(subject, { maxBudget: 1, budgetDuration: null }, 0, null)];
      const reserved = await ledger.reserve(forever, 0.6, now);
      await ledger.settle(reserved.reservation!, 0.6);
      const last = await other.reserve(forever, 0.6, now);
      expect(last).toMatchObject({ allowed: true, spentUsd: [1] });
      await other.settle(last.reservation!, 0.5);
      expect((await other.reserve(forever, 0.01, now)).allowed).toBe(false);
      expect(await ledger.spent(subject, 0, now)).toBeCloseTo(1.1, 12);
    });

    it("seed raises settled spend and never lowers it", async () => {
      const subject = freshSubject();
      await ledger.seed(subject, periodStart, periodEnd, 0.5);
      expect(await other.spent(subject, periodStart, now)).toBe(0.5);
      await other.seed(subject, periodStart, periodEnd, 0.2);
      expect(await ledger.spent(subject, periodStart, now)).toBe(0.5);
      await other.seed(subject, periodStart, periodEnd, 0.8);
      expect(await ledger.reserve([entry(subject, { maxBudget: 1 })], 0.3, now)).toMatchObject({ allowed: true, spentUsd: [1] });
      expect((await ledger.reserve([entry(subject, { maxBudget: 1 })], 0.01, now)).allowed).toBe(false);
    });

    it("sums are exact: 0.1 + 0.2 is 0.3, and a thousand settlements of $0.0000001 are $0.0001", async () => {
      const subject = freshSubject();
      const subjects = [entry(subject, {})];
      for (const cost of [0.1, 0.2]) {
        const reserved = await ledger.reserve(subjects, cost, now);
        await ledger.settle(reserved.reservation!, cost);
      }
      expect(await ledger.spent(subject, periodStart, now)).toBe(0.3);
      const small = freshSubject();
      await Promise.all(
        Array.from({ length: 1000 }, async (_, index) => {
          const replica = index % 2 === 0 ? ledger : other;
          const reserved = await replica.reserve([entry(small, { maxBudget: 1 })], 0.0000001, now);
          await replica.settle(reserved.reservation!, 0.0000001);
        }),
      );
      expect(await ledger.spent(small, periodStart, now)).toBe(0.0001);
    });

    for (const seed of [1, 2, 3]) {
      it(`proof (seed ${seed}): 200 concurrent reserve/settle cycles from two replicas never pass the budget by more than one worst case`, async () => {
        const [first, second] = fixture.ledgers;
        const key = freshSubject("key");
        const team = freshSubject("team");
        const maxBudget = 0.5;
        const worstCase = 0.1;
        const subjects = [entry(key, { maxBudget }), entry(team, { maxBudget: 1_000 })];
        const random = createRandom(seed);
        const settled: number[] = [];
        const refusals: Array<{ subject: Subject } | undefined> = [];
        const delay = () => new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 5)));
        await Promise.all(
          Array.from({ length: 200 }, async (_, index) => {
            const replica = index % 2 === 0 ? first : second;
            await delay();
            const decision = await replica.reserve(subjects, worstCase, now);
            if (!decision.allowed) {
              refusals.push(decision.exceeded);
              return;
            }
            await delay();
            // Real costs between a tenth of the worst case and the worst case.
            const cost = Math.round((0.01 + random() * 0.09) * 1e6) / 1e6;
            await replica.settle(decision.reservation!, cost);
            settled.push(cost);
          }),
        );
        const total = settled.reduce((sum, cost) => sum + cost, 0);
        const recorded = await first.spent(key, periodStart, now);
        expect(recorded).toBeCloseTo(total, 9);
        expect(await second.spent(team, periodStart, now)).toBeCloseTo(total, 9);
        // Only a request that reserved less than its worst case (the last of the headroom) can pass the budget.
        expect(recorded).toBeLessThanOrEqual(maxBudget + worstCase + 1e-9);
        expect(settled.length).toBeGreaterThanOrEqual(5);
        expect(settled.length + refusals.length).toBe(200);
        expect(refusals.length).toBeGreaterThan(150);
        for (const exceeded of refusals) expect(exceeded?.subject).toEqual(key);
      });
    }
  });
}
