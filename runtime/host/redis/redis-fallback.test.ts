/**
 * Redis outages, simulated by cutting a TCP proxy between gw and the real Redis: limits and
 * budgets keep working per process (and say so), and go back to Redis when it returns.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTcpFaultProxy, type TcpFaultProxy } from "../../../test/support/tcp-fault-proxy.ts";
import { windowStartOf } from "../../limits/rate-limit-rules.ts";
import type { LimitSettings, Subject } from "../../stores/ports.ts";
import { createRedisBudgetLedger } from "./redis-budget-ledger.ts";
import { createRedisGovernance, type RedisGovernance } from "./redis-governance.ts";
import { createTestRedis, testRedisUrl, type TestRedis } from "./test-redis.ts";

const target = new URL(testRedisUrl);
const limits = (settings: Partial<LimitSettings>): LimitSettings => ({ rpmLimit: null, tpmLimit: null, maxParallelRequests: null, ...settings });

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("Redis governance through outages", () => {
  let testRedis: TestRedis;
  let proxy: TcpFaultProxy;
  let governance: RedisGovernance;
  const log: string[] = [];
  let subjectCounter = 0;
  const freshSubject = (): Subject => ({ kind: "key", id: `outage-${++subjectCounter}` });

  beforeAll(async () => {
    testRedis = createTestRedis();
    proxy = await startTcpFaultProxy({ host: target.hostname, port: Number(target.port || 6379) });
    governance = await createRedisGovernance({
      url: `redis://127.0.0.1:${proxy.port}`,
      prefix: testRedis.prefix,
      log: (line) => log.push(line),
      commandTimeoutMs: 200,
      retryIntervalMs: 50,
    });
  });
  afterEach(async () => {
    proxy.restore();
    await until(() => governance.rateLimiter.isClusterWide(), "the limiter to be cluster-wide again");
    log.length = 0;
  });
  afterAll(async () => {
    await governance.close();
    await proxy.close();
    await testRedis.close();
  });

  for (const mode of ["reset", "blackhole"] as const) {
    it(`rate limits: per process while Redis is cut (${mode}), cluster-wide again after`, async () => {
      const direct = await testRedis.connect();
      const { rateLimiter } = governance;
      const subject = freshSubject();
      const rpm3 = [{ subject, limits: limits({ rpmLimit: 3 }) }];
      const now = Date.now();
      const window = `${testRedis.prefix}rate:${windowStartOf(now)}:key:${subject.id}`;

      const before = await rateLimiter.acquire(rpm3, 0, now);
      expect(before.ticket).toMatch(/^shared:/);
      expect(rateLimiter.isClusterWide()).toBe(true);
      expect(await direct.hget(window, "r")).toBe("1");

      proxy.cut(mode);
      const during = [];
      for (let index = 0; index < 4; index++) during.push(await rateLimiter.acquire(rpm3, 0, now));
      // The process starts its own count: three allowed, the fourth refused.
      expect(during.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
      expect(during[0]!.ticket).toMatch(/^local:/);
      expect(rateLimiter.isClusterWide()).toBe(false);
      expect(log.filter((line) => line.startsWith("rate limits are per process while Redis is unreachable"))).toHaveLength(1);
      expect(await direct.hget(window, "r")).toBe("1");

      proxy.restore();
      await until(() => rateLimiter.isClusterWide(), "Redis to be used again");
      expect(log).toContain("Redis is reachable again: rate limits are cluster-wide again");
      const after = await rateLimiter.acquire(rpm3, 0, now);
      expect(after).toMatchObject({ allowed: true, remainingRequests: 1 });
      expect(after.ticket).toMatch(/^shared:/);
      expect(await direct.hget(window, "r")).toBe("2");
      // A ticket from the outage is released in-process, without error.
      await rateLimiter.release(during[0]!.ticket!, 0, now);
    });
  }

  it("budgets: per process from the last spend Redis reported; local reservations settle locally", async () => {
    const direct = await testRedis.connect();
    const reader = createRedisBudgetLedger({ redis: direct, prefix: testRedis.prefix });
    const { budgetLedger } = governance;
    const subject = freshSubject();
    const now = Date.now();
    const entry = { subject, budget: { maxBudget: 1, softBudget: null, budgetDuration: "1d" }, periodStart: now - 1_000, periodEnd: now + 86_400_000 };

    const first = await budgetLedger.reserve([entry], 0.5, now);
    expect(first.reservation).toMatch(/^shared:/);

    proxy.cut("reset");
    // Redis' reservation of 0.5 is known here: $0.5 is left, which a 0.6 worst case takes whole.
    const local = await budgetLedger.reserve([entry], 0.6, now);
    expect(local).toMatchObject({ allowed: true, spentUsd: [1] });
    expect(local.reservation).toMatch(/^local:/);
    expect(await budgetLedger.reserve([entry], 0.3, now)).toMatchObject({ allowed: false, exceeded: { subject } });
    // The Redis reservation is settled in-process while Redis is cut.
    await budgetLedger.settle(first.reservation!, 0.4);
    expect(log.filter((line) => line.startsWith("budgets are per process while Redis is unreachable"))).toHaveLength(1);

    proxy.restore();
    await until(async () => (await budgetLedger.reserve([entry], 0, now)).reservation?.startsWith("shared:") === true, "Redis budgets again");
    await budgetLedger.settle(local.reservation!, 0.3);
    // Redis never saw the outage's settlements; its 0.5 reservation is still held until it expires.
    expect(await reader.spent(subject, now - 1_000, now)).toBeCloseTo(0.5, 12);
  });
});
