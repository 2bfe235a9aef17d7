import { describe, expect, it } from "vitest";
import { createMemoryRateLimiter } from "../stores/memory/memory-rate-limiter.ts";
import type { RateLimiter } from "../stores/ports.ts";
import { atLimit, headroomOf, readHeadroom } from "./deployment-headroom.ts";
import { deploymentLimitSubjects, type DeploymentLimits, type DeploymentLimitValues } from "./deployment-limits.ts";

const none = -1;
const counts = (requests: number, tokens = 0) => ({ requests, tokens, inFlight: 0 });

describe("headroomOf", () => {
  it("rpm: the share left once this request is counted; the last request allowed has 0, the next is at the limit", () => {
    const rpm10 = { rpm: 10, tpm: none, parallel: none };
    expect(headroomOf(rpm10, counts(0), 0)).toBeCloseTo(0.9);
    expect(headroomOf(rpm10, counts(9), 0)).toBe(0);
    expect(headroomOf(rpm10, counts(10), 0)).toBe(atLimit);
  });

  it("tpm: counts this request's estimate; a request larger than the limit still fits an empty window, as acquire admits it", () => {
    const tpm1000 = { rpm: none, tpm: 1000, parallel: none };
    expect(headroomOf(tpm1000, counts(3, 200), 300)).toBeCloseTo(0.5);
    expect(headroomOf(tpm1000, counts(3, 200), 900)).toBe(atLimit);
    expect(headroomOf(tpm1000, counts(0, 0), 5000)).toBe(0);
  });

  it("the tightest of rpm and tpm; parallel is not headroom; a limit of 0 is always at the limit", () => {
    expect(headroomOf({ rpm: 10, tpm: 1000, parallel: 1 }, { requests: 1, tokens: 600, inFlight: 1 }, 100)).toBeCloseTo(0.3);
    expect(headroomOf({ rpm: 0, tpm: none, parallel: none }, counts(0), 0)).toBe(atLimit);
    expect(headroomOf({ rpm: none, tpm: 0, parallel: none }, counts(0), 0)).toBe(atLimit);
  });
});

describe("readHeadroom", () => {
  const now = 1_700_000_010_000;
  const target = (id: string, limits: Partial<DeploymentLimitValues> | null) => ({
    limits: limits === null ? null : deploymentLimitSubjects(id, { rpm: null, tpm: null, parallel: null, ...limits }),
  });
  const limitsOf = (limiter: RateLimiter, errors: unknown[] = []): DeploymentLimits => ({
    limiter,
    now: () => now,
    estimatedTokens: () => 0,
    onError: (error) => errors.push(error),
  });

  it("reads every limited deployment of the route in one call; unlimited ones have headroom 1", async () => {
    const limiter = createMemoryRateLimiter();
    const deployments = [target("rpm", { rpm: 10 }), target("tpm", { tpm: 1000 }), target("plain", null), target("parallel", { parallel: 2 })];
    for (let index = 0; index < 4; index++) await limiter.acquire(deployments[0]!.limits!, 0, now);
    await limiter.acquire(deployments[1]!.limits!, 200, now);
    let calls = 0;
    const counting: RateLimiter = { ...limiter, usage(subjects, at) {
        calls++;
        return limiter.usage(subjects, at);
      },
    };
    // 299.5 tokens count as 300, as acquire would count them.
    const headroom = await readHeadroom(limitsOf(counting), deployments, 299.5, now);
    expect(headroom?.map((value) => Number(value.toFixed(3)))).toEqual([0.5, 0.5, 1, 1]);
    expect(calls).toBe(1);
  });

  it("reads nothing when no deployment has rpm or tpm", async () => {
    const unused: RateLimiter = { ...createMemoryRateLimiter(), usage: () => Promise.reject(new Error("not to be called")) };
    expect(await readHeadroom(limitsOf(unused), [target("plain", null), target("parallel", { parallel: 2 })], 0, now)).toBeNull();
  });

  it("gives no headroom (a pick by weight) and reports the error when the limiter fails", async () => {
    const errors: unknown[] = [];
    const broken: RateLimiter = { ...createMemoryRateLimiter(), usage: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379")) };
    expect(await readHeadroom(limitsOf(broken, errors), [target("rpm", { rpm: 10 })], 0, now)).toBeNull();
    expect(errors).toHaveLength(1);
  });
});
