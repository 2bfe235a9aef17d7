import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractReservationTtlMs, describeBudgetLedgerContract } from "../../stores/contracts/budget-ledger-contract.ts";
import { createRedisBudgetLedger } from "./redis-budget-ledger.ts";
import { createTestRedis, type TestRedis } from "./test-redis.ts";

describeBudgetLedgerContract("Redis, two connections", async () => {
  const testRedis = createTestRedis();
  const ledgerOn = async () =>
    createRedisBudgetLedger({ redis: await testRedis.connect(), prefix: testRedis.prefix, reservationTtlMs: contractReservationTtlMs });
  return { ledgers: [await ledgerOn(), await ledgerOn()], close: () => testRedis.close() };
});

describe("createRedisBudgetLedger keys", () => {
  let testRedis: TestRedis;
  beforeAll(() => {
    testRedis = createTestRedis();
  });
  afterAll(() => testRedis.close());

  it("stores whole nano-dollars per subject and period, expiring when the period ends plus the reservation TTL", async () => {
    const redis = await testRedis.connect();
    const ledger = createRedisBudgetLedger({ redis, prefix: testRedis.prefix, reservationTtlMs: 60_000 });
    const now = Date.now();
    const periodStart = now - 1_000;
    const periodEnd = now + 3_600_000;
    const subject = { kind: "customer" as const, id: "end-user:1" };
    const decision = await ledger.reserve(
      [{ subject, budget: { maxBudget: 5, softBudget: 0.000001, budgetDuration: "1h" }, periodStart, periodEnd }],
      0.0000015,
      now,
    );
    const counter = `${testRedis.prefix}budget:${periodStart}:customer:end-user:1`;
    const reservations = `${testRedis.prefix}budget-reservations:${periodStart}:customer:end-user:1`;
    expect(await redis.hgetall(counter)).toEqual({ reserved: "1500", [`r:${decision.reservation}`]: "1500" });
    expect(await redis.zrange(reservations, "0", "-1", "WITHSCORES")).toEqual([decision.reservation, String(now + 60_000)]);
    expect(await redis.pexpiretime(counter)).toBe(periodEnd + 60_000);
    expect(await redis.pexpiretime(reservations)).toBe(periodEnd + 60_000);

    expect(await ledger.settle(decision.reservation!, 0.000001)).toEqual({ softCrossed: [subject] });
    expect(await redis.hgetall(counter)).toEqual({ reserved: "0", settled: "1000", soft: "1" });
    expect(await redis.zcard(reservations)).toBe(0);
  });

  it("a budget without a period has keys that do not expire", async () => {
    const redis = await testRedis.connect();
    const ledger = createRedisBudgetLedger({ redis, prefix: testRedis.prefix });
    const subject = { kind: "key" as const, id: "forever" };
    const decision = await ledger.reserve([{ subject, budget: { maxBudget: 5, softBudget: null, budgetDuration: null }, periodStart: 0, periodEnd: null }], 1, Date.now());
    await ledger.settle(decision.reservation!, 1);
    expect(await redis.pttl(`${testRedis.prefix}budget:0:key:forever`)).toBe(-1);
  });

  it("a reserve sweeps reservations expired on any replica", async () => {
    const redis = await testRedis.connect();
    const crashed = createRedisBudgetLedger({ redis, prefix: testRedis.prefix, reservationTtlMs: 1_000 });
    const survivor = createRedisBudgetLedger({ redis: await testRedis.connect(), prefix: testRedis.prefix, reservationTtlMs: 1_000 });
    const now = Date.now();
    const entry = { subject: { kind: "team" as const, id: "sweep" }, budget: { maxBudget: 1, softBudget: null, budgetDuration: "1d" }, periodStart: now, periodEnd: now + 86_400_000 };
    for (let index = 0; index < 5; index++) expect((await crashed.reserve([entry], 0.2, now)).allowed).toBe(true);
    expect((await survivor.reserve([entry], 0.2, now + 999)).allowed).toBe(false);
    expect(await survivor.reserve([entry], 0.2, now + 1_000)).toMatchObject({ allowed: true, spentUsd: [0.2] });
    const counter = `${testRedis.prefix}budget:${now}:team:sweep`;
    expect(Object.keys(await redis.hgetall(counter)).filter((field) => field.startsWith("r:"))).toHaveLength(1);
    expect(await redis.zcard(`${testRedis.prefix}budget-reservations:${now}:team:sweep`)).toBe(1);
  });
});
