/**
 * A Lua script run with EVALSHA (the server keeps scripts by SHA-1, so only 40 bytes travel per
 * call), falling back to EVAL when the server does not know it yet (NOSCRIPT: first use, a
 * restart, SCRIPT FLUSH); EVAL caches it again for the next EVALSHA.
 * @see https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export interface RedisScript {
  readonly sha: string;
  run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown>;
}

export function defineRedisScript(lua: string): RedisScript {
  const sha = createHash("sha1").update(lua).digest("hex");
  return {
    sha,
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return await redis.eval(lua, keys.length, ...keys, ...args);
      }
    },
  };
}

/** A script reply that must be an array of integers; anything else is a bug in the script. */
export function toIntegers(reply: unknown): number[] {
  if (!Array.isArray(reply) || !reply.every((value) => typeof value === "number")) {
    throw new Error(`Unexpected reply from a gw Redis script: ${JSON.stringify(reply)}`);
  }
  return reply as number[];
}
