import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeploymentHealth } from "../../routing/deployment-health.ts";
import { createRedisCooldowns } from "./redis-cooldowns.ts";
import { createTestRedis, type TestRedis } from "./test-redis.ts";

let testRedis: TestRedis;
const closers: Array<() => void> = [];

beforeAll(() => {
  testRedis = createTestRedis();
});
afterAll(async () => {
  for (const close of closers) close();
  await testRedis.close();
});

async function replica() {
  const cooldowns = createRedisCooldowns(await testRedis.connect(), testRedis.prefix, () => {});
  closers.push(cooldowns.close);
  return createDeploymentHealth(cooldowns.share);
}

async function until(condition: () => boolean): Promise<boolean> {
  for (let attempt = 0; attempt < 100 && !condition(); attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
  return condition();
}

describe("cooldowns shared through Redis", () => {
  const policy = { allowedFails: 1, cooldownMs: 30_000, failureWindowMs: 60_000 };

  it("a cooldown on one replica reaches the others, and a replica started later reads the live ones", async () => {
    const first = await replica();
    const second = await replica();
    // Let the subscribers connect.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = Date.now();
    first.failed("deployment-a", { retryable: true }, policy, now);
    expect(first.coolingUntil("deployment-a", now)).toBe(now + 30_000);
    expect(await until(() => second.coolingUntil("deployment-a", now) === now + 30_000)).toBe(true);
    const late = await replica();
    expect(await until(() => late.coolingUntil("deployment-a", now) === now + 30_000)).toBe(true);
    // A client error cools nothing, anywhere.
    first.failed("deployment-b", { retryable: false }, policy, now);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(second.coolingUntil("deployment-b", now)).toBe(0);
  });
});
