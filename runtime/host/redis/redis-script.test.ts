import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { defineRedisScript, toIntegers } from "./redis-script.ts";
import { createTestRedis } from "./test-redis.ts";

describe("defineRedisScript", () => {
  const testRedis = createTestRedis();
  afterAll(() => testRedis.close());

  it("runs a script the server has never seen (NOSCRIPT -> EVAL), then by its SHA", async () => {
    const redis = await testRedis.connect();
    // A script no Redis has cached: the first EVALSHA gets a real NOSCRIPT.
    const script = defineRedisScript(`-- ${randomBytes(8).toString("hex")}\nreturn {tonumber(ARGV[1]) + 1, #KEYS}`);
    expect(await redis.script("EXISTS", script.sha)).toEqual([0]);
    expect(await script.run(redis, [`${testRedis.prefix}a`, `${testRedis.prefix}b`], [41])).toEqual([42, 2]);
    expect(await redis.script("EXISTS", script.sha)).toEqual([1]);
    expect(await script.run(redis, [], [1])).toEqual([2, 0]);
  });

  it("passes script errors through", async () => {
    const redis = await testRedis.connect();
    const script = defineRedisScript("return redis.call('NO-SUCH-COMMAND')");
    await expect(script.run(redis, [], [])).rejects.toThrow(/Unknown Redis command|unknown command/i);
  });

  it("toIntegers refuses replies that are not arrays of integers", () => {
    expect(toIntegers([1, 2])).toEqual([1, 2]);
    expect(() => toIntegers("OK")).toThrow(/Unexpected reply/);
    expect(() => toIntegers([1, "2"])).toThrow(/Unexpected reply/);
  });
});
