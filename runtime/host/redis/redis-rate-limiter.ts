/**
 * The cluster-wide RateLimiter: counts live in Redis and every decision (and every usage read)
 * is one Lua script (rate-limit-scripts.ts), so replicas share one limit. Window keys expire a minute after their
 * window; slot sets expire with their latest slot. Tickets are kept in this process (the process
 * that acquired is the one that releases); a process that dies leaves slots that expire by
 * themselves after the slot TTL. Rules: runtime/limits/rate-limit-rules.ts.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { LimitSettings, RateLimiter, Subject, SubjectCounts } from "../../stores/ports.ts";
import {
  defaultSlotTtlMs,
  limitedSubjects,
  toLimitDecision,
  toTokenCount,
  usesWindow,
  windowMs,
  windowStartOf,
  type LimitKind,
} from "../../limits/rate-limit-rules.ts";
import { toIntegers } from "./redis-script.ts";
import { acquireScript, releaseScript, usageScript } from "./rate-limit-scripts.ts";

export interface RedisRateLimiterOptions {
  redis: Redis;
  /** Prepended to every key, e.g. "gw:" (a hash tag such as "gw:{limits}:" keeps all keys in one Redis Cluster slot). */
  prefix: string;
  /** A parallel slot never released frees itself after this long (ms). Default 10 minutes. */
  slotTtlMs?: number;
}

interface Ticket {
  acquiredAt: number;
  keys: string[];
  /** Per subject: 1 counted in the window, 2 holds a slot, 3 both. */
  holds: number[];
  estimate: number;
}

const limitKinds: readonly LimitKind[] = ["rpm", "tpm", "parallel"];

export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const { redis, prefix } = options;
  const slotTtlMs = options.slotTtlMs ?? defaultSlotTtlMs;
  // Tickets are members of sets shared by all replicas: unique per process.
  const instance = randomBytes(6).toString("hex");
  let ticketCounter = 0;
  const tickets = new Map<string, Ticket>();
  let nextSweep = 0;

  const windowKey = (windowStart: number, subject: Subject): string => `${prefix}rate:${windowStart}:${subject.kind}:${subject.id}`;
  const slotsKey = (subject: Subject): string => `${prefix}slots:${subject.kind}:${subject.id}`;

  /** Tickets never released are forgotten once their slots have expired. */
  const sweep = (now: number): void => {
    if (now < nextSweep) return;
    nextSweep = now + windowMs;
    for (const [id, ticket] of tickets) {
      if (ticket.acquiredAt + slotTtlMs > now) break;
      tickets.delete(id);
    }
  };

  return {
    description: `Redis rate limits (cluster-wide, prefix "${prefix}")`,
    isClusterWide: () => true,

    async acquire(subjects: ReadonlyArray<{ subject: Subject; limits: LimitSettings }>, estimatedTokens: number, now: number) {
      const limited = limitedSubjects(subjects);
      if (limited.length === 0) return { allowed: true, ticket: null };
      sweep(now);
      const estimate = toTokenCount(estimatedTokens);
      const windowStart = windowStartOf(now);
      const id = `${instance}.${++ticketCounter}`;
      const keys: string[] = [];
      const args: Array<string | number> = [now, windowStart + 2 * windowMs, id, now + slotTtlMs, estimate];
      for (const { subject, limits } of limited) {
        keys.push(windowKey(windowStart, subject), slotsKey(subject));
        args.push(limits.rpm, limits.tpm, limits.parallel);
      }
      const reply = toIntegers(await acquireScript.run(redis, keys, args));
      const counts: SubjectCounts[] = limited.map((_, index) => ({
        requests: reply[3 + 3 * index]!,
        tokens: reply[4 + 3 * index]!,
        inFlight: reply[5 + 3 * index]!,
      }));
      const refusal = reply[0] === 1 ? null : { index: reply[1]! - 1, limit: limitKinds[reply[2]! - 1]! };
      const decision = toLimitDecision(limited, counts, estimate, now, refusal);
      if (refusal !== null) return { ...decision, ticket: null };
      const holds = limited.map(({ limits }) => (usesWindow(limits) ? 1 : 0) + (limits.parallel >= 0 ? 2 : 0));
      tickets.set(id, { acquiredAt: now, keys, holds, estimate });
      return { ...decision, ticket: id };
    },

    async release(ticketId: string, actualTokens: number) {
      const ticket = tickets.get(ticketId);
      if (ticket === undefined) return;
      tickets.delete(ticketId);
      try {
        await releaseScript.run(redis, ticket.keys, [ticketId, toTokenCount(actualTokens) - ticket.estimate, ...ticket.holds]);
      } catch (error) {
        // Keep the ticket so that a caller may retry; a slot left behind expires on its own.
        tickets.set(ticketId, ticket);
        throw error;
      }
    },

    async usage(subjects: readonly Subject[], now: number) {
      if (subjects.length === 0) return [];
      const windowStart = windowStartOf(now);
      const keys = subjects.flatMap((subject) => [windowKey(windowStart, subject), slotsKey(subject)]);
      const reply = toIntegers(await usageScript.run(redis, keys, [now]));
      return subjects.map((_, index) => ({ requests: reply[3 * index]!, tokens: reply[3 * index + 1]!, inFlight: reply[3 * index + 2]! }));
    },
  };
}
