/**
 * Cluster-wide rate limits and budgets on one Redis connection, each falling back to in-process
 * state while Redis is unreachable (runtime/governance/fallback.ts). What `gw serve` wires when
 * a Redis URL is configured:
 *
 *   const governance = await createRedisGovernance({ url, log });
 *   // governance.rateLimiter, governance.budgetLedger; at shutdown: await governance.close()
 *
 * Each process also keeps a heartbeat in Redis (a sorted set `<prefix>replicas`: instance -> last
 * beat), so that it knows how many replicas share the budgets: while Redis is unreachable each
 * spends only 1/N of what was left (fallback.ts), N as last counted.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { withBudgetLedgerFallback, withRateLimiterFallback } from "../../governance/fallback.ts";
import { createMemoryBudgetLedger } from "../../stores/memory/memory-budget-ledger.ts";
import { createMemoryRateLimiter } from "../../stores/memory/memory-rate-limiter.ts";
import type { BudgetLedger, RateLimiter } from "../../stores/ports.ts";
import type { CooldownShare } from "../../routing/deployment-health.ts";
import { createRedisBudgetLedger } from "./redis-budget-ledger.ts";
import { createRedisCooldowns } from "./redis-cooldowns.ts";
import { createRedisConnection, waitForRedis } from "./redis-connection.ts";
import { createRedisRateLimiter } from "./redis-rate-limiter.ts";

export interface RedisGovernanceOptions {
  /** e.g. "redis://127.0.0.1:6379/0"; never logged (it may hold a password). */
  url: string;
  /** Prepended to every key. Default "gw:". */
  prefix?: string;
  log: (message: string) => void;
  /** Default 250 ms: a slower answer counts as Redis being unreachable. */
  commandTimeoutMs?: number;
  /** How long start-up waits for the first connection before going on per process. Default 2000 ms. */
  connectTimeoutMs?: number;
  /** While Redis is down it is probed this often (ms). Default 1000. */
  retryIntervalMs?: number;
  slotTtlMs?: number;
  reservationTtlMs?: number;
  /** Budgets: refuse requests with a hard limit while Redis is unreachable (default: admit on this replica's share). */
  failClosed?: boolean;
  /** How often the replica heartbeat is written (ms); a replica silent for 5 beats is no longer counted. Default 2000. */
  heartbeatMs?: number;
  /** Called each time Redis answers again after an outage (e.g. re-seed budgets from the spend ledger). */
  onRecovered?: () => void;
}

export interface RedisGovernance {
  readonly rateLimiter: RateLimiter;
  readonly budgetLedger: BudgetLedger;
  readonly redis: Redis;
  /** Deployment cooldowns shared by the replicas (redis-cooldowns.ts). */
  readonly cooldowns: CooldownShare;
  /** Live replicas sharing this Redis prefix, as last counted (at least 1). */
  replicas(): number;
  close(): Promise<void>;
}

export async function createRedisGovernance(options: RedisGovernanceOptions): Promise<RedisGovernance> {
  const prefix = options.prefix ?? "gw:";
  const connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
  const redis = createRedisConnection({ url: options.url, commandTimeoutMs: options.commandTimeoutMs, connectTimeoutMs });
  if (!(await waitForRedis(redis, connectTimeoutMs))) {
    options.log(`Redis is not reachable at start-up; rate limits and budgets are per process until it is`);
  }
  const instance = randomBytes(6).toString("hex");
  const replicasKey = `${prefix}replicas`;
  const heartbeatMs = options.heartbeatMs ?? 2_000;
  let replicas = 1;
  const beat = async (): Promise<void> => {
    const now = Date.now();
    const replies = await redis
      .multi()
      .zadd(replicasKey, now, instance)
      .zremrangebyscore(replicasKey, "-inf", now - 5 * heartbeatMs)
      .zcard(replicasKey)
      .pexpire(replicasKey, 10 * heartbeatMs)
      .exec();
    const counted = Number(replies?.[2]?.[1]);
    if (Number.isFinite(counted)) replicas = Math.max(1, counted);
  };
  // While Redis is down the beat fails and the last count stands.
  await beat().catch(() => {});
  const heartbeat = setInterval(() => void beat().catch(() => {}), heartbeatMs);
  heartbeat.unref?.();
  const fallback = {
    log: options.log,
    retryIntervalMs: options.retryIntervalMs,
    probe: () => redis.ping(),
    onRecovered: options.onRecovered,
    replicas: () => replicas,
    failClosed: options.failClosed === true,
  };
  const rateLimiter = withRateLimiterFallback(
    createRedisRateLimiter({ redis, prefix, slotTtlMs: options.slotTtlMs }),
    createMemoryRateLimiter({ slotTtlMs: options.slotTtlMs }),
    fallback,
  );
  const budgetLedger = withBudgetLedgerFallback(
    createRedisBudgetLedger({ redis, prefix, reservationTtlMs: options.reservationTtlMs }),
    createMemoryBudgetLedger({ reservationTtlMs: options.reservationTtlMs }),
    fallback,
  );
  const cooldowns = createRedisCooldowns(redis, prefix, options.log);
  return {
    rateLimiter,
    budgetLedger,
    redis,
    cooldowns: cooldowns.share,
    replicas: () => replicas,
    async close() {
      clearInterval(heartbeat);
      cooldowns.close();
      try {
        if (redis.status === "ready") {
          await redis.zrem(replicasKey, instance).catch(() => {});
          await redis.quit();
        }
      } finally {
        redis.disconnect();
      }
    },
  };
}
