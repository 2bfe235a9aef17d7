/**
 * For tests against the real Redis (REDIS_URL, default redis://127.0.0.1:6379): each test file
 * gets its own key prefix "gw:test:<random>:" so parallel files and repeated runs never collide,
 * and `close` deletes exactly the keys under that prefix (never FLUSHDB).
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { createRedisConnection, waitForRedis } from "./redis-connection.ts";

export const testRedisUrl = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";

export interface TestRedis {
  readonly prefix: string;
  /** A new connection (to `url`, default the real Redis), closed by `close`. */
  connect(url?: string, commandTimeoutMs?: number): Promise<Redis>;
  /** Deletes every key under the prefix and closes every connection. */
  close(): Promise<void>;
}

export function createTestRedis(): TestRedis {
  const prefix = `gw:test:${randomBytes(6).toString("hex")}:`;
  const connections: Redis[] = [];
  return {
    prefix,
    async connect(url = testRedisUrl, commandTimeoutMs = 1_000) {
      const redis = createRedisConnection({ url, commandTimeoutMs, connectTimeoutMs: 1_000 });
      connections.push(redis);
      if (!(await waitForRedis(redis, 5_000))) throw new Error(`Redis at ${url} is not reachable`);
      return redis;
    },
    async close() {
      const cleaner = createRedisConnection({ url: testRedisUrl, commandTimeoutMs: 5_000 });
      try {
        if (await waitForRedis(cleaner, 5_000)) {
          let cursor = "0";
          do {
            const [next, keys] = await cleaner.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
            cursor = next;
            if (keys.length > 0) await cleaner.del(...keys);
          } while (cursor !== "0");
        }
      } finally {
        cleaner.disconnect();
        for (const redis of connections) redis.disconnect();
      }
    },
  };
}
