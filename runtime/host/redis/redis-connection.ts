/**
 * An ioredis connection tuned for the request path: a Redis that is down or slow must cost a
 * request milliseconds, not seconds, and the governance wrappers (runtime/governance/fallback.ts)
 * then switch to per-process state. So: no offline queue (a command issued while disconnected
 * fails at once instead of waiting for a reconnect), no per-command retries, a short command
 * timeout, and reconnection in the background.
 */
import { Redis } from "ioredis";

export interface RedisConnectionOptions {
  /** e.g. "redis://127.0.0.1:6379/0"; "rediss://" for TLS; credentials in the URL. */
  url: string;
  /** A command without a reply after this long fails (ms). Default 250. */
  commandTimeoutMs?: number;
  /** Connecting (TCP + handshake) gives up after this long (ms). Default 2000. */
  connectTimeoutMs?: number;
  /** Called for connection errors; the connection keeps reconnecting on its own. Never given the URL. */
  onError?: (error: Error) => void;
}

export function createRedisConnection(options: RedisConnectionOptions): Redis {
  const redis = new Redis(options.url, {
    commandTimeout: options.commandTimeoutMs ?? 250,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // Reconnect forever, backing off to one attempt a second.
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });
  // Without a listener ioredis prints every connection error; unavailability is reported by the fallbacks.
  redis.on("error", (error: Error) => options.onError?.(error));
  return redis;
}

/** Resolves true once the connection is ready, false if it is not within `timeoutMs`. */
export function waitForRedis(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === "ready") return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean): void => {
      clearTimeout(timer);
      redis.off("ready", onReady);
      resolve(ready);
    };
    const onReady = (): void => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on("ready", onReady);
  });
}
