/**
 * Cluster-wide rate limits and budgets on one Redis connection, each falling back to in-process
 * state while Redis is unreachable (runtime/governance/fallback.ts). What `gw serve` wires when
 * a Redis URL is configured:
 *
 *   const governance = await createRedisGovernance({ url, log });
 *   // governance.rateLimiter, governance.budgetLedger; at shutdown: await governance.close()
 */
import type { Redis } from "ioredis";
import type { RefuseWhen } from "../../governance/budget-rules.ts";
import { withBudgetLedgerFallback, withRateLimiterFallback } from "../../governance/fallback.ts";
import { createMemoryBudgetLedger } from "../../governance/memory-budget-ledger.ts";
import { createMemoryRateLimiter } from "../../governance/memory-rate-limiter.ts";
import type { BudgetLedger, RateLimiter } from "../../governance/ports.ts";
import { createRedisBudgetLedger } from "./redis-budget-ledger.ts";
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
  refuseWhen?: RefuseWhen;
  /** Called each time Redis answers again after an outage (e.g. re-seed budgets from the spend ledger). */
  onRecovered?: () => void;
}

export interface RedisGovernance {
  readonly rateLimiter: RateLimiter;
  readonly budgetLedger: BudgetLedger;
  readonly redis: Redis;
  close(): Promise<void>;
}

export async function createRedisGovernance(options: RedisGovernanceOptions): Promise<RedisGovernance> {
  const prefix = options.prefix ?? "gw:";
  const connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
  const redis = createRedisConnection({ url: options.url, commandTimeoutMs: options.commandTimeoutMs, connectTimeoutMs });
  if (!(await waitForRedis(redis, connectTimeoutMs))) {
    options.log(`Redis is not reachable at start-up; rate limits and budgets are per process until it is`);
  }
  const fallback = {
    log: options.log,
    retryIntervalMs: options.retryIntervalMs,
    probe: () => redis.ping(),
    onRecovered: options.onRecovered,
  };
  const rateLimiter = withRateLimiterFallback(
    createRedisRateLimiter({ redis, prefix, slotTtlMs: options.slotTtlMs }),
    createMemoryRateLimiter({ slotTtlMs: options.slotTtlMs }),
    fallback,
  );
  const budgetLedger = withBudgetLedgerFallback(
    createRedisBudgetLedger({ redis, prefix, reservationTtlMs: options.reservationTtlMs, refuseWhen: options.refuseWhen }),
    createMemoryBudgetLedger({ reservationTtlMs: options.reservationTtlMs, refuseWhen: options.refuseWhen }),
    fallback,
  );
  return {
    rateLimiter,
    budgetLedger,
    redis,
    async close() {
      try {
        if (redis.status === "ready") await redis.quit();
      } finally {
        redis.disconnect();
      }
    },
  };
}
