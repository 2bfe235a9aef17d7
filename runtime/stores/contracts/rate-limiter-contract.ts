/**
 * Behaviour every RateLimiter must show, run against each implementation (memory in
 * memory-rate-limiter.test.ts, Redis in runtime/host/redis/redis-rate-limiter.test.ts).
 * `setup` returns two limiters that share their counts: the same instance for memory, two
 * connections standing in for two replicas for Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LimitSettings, RateLimiter, Subject } from "../ports.ts";
import { parallelRetryAfterMs, windowMs, windowStartOf } from "../../limits/rate-limit-rules.ts";

export interface RateLimiterFixture {
  limiters: readonly [RateLimiter, RateLimiter];
  close(): Promise<void>;
}

export const contractSlotTtlMs = 5 * 60_000;

const noLimits: LimitSettings = { rpmLimit: null, tpmLimit: null, maxParallelRequests: null };
const limits = (settings: Partial<LimitSettings>): LimitSettings => ({ ...noLimits, ...settings });

let subjectCounter = 0;
/** A subject no other test touches (Redis keys outlive a test within a file). */
function freshSubject(kind: Subject["kind"] = "key"): Subject {
  return { kind, id: `subject-${process.pid}-${Date.now()}-${++subjectCounter}` };
}

/** `setup` must create limiters whose unreleased parallel slots expire after `contractSlotTtlMs`. */
export function describeRateLimiterContract(name: string, setup: () => Promise<RateLimiterFixture>): void {
  describe(`RateLimiter contract: ${name}`, () => {
    let fixture: RateLimiterFixture;
    let limiter: RateLimiter;
    let other: RateLimiter;
    // Real wall-clock minutes: the Redis implementation lets keys expire on Redis' own clock.
    const minute = windowStartOf(Date.now()) + windowMs;
    const now = minute + 10_000;

    beforeAll(async () => {
      fixture = await setup();
      [limiter, other] = fixture.limiters;
    });
    afterAll(async () => {
      await fixture.close();
    });

    it("a request with no limits is let through and counts nothing", async () => {
      const decision = await limiter.acquire([{ subject: freshSubject(), limits: noLimits }], 100, now);
      expect(decision).toEqual({ allowed: true, ticket: null });
      expect(await limiter.acquire([], 100, now)).toEqual({ allowed: true, ticket: null });
    });

    it("rpm: the limit-th request passes, the next is refused until the window ends", async () => {
      const subject = freshSubject();
      const remaining: Array<number | undefined> = [];
      for (let index = 0; index < 3; index++) {
        const decision = await limiter.acquire([{ subject, limits: limits({ rpmLimit: 3 }) }], 10, now);
        expect(decision.allowed).toBe(true);
        expect(decision.limitRequests).toBe(3);
        remaining.push(decision.remainingRequests);
      }
      expect(remaining).toEqual([2, 1, 0]);
      const refused = await other.acquire([{ subject, limits: limits({ rpmLimit: 3 }) }], 10, now + 5_000);
      expect(refused).toMatchObject({ allowed: false, ticket: null, limitedBy: { subject, limit: "rpm", value: 3 }, remainingRequests: 0, limitRequests: 3 });
      expect(refused.retryAfterMs).toBe(minute + windowMs - (now + 5_000));
      const nextWindow = await limiter.acquire([{ subject, limits: limits({ rpmLimit: 3 }) }], 10, minute + windowMs);
      expect(nextWindow).toMatchObject({ allowed: true, remainingRequests: 2 });
    });

    it("rpm 0 and tpm 0 refuse every request", async () => {
      expect(await limiter.acquire([{ subject: freshSubject(), limits: limits({ rpmLimit: 0 }) }], 1, now)).toMatchObject({ allowed: false, limitedBy: { limit: "rpm", value: 0 } });
      expect(await limiter.acquire([{ subject: freshSubject(), limits: limits({ tpmLimit: 0 }) }], 1, now)).toMatchObject({ allowed: false, limitedBy: { limit: "tpm", value: 0 } });
    });

    it("tpm: estimated tokens count, a request that would pass the limit is refused, release corrects to real usage", async () => {
      const subject = freshSubject();
      const tpm = [{ subject, limits: limits({ tpmLimit: 1000 }) }];
      const first = await limiter.acquire(tpm, 400, now);
      expect(first).toMatchObject({ allowed: true, remainingTokens: 600, limitTokens: 1000 });
      const second = await other.acquire(tpm, 400, now);
      expect(second).toMatchObject({ allowed: true, remainingTokens: 200 });
      const third = await limiter.acquire(tpm, 400, now);
      expect(third).toMatchObject({ allowed: false, limitedBy: { subject, limit: "tpm", value: 1000 }, remainingTokens: 200 });
      expect(third.retryAfterMs).toBe(minute + windowMs - now);
      // The first request really used 100 tokens: 300 are given back.
      await limiter.release(first.ticket!, 100, now + 1_000);
      const fourth = await other.acquire(tpm, 400, now + 2_000);
      expect(fourth).toMatchObject({ allowed: true, remainingTokens: 100 });
      // Releasing the same ticket again gives nothing back: 900 + 101 would pass the limit.
      await limiter.release(first.ticket!, 0, now + 3_000);
      expect(await limiter.acquire(tpm, 101, now + 3_000)).toMatchObject({ allowed: false, limitedBy: { limit: "tpm" }, remainingTokens: 100 });
    });

    it("tpm: a request larger than the limit is admitted into an empty window only", async () => {
      const subject = freshSubject();
      const tpm = [{ subject, limits: limits({ tpmLimit: 1000 }) }];
      expect(await limiter.acquire(tpm, 5000, now)).toMatchObject({ allowed: true, remainingTokens: 0 });
      expect(await limiter.acquire(tpm, 1, now)).toMatchObject({ allowed: false, limitedBy: { limit: "tpm" } });
    });

    it("tpm: usage above the estimate is counted at release", async () => {
      const subject = freshSubject();
      const tpm = [{ subject, limits: limits({ tpmLimit: 1000 }) }];
      const first = await limiter.acquire(tpm, 100, now);
      await limiter.release(first.ticket!, 950, now);
      expect(await limiter.acquire(tpm, 100, now)).toMatchObject({ allowed: false, limitedBy: { limit: "tpm" }, remainingTokens: 50 });
    });

    it("parallel: slots are held until release, across both limiters", async () => {
      const subject = freshSubject();
      const parallel = [{ subject, limits: limits({ maxParallelRequests: 2 }) }];
      const first = await limiter.acquire(parallel, 0, now);
      const second = await other.acquire(parallel, 0, now);
      expect([first.allowed, second.allowed]).toEqual([true, true]);
      const third = await limiter.acquire(parallel, 0, now);
      expect(third).toMatchObject({ allowed: false, ticket: null, limitedBy: { subject, limit: "parallel", value: 2 }, retryAfterMs: parallelRetryAfterMs });
      await other.release(second.ticket!, 0, now);
      await other.release(second.ticket!, 0, now);
      const fourth = await limiter.acquire(parallel, 0, now);
      expect(fourth.allowed).toBe(true);
      expect((await limiter.acquire(parallel, 0, now)).allowed).toBe(false);
    });

    it("parallel: a slot never released frees itself after the slot TTL", async () => {
      const subject = freshSubject();
      const parallel = [{ subject, limits: limits({ maxParallelRequests: 1 }) }];
      expect((await limiter.acquire(parallel, 0, now)).allowed).toBe(true);
      expect((await other.acquire(parallel, 0, now + contractSlotTtlMs - 1)).allowed).toBe(false);
      expect((await other.acquire(parallel, 0, now + contractSlotTtlMs)).allowed).toBe(true);
    });

    it("all or nothing: a refusal by one subject counts nothing against the others", async () => {
      const key = freshSubject("key");
      const team = freshSubject("team");
      const both = [
        { subject: key, limits: limits({ rpmLimit: 10, tpmLimit: 10_000, maxParallelRequests: 5 }) },
        { subject: team, limits: limits({ rpmLimit: 1 }) },
      ];
      const first = await limiter.acquire(both, 100, now);
      expect(first).toMatchObject({ allowed: true, remainingRequests: 0, limitRequests: 1, remainingTokens: 9_900, limitTokens: 10_000 });
      for (let index = 0; index < 3; index++) {
        expect(await other.acquire(both, 100, now)).toMatchObject({ allowed: false, limitedBy: { subject: team, limit: "rpm", value: 1 } });
      }
      const keyOnly = await limiter.acquire([{ subject: key, limits: limits({ rpmLimit: 10, tpmLimit: 10_000, maxParallelRequests: 5 }) }], 100, now);
      expect(keyOnly).toMatchObject({ allowed: true, remainingRequests: 8, remainingTokens: 9_800 });
    });

    it("the same id under different kinds is counted separately", async () => {
      const id = freshSubject().id;
      const rpm1 = limits({ rpmLimit: 1 });
      expect((await limiter.acquire([{ subject: { kind: "key", id }, limits: rpm1 }], 0, now)).allowed).toBe(true);
      expect((await limiter.acquire([{ subject: { kind: "team", id }, limits: rpm1 }], 0, now)).allowed).toBe(true);
      expect((await limiter.acquire([{ subject: { kind: "deployment", id }, limits: rpm1 }], 0, now)).allowed).toBe(true);
      expect((await limiter.acquire([{ subject: { kind: "key", id }, limits: rpm1 }], 0, now)).allowed).toBe(false);
    });

    it("usage: reads what acquire counted, from either limiter, and counts nothing itself", async () => {
      const subject = freshSubject("deployment");
      const never = freshSubject("deployment");
      const all = [{ subject, limits: limits({ rpmLimit: 10, tpmLimit: 1_000, maxParallelRequests: 3 }) }];
      expect(await limiter.usage([], now)).toEqual([]);
      expect(await other.usage([subject, never], now)).toEqual([
        { requests: 0, tokens: 0, inFlight: 0 },
        { requests: 0, tokens: 0, inFlight: 0 },
      ]);
      const first = await limiter.acquire(all, 100, now);
      await limiter.acquire(all, 200, now);
      for (let index = 0; index < 5; index++) {
        expect(await other.usage([never, subject], now + 1_000)).toEqual([
          { requests: 0, tokens: 0, inFlight: 0 },
          { requests: 2, tokens: 300, inFlight: 2 },
        ]);
      }
      // Five reads later, the third request still sees only two before it.
      expect(await other.acquire(all, 0, now)).toMatchObject({ allowed: true, remainingRequests: 7, remainingTokens: 700 });
      await limiter.release(first.ticket!, 50, now + 2_000);
      expect(await other.usage([subject], now + 2_000)).toEqual([{ requests: 3, tokens: 250, inFlight: 2 }]);
      // The next window starts empty; slots are held across windows until released or expired.
      expect(await limiter.usage([subject], minute + windowMs)).toEqual([{ requests: 0, tokens: 0, inFlight: 2 }]);
      expect(await limiter.usage([subject], now + contractSlotTtlMs)).toEqual([{ requests: 0, tokens: 0, inFlight: 0 }]);
    });

    it("releasing an unknown ticket is harmless", async () => {
      await expect(limiter.release("no-such-ticket", 10, now)).resolves.toBeUndefined();
    });

    it("rpm is exact under 200 concurrent requests from two replicas", async () => {
      const subject = freshSubject();
      const rpm = [{ subject, limits: limits({ rpmLimit: 37 }) }];
      const decisions = await Promise.all(
        Array.from({ length: 200 }, (_, index) => (index % 2 === 0 ? limiter : other).acquire(rpm, 10, now)),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(37);
      for (const decision of decisions.filter((each) => !each.allowed)) expect(decision.limitedBy?.limit).toBe("rpm");
    });

    it("parallel is exact under 200 concurrent requests from two replicas, and slots come back on release", async () => {
      const subject = freshSubject();
      const parallel = [{ subject, limits: limits({ maxParallelRequests: 5 }) }];
      const limiterFor = (index: number): RateLimiter => (index % 2 === 0 ? limiter : other);
      const decisions = await Promise.all(Array.from({ length: 200 }, (_, index) => limiterFor(index).acquire(parallel, 0, now)));
      const admitted = decisions.map((decision, index) => ({ decision, index })).filter(({ decision }) => decision.allowed);
      expect(admitted).toHaveLength(5);
      await Promise.all(admitted.map(({ decision, index }) => limiterFor(index).release(decision.ticket!, 0, now)));
      const again = await Promise.all(Array.from({ length: 50 }, (_, index) => limiterFor(index).acquire(parallel, 0, now)));
      expect(again.filter((decision) => decision.allowed)).toHaveLength(5);
    });

    it("tpm is exact under concurrency and corrected at release", async () => {
      const subject = freshSubject();
      const tpm = [{ subject, limits: limits({ tpmLimit: 10_000 }) }];
      const limiterFor = (index: number): RateLimiter => (index % 2 === 0 ? limiter : other);
      const decisions = await Promise.all(Array.from({ length: 100 }, (_, index) => limiterFor(index).acquire(tpm, 1_000, now)));
      const admitted = decisions.map((decision, index) => ({ decision, index })).filter(({ decision }) => decision.allowed);
      expect(admitted).toHaveLength(10);
      // Each used a tenth of its estimate: 9,000 tokens come back, room for 9 more.
      await Promise.all(admitted.map(({ decision, index }) => limiterFor(index).release(decision.ticket!, 100, now)));
      const again = await Promise.all(Array.from({ length: 100 }, (_, index) => limiterFor(index).acquire(tpm, 1_000, now)));
      expect(again.filter((decision) => decision.allowed)).toHaveLength(9);
    });
  });
}
