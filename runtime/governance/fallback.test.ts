import { describe, expect, it } from "vitest";
import { withBudgetLedgerFallback, withRateLimiterFallback } from "./fallback.ts";
import { createMemoryBudgetLedger } from "../stores/memory/memory-budget-ledger.ts";
import { createMemoryRateLimiter } from "../stores/memory/memory-rate-limiter.ts";
import type { BudgetLedger, LimitSettings, RateLimiter } from "../stores/ports.ts";

/** An implementation that can be made to fail like an unreachable Redis; counts the calls it gets. */
function breakable<T extends object>(target: T, clusterWide = true): { port: T; calls: () => number; setBroken(broken: boolean): void } {
  let broken = false;
  let calls = 0;
  const port = new Proxy(target, {
    get(object, property, receiver) {
      if (property === "isClusterWide") return () => clusterWide;
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        calls++;
        if (broken) throw new Error("connect ECONNREFUSED 127.0.0.1:6379");
        return (value as (...inner: unknown[]) => unknown).apply(object, args);
      };
    },
  });
  return { port, calls: () => calls, setBroken: (value) => (broken = value) };
}

const limits = (settings: Partial<LimitSettings>): LimitSettings => ({ rpmLimit: null, tpmLimit: null, maxParallelRequests: null, ...settings });
const subject = { kind: "key" as const, id: "k" };

describe("withRateLimiterFallback", () => {
  it("uses the primary, falls back with one log line while it fails, and returns to it", async () => {
    const primary = breakable<RateLimiter>(createMemoryRateLimiter());
    const log: string[] = [];
    let clock = 0;
    let recovered = 0;
    const limiter = withRateLimiterFallback(primary.port, createMemoryRateLimiter(), {
      log: (line) => log.push(line),
      retryIntervalMs: 1_000,
      now: () => clock,
      onRecovered: () => recovered++,
    });
    const rpm2 = [{ subject, limits: limits({ rpmLimit: 2 }) }];
    const now = 1_700_000_000_000;

    const first = await limiter.acquire(rpm2, 0, now);
    expect(first.ticket).toMatch(/^shared:/);
    expect(limiter.isClusterWide()).toBe(true);

    primary.setBroken(true);
    const during = [await limiter.acquire(rpm2, 0, now), await limiter.acquire(rpm2, 0, now), await limiter.acquire(rpm2, 0, now)];
    // Per process, the limit still holds: two allowed, the third refused.
    expect(during.map((decision) => decision.allowed)).toEqual([true, true, false]);
    expect(during[0]!.ticket).toMatch(/^local:/);
    expect(limiter.isClusterWide()).toBe(false);
    expect(log).toEqual(["rate limits are per process while Redis is unreachable (connect ECONNREFUSED 127.0.0.1:6379); retrying every 1000 ms"]);
    // Only the first call waited on the broken primary; the next ones went straight to the local limiter.
    expect(primary.calls()).toBe(2);

    clock += 1_000;
    primary.setBroken(false);
    const after = await limiter.acquire(rpm2, 0, now);
    expect(after).toMatchObject({ allowed: true, remainingRequests: 0 });
    expect(after.ticket).toMatch(/^shared:/);
    expect(limiter.isClusterWide()).toBe(true);
    expect(log).toHaveLength(2);
    expect(log[1]).toBe("Redis is reachable again: rate limits are cluster-wide again");
    expect(recovered).toBe(1);
  });

  it("releases each ticket where it was counted", async () => {
    const primary = createMemoryRateLimiter();
    const local = createMemoryRateLimiter();
    const switchable = breakable<RateLimiter>(primary);
    let clock = 0;
    const limiter = withRateLimiterFallback(switchable.port, local, { log: () => {}, retryIntervalMs: 10, now: () => clock });
    const one = [{ subject, limits: limits({ maxParallelRequests: 1 }) }];
    const now = 1_700_000_000_000;

    switchable.setBroken(true);
    const localTicket = await limiter.acquire(one, 0, now);
    expect(localTicket.ticket).toMatch(/^local:/);
    switchable.setBroken(false);
    clock += 10;
    const sharedTicket = await limiter.acquire(one, 0, now);
    expect(sharedTicket.ticket).toMatch(/^shared:/);

    await limiter.release(localTicket.ticket!, 0, now);
    expect((await local.acquire(one, 0, now)).allowed).toBe(true);
    expect((await primary.acquire(one, 0, now)).allowed).toBe(false);
    await limiter.release(sharedTicket.ticket!, 0, now);
    expect((await primary.acquire(one, 0, now)).allowed).toBe(true);
  });

  it("reads usage where the next acquire counts: the primary, or this process while it fails", async () => {
    const primary = breakable<RateLimiter>(createMemoryRateLimiter());
    const local = createMemoryRateLimiter();
    const limiter = withRateLimiterFallback(primary.port, local, { log: () => {}, retryIntervalMs: 1_000, now: () => 0 });
    const rpm = [{ subject, limits: limits({ rpmLimit: 10 }) }];
    const now = 1_700_000_000_000;
    await limiter.acquire(rpm, 0, now);
    expect(await limiter.usage([subject], now)).toEqual([{ requests: 1, tokens: 0, inFlight: 0 }]);
    primary.setBroken(true);
    // The failed read switches to this process, where the next acquire is counted too.
    expect(await limiter.usage([subject], now)).toEqual([{ requests: 0, tokens: 0, inFlight: 0 }]);
    expect(limiter.isClusterWide()).toBe(false);
    expect((await limiter.acquire(rpm, 0, now)).ticket).toMatch(/^local:/);
    expect(await limiter.usage([subject], now)).toEqual([{ requests: 1, tokens: 0, inFlight: 0 }]);
  });

  it("with a probe, no call waits on the primary while it is down", async () => {
    const primary = breakable<RateLimiter>(createMemoryRateLimiter());
    let healthy = false;
    let probes = 0;
    const log: string[] = [];
    const limiter = withRateLimiterFallback(primary.port, createMemoryRateLimiter(), {
      log: (line) => log.push(line),
      retryIntervalMs: 5,
      probe: async () => {
        probes++;
        if (!healthy) throw new Error("still down");
      },
    });
    const rpm = [{ subject, limits: limits({ rpmLimit: 100 }) }];
    primary.setBroken(true);
    await limiter.acquire(rpm, 0, Date.now());
    for (let index = 0; index < 10; index++) await limiter.acquire(rpm, 0, Date.now());
    expect(primary.calls()).toBe(1);
    await until(() => probes >= 2);
    expect(limiter.isClusterWide()).toBe(false);
    primary.setBroken(false);
    healthy = true;
    await until(() => limiter.isClusterWide());
    expect((await limiter.acquire(rpm, 0, Date.now())).ticket).toMatch(/^shared:/);
    expect(log).toHaveLength(2);
  });

  it("a release that fails on the primary does not fail the caller", async () => {
    const primary = breakable<RateLimiter>(createMemoryRateLimiter());
    const limiter = withRateLimiterFallback(primary.port, createMemoryRateLimiter(), { log: () => {} });
    const decision = await limiter.acquire([{ subject, limits: limits({ maxParallelRequests: 1 }) }], 0, Date.now());
    primary.setBroken(true);
    await expect(limiter.release(decision.ticket!, 0, Date.now())).resolves.toBeUndefined();
    expect(limiter.isClusterWide()).toBe(false);
    await expect(limiter.release("not-a-ticket", 0, Date.now())).resolves.toBeUndefined();
  });

  it("reports the primary's own view of being cluster-wide", () => {
    const limiter = withRateLimiterFallback(breakable<RateLimiter>(createMemoryRateLimiter(), false).port, createMemoryRateLimiter(), { log: () => {} });
    expect(limiter.isClusterWide()).toBe(false);
  });
});

describe("withBudgetLedgerFallback", () => {
  // A settlement that falls back is recorded at the system clock's time: keep the periods current.
  const now = Date.now();
  const entry = (maxBudget: number | null, softBudget: number | null = null) => ({
    subject,
    budget: { maxBudget, softBudget, budgetDuration: "1d" },
    periodStart: now - 1_000,
    periodEnd: now + 86_400_000,
  });

  it("keeps enforcing during an outage from the spend the primary last reported", async () => {
    const primary = breakable<BudgetLedger>(createMemoryBudgetLedger());
    const local = createMemoryBudgetLedger();
    const log: string[] = [];
    let clock = 0;
    const ledger = withBudgetLedgerFallback(primary.port, local, { log: (line) => log.push(line), retryIntervalMs: 1_000, now: () => clock });

    const before = await ledger.reserve([entry(1)], 0.8, now);
    expect(before.reservation).toMatch(/^shared:/);
    await ledger.settle(before.reservation!, 0.7);

    primary.setBroken(true);
    // The local ledger was seeded with the primary's 0.8: $0.2 is left, which a $0.3 worst case takes whole.
    const allowed = await ledger.reserve([entry(1)], 0.3, now);
    expect(allowed).toMatchObject({ allowed: true, spentUsd: [1] });
    expect(allowed.reservation).toMatch(/^local:/);
    expect(await ledger.reserve([entry(1)], 0.1, now)).toMatchObject({ allowed: false, exceeded: { subject, maxBudgetUsd: 1, inFlight: true } });
    await ledger.settle(allowed.reservation!, 0.1);
    expect(await ledger.spent(subject, now - 1_000, now)).toBeCloseTo(0.9, 12);
    expect(log).toEqual(["budgets are per process while Redis is unreachable (connect ECONNREFUSED 127.0.0.1:6379); retrying every 1000 ms"]);

    primary.setBroken(false);
    clock += 1_000;
    expect((await ledger.reserve([entry(1)], 0.2, now)).reservation).toMatch(/^shared:/);
    expect(log[1]).toBe("Redis is reachable again: budgets are cluster-wide again");
  });

  it("while the primary is down, each of N replicas spends only 1/N of what was left", async () => {
    const primary = breakable<BudgetLedger>(createMemoryBudgetLedger());
    const local = createMemoryBudgetLedger();
    const ledger = withBudgetLedgerFallback(primary.port, local, { log: () => {}, replicas: () => 4 });
    const before = await ledger.reserve([entry(1), { ...entry(null), subject: { kind: "team", id: "unlimited" } }], 0.2, now);
    await ledger.settle(before.reservation!, 0.2);
    primary.setBroken(true);
    // $0.8 was left when the outage began: this replica's share is $0.2.
    const costs: number[] = [];
    for (let index = 0; index < 10; index++) {
      const decision = await ledger.reserve([entry(1)], 0.05, now);
      if (!decision.allowed) {
        expect(decision.exceeded).toMatchObject({ subject, maxBudgetUsd: 1, share: true });
        break;
      }
      await ledger.settle(decision.reservation!, 0.05);
      costs.push(0.05);
    }
    expect(costs).toHaveLength(4);
    expect(await local.spent(subject, now - 1_000, now)).toBeCloseTo(0.4, 12);
  });

  it("fails closed for hard budgets while the primary is down, if asked to", async () => {
    const primary = breakable<BudgetLedger>(createMemoryBudgetLedger());
    const ledger = withBudgetLedgerFallback(primary.port, createMemoryBudgetLedger(), { log: () => {}, failClosed: true });
    primary.setBroken(true);
    expect(await ledger.reserve([entry(1)], 0.05, now)).toEqual({ allowed: false, reservation: null, softCrossed: [] });
    // Without a hard limit there is nothing to protect: the request is counted in-process.
    expect((await ledger.reserve([entry(null, 5)], 0.05, now)).reservation).toMatch(/^local:/);
  });

  it("a primary reservation settled during an outage is counted in-process, soft alert included", async () => {
    const primary = breakable<BudgetLedger>(createMemoryBudgetLedger());
    const local = createMemoryBudgetLedger();
    const ledger = withBudgetLedgerFallback(primary.port, local, { log: () => {} });
    const reservation = await ledger.reserve([entry(10, 0.5)], 1, now);
    primary.setBroken(true);
    expect(await ledger.settle(reservation.reservation!, 0.6)).toEqual({ softCrossed: [subject] });
    // Seeded with the reservation (1) and then the 0.6 settled here.
    expect(await local.spent(subject, now - 1_000, now)).toBeCloseTo(1.6, 12);
    await expect(ledger.release("shared:unknown")).resolves.toBeUndefined();
    await expect(ledger.settle("unknown", 1)).resolves.toEqual({ softCrossed: [] });
  });

  it("seeds both ledgers while the primary answers", async () => {
    const primaryLedger = createMemoryBudgetLedger();
    const local = createMemoryBudgetLedger();
    const ledger = withBudgetLedgerFallback(primaryLedger, local, { log: () => {} });
    await ledger.seed(subject, now, null, 3);
    expect(await primaryLedger.spent(subject, now, now)).toBe(3);
    expect(await local.spent(subject, now, now)).toBe(3);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 500 && !condition(); attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}
