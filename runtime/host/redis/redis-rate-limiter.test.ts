import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractSlotTtlMs, describeRateLimiterContract } from "../../stores/contracts/rate-limiter-contract.ts";
import { windowMs, windowStartOf } from "../../limits/rate-limit-rules.ts";
import { createRedisRateLimiter } from "./redis-rate-limiter.ts";
import { createTestRedis, type TestRedis } from "./test-redis.ts";

describeRateLimiterContract("Redis, two connections", async () => {
  const testRedis = createTestRedis();
  const limiterOn = async () => createRedisRateLimiter({ redis: await testRedis.connect(), prefix: testRedis.prefix, slotTtlMs: contractSlotTtlMs });
  return { limiters: [await limiterOn(), await limiterOn()], close: () => testRedis.close() };
});

describe("createRedisRateLimiter keys", () => {
  let testRedis: TestRedis;
  beforeAll(() => {
    testRedis = createTestRedis();
  });
  afterAll(() => testRedis.close());

  it("window keys expire a minute after their window, slot sets with their latest slot", async () => {
    const redis = await testRedis.connect();
    const limiter = createRedisRateLimiter({ redis, prefix: testRedis.prefix, slotTtlMs: 120_000 });
    const now = Date.now();
    const subject = { kind: "team" as const, id: "team:with:colons" };
    const decision = await limiter.acquire([{ subject, limits: { rpmLimit: 5, tpmLimit: 100, maxParallelRequests: 2 } }], 40, now);
    expect(decision.allowed).toBe(true);
    const window = `${testRedis.prefix}rate:${windowStartOf(now)}:team:team:with:colons`;
    const slots = `${testRedis.prefix}slots:team:team:with:colons`;
    expect(await redis.hgetall(window)).toEqual({ r: "1", t: "40" });
    expect(await redis.pexpiretime(window)).toBe(windowStartOf(now) + 2 * windowMs);
    expect(await redis.zrange(slots, "0", "-1", "WITHSCORES")).toEqual([decision.ticket, String(now + 120_000)]);
    expect(await redis.pexpiretime(slots)).toBe(now + 120_000);
    await limiter.release(decision.ticket!, 25, now);
    expect(await redis.hgetall(window)).toEqual({ r: "1", t: "25" });
    expect(await redis.zcard(slots)).toBe(0);
  });
});
