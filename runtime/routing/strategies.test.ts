import { describe, expect, it } from "vitest";
import type { RuntimeDeployment, RuntimeRoute, TokenPrice } from "../start/plan.ts";
import { createDeploymentHealth, type DeploymentHealth, defaultHealthPolicy } from "./deployment-health.ts";
import { chooseDeployment, type RoutingStrategy } from "./strategies.ts";

interface Spec {
  id: string;
  weight?: number;
  order?: number;
  price?: TokenPrice | null;
}

function route(specs: Spec[]): RuntimeRoute {
  const total = specs.reduce((sum, spec) => sum + (spec.weight ?? 1), 0);
  let cumulative = 0;
  return {
    name: "chat",
    wildcardPrefix: null,
    deployments: specs.map(
      (spec) => ({ deployment: { id: spec.id }, price: spec.price ?? null, ...(spec.order === undefined ? {} : { order: spec.order }) }) as unknown as RuntimeDeployment,
    ),
    cumulativeWeights: specs.map((spec) => (cumulative += (spec.weight ?? 1) / total)),
    fallbacks: [],
    retry: { attempts: 2, initialBackoffMs: 100, maxBackoffMs: 1000 },
  };
}

/** Evenly spaced values in [0, 1): a deterministic stand-in for a uniform random source. */
function sweep(count: number): () => number {
  let index = 0;
  return () => (index++ % count) / count;
}

/** Deterministic pseudo-random numbers in [0, 1) (a linear congruential generator). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function split(target: RuntimeRoute, strategy: RoutingStrategy, health: DeploymentHealth, draws = 1000, now = 0, excluded: ReadonlySet<number> | null = null): number[] {
  const counts = target.deployments.map(() => 0);
  // Strategies that draw more than once per pick need uncorrelated draws; the weighted split is exact with a sweep.
  const random = strategy === "latency" ? seeded(7) : sweep(draws);
  for (let draw = 0; draw < draws; draw++) counts[chooseDeployment(target, { strategy, health, now, random, excluded }).index]!++;
  return counts;
}

const price = (input: number, output: number): TokenPrice => ({ input, output, cacheRead: 0, cacheWrite: 0 });

describe("chooseDeployment", () => {
  it("weighted: follows the weights, as before", () => {
    expect(split(route([{ id: "a", weight: 3 }, { id: "b", weight: 1 }]), "weighted", createDeploymentHealth())).toEqual([750, 250]);
  });

  it("least-busy: the deployment with fewest requests in flight", () => {
    const health = createDeploymentHealth();
    const target = route([{ id: "a" }, { id: "b" }, { id: "c" }]);
    health.begin("a");
    health.begin("a");
    health.begin("b");
    expect(split(target, "least-busy", health)).toEqual([0, 0, 1000]);
    health.begin("c");
    health.begin("c");
    // b (1 in flight) is now the least busy; once it ends, b has none.
    expect(split(target, "least-busy", health)).toEqual([0, 1000, 0]);
    health.end("b");
    health.end("b");
    expect(health.inFlight("b")).toBe(0);
  });

  it("latency: unmeasured first, then the fastest, sharing with those within the tolerance band, with a few probes", () => {
    const health = createDeploymentHealth();
    const target = route([{ id: "fast" }, { id: "near" }, { id: "slow" }]);
    health.succeeded("fast", 100, 0);
    health.succeeded("slow", 900, 0);
    expect(split(target, "latency", health)).toEqual([0, 1000, 0]);
    health.succeeded("near", 105, 0);
    const counts = split(target, "latency", health);
    // 5% probes spread over all three; the rest between "fast" and "near" (within 10%).
    expect(counts[2]).toBeGreaterThan(0);
    expect(counts[2]).toBeLessThan(40);
    expect(counts[0]! + counts[1]!).toBeGreaterThan(950);
    expect(Math.abs(counts[0]! - counts[1]!)).toBeLessThan(60);
  });

  it("latency: the moving average follows a deployment that slows down", () => {
    const health = createDeploymentHealth();
    const target = route([{ id: "a" }, { id: "b" }]);
    health.succeeded("a", 100, 0);
    health.succeeded("b", 300, 0);
    for (let index = 0; index < 10; index++) health.succeeded("a", 2_000, 0);
    expect(health.latencyMs("a")).toBeGreaterThan(1_500);
    const counts = split(target, "latency", health);
    expect(counts[1]).toBeGreaterThan(950);
  });

  it("latency: per output token for whole answers, time to first token for streams", () => {
    const target = route([{ id: "long-answers" }, { id: "short-answers" }]);
    const health = createDeploymentHealth();
    // 1,000 ms for 500 tokens (2 ms a token) against 300 ms for 10 tokens (30 ms a token).
    health.succeeded("long-answers", 1_000, 0, false, 500);
    health.succeeded("short-answers", 300, 0, false, 10);
    // Streams: the first token comes after 400 ms on one and 80 ms on the other.
    health.succeeded("long-answers", 400, 0, true);
    health.succeeded("short-answers", 80, 0, true);
    const pick = (stream: boolean): number => chooseDeployment(target, { strategy: "latency", health, now: 0, random: () => 0.5, excluded: null, stream }).index;
    expect(pick(false)).toBe(0);
    expect(pick(true)).toBe(1);
    // What operators see is every sample as measured.
    expect(health.latencyMs("short-answers")).toBeCloseTo(0.3 * 80 + 0.7 * 300);
  });

  it("cost: the cheapest priced deployment; unpriced last", () => {
    const target = route([
      { id: "dear", price: price(5e-6, 15e-6) },
      { id: "cheap", price: price(1e-7, 4e-7) },
      { id: "unpriced", price: null },
    ]);
    expect(split(target, "cost", createDeploymentHealth())).toEqual([0, 1000, 0]);
    expect(split(target, "cost", createDeploymentHealth(), 1000, 0, new Set([1]))).toEqual([1000, 0, 0]);
  });

  it("order: priority 2 only when every priority 1 deployment is excluded or cooling down", () => {
    const health = createDeploymentHealth();
    const target = route([{ id: "primary", order: 1 }, { id: "backup", order: 2 }, { id: "other-primary", order: 1 }]);
    expect(split(target, "weighted", health)).toEqual([500, 0, 500]);
    expect(split(target, "weighted", health, 1000, 0, new Set([0]))).toEqual([0, 0, 1000]);
    health.failed("other-primary", { retryable: true, retryAfterMs: 10_000 }, defaultHealthPolicy, 0);
    expect(split(target, "weighted", health, 1000, 1, new Set([0]))).toEqual([0, 1000, 0]);
  });

  it("cooling down: skipped and reported; when all are cooling down, the one that recovers first", () => {
    const health = createDeploymentHealth();
    const target = route([{ id: "a" }, { id: "b" }]);
    health.failed("a", { retryable: true, retryAfterMs: 5_000 }, defaultHealthPolicy, 0);
    expect(chooseDeployment(target, { strategy: "weighted", health, now: 1, random: () => 0, excluded: null })).toEqual({ index: 1, cooling: [0], limited: [] });
    health.failed("b", { retryable: true, retryAfterMs: 2_000 }, defaultHealthPolicy, 0);
    expect(chooseDeployment(target, { strategy: "least-busy", health, now: 1, random: () => 0, excluded: null })).toEqual({ index: 1, cooling: [0, 1], limited: [] });
    // After b's cooldown it is a candidate again.
    expect(chooseDeployment(target, { strategy: "weighted", health, now: 2_001, random: () => 0, excluded: null })).toEqual({ index: 1, cooling: [0], limited: [] });
  });
});

describe("chooseDeployment: usage", () => {
  /** Picks over `draws` evenly spaced random draws, with a fixed headroom per deployment. */
  function usageSplit(target: RuntimeRoute, headroom: readonly number[] | null, options: { health?: DeploymentHealth; now?: number; excluded?: ReadonlySet<number> } = {}): number[] {
    const counts = target.deployments.map(() => 0);
    const random = sweep(1000);
    const health = options.health ?? createDeploymentHealth();
    for (let draw = 0; draw < 1000; draw++) {
      counts[chooseDeployment(target, { strategy: "usage", health, now: options.now ?? 0, random, excluded: options.excluded ?? null, headroom }).index]!++;
    }
    return counts;
  }
  const choose = (target: RuntimeRoute, headroom: readonly number[], health = createDeploymentHealth()) =>
    chooseDeployment(target, { strategy: "usage", health, now: 1, random: () => 0, excluded: null, headroom });

  it("picks the deployment with the most headroom", () => {
    expect(usageSplit(route([{ id: "a" }, { id: "b" }, { id: "c" }]), [0.2, 0.8, 0.5])).toEqual([0, 1000, 0]);
  });

  it("splits ties, and headroom within the tolerance (0.05), by weight", () => {
    const target = route([{ id: "a", weight: 3 }, { id: "b", weight: 1 }]);
    expect(usageSplit(target, [0.5, 0.5])).toEqual([750, 250]);
    expect(usageSplit(target, [0.47, 0.5])).toEqual([750, 250]);
    expect(usageSplit(target, [0.4, 0.5])).toEqual([0, 1000]);
  });

  it("skips a deployment at its limit before the call, and reports it", () => {
    const target = route([{ id: "full" }, { id: "nearly-full" }]);
    // Headroom 0: this request is the last its limit allows, so it is still sent.
    expect(choose(target, [-1, 0])).toEqual({ index: 1, cooling: [], limited: [0] });
    // Every candidate at its limit: nothing can be sent, and the one returned is among the limited.
    const all = choose(target, [-1, -1]);
    expect(all.limited).toEqual([0, 1]);
    expect(all.limited).toContain(all.index);
  });

  it("counts a deployment without rpm or tpm limits as fully free", () => {
    // readHeadroom gives such a deployment 1 (deployment-headroom.ts): it wins over any limited one with room left.
    expect(usageSplit(route([{ id: "limited" }, { id: "unlimited" }]), [0.9, 1])).toEqual([0, 1000]);
  });

  it("picks by weight when no headroom is known (nothing to read, or the read failed)", () => {
    expect(usageSplit(route([{ id: "a", weight: 3 }, { id: "b", weight: 1 }]), null)).toEqual([750, 250]);
  });

  it("keeps priorities: order 2 only once every order 1 deployment is at its limit", () => {
    const target = route([{ id: "primary", order: 1 }, { id: "backup", order: 2 }]);
    expect(usageSplit(target, [0.1, 1])).toEqual([1000, 0]);
    expect(choose(target, [-1, 1])).toEqual({ index: 1, cooling: [], limited: [0] });
  });

  it("still skips a deployment cooling down, however much headroom it has", () => {
    const health = createDeploymentHealth();
    const target = route([{ id: "a" }, { id: "b" }]);
    health.failed("a", { retryable: true, retryAfterMs: 5_000 }, defaultHealthPolicy, 0);
    expect(choose(target, [1, 0.1], health)).toEqual({ index: 1, cooling: [0], limited: [] });
    // Cooling down and the rest at the limit: the one that recovers first is tried, as when all cool down.
    expect(choose(target, [1, -1], health)).toEqual({ index: 0, cooling: [0], limited: [1] });
  });

  it("never picks an excluded deployment (failed for this request)", () => {
    expect(usageSplit(route([{ id: "a" }, { id: "b" }]), [1, 0.2], { excluded: new Set([0]) })).toEqual([0, 1000]);
  });
});

describe("DeploymentHealth cooldowns", () => {
  const policy = { allowedFails: 3, cooldownMs: 5_000, failureWindowMs: 60_000 };

  it("cools a deployment down after allowedFails retryable failures within the window, then gives it a trial", () => {
    const health = createDeploymentHealth();
    health.failed("d", { retryable: true }, policy, 0);
    health.failed("d", { retryable: true }, policy, 1_000);
    expect(health.coolingUntil("d", 1_000)).toBe(0);
    health.failed("d", { retryable: true }, policy, 2_000);
    expect(health.coolingUntil("d", 2_000)).toBe(7_000);
    expect(health.coolingUntil("d", 7_000)).toBe(0);
    // The trial fails: cooled down again at once.
    health.failed("d", { retryable: true }, policy, 7_100);
    expect(health.coolingUntil("d", 7_100)).toBe(12_100);
    // The next trial succeeds: healthy, and its failure count starts over.
    health.succeeded("d", 50, 12_200);
    health.failed("d", { retryable: true }, policy, 12_300);
    expect(health.coolingUntil("d", 12_300)).toBe(0);
  });

  it("never counts client errors, and forgets failures older than the window", () => {
    const health = createDeploymentHealth();
    for (let index = 0; index < 10; index++) health.failed("d", { retryable: false }, policy, index);
    expect(health.coolingUntil("d", 10)).toBe(0);
    health.failed("d", { retryable: true }, policy, 0);
    health.failed("d", { retryable: true }, policy, 1);
    health.failed("d", { retryable: true }, policy, 70_000);
    expect(health.coolingUntil("d", 70_000)).toBe(0);
  });

  it("a 429 with Retry-After cools down for that long at once; allowedFails 0 turns cooldowns off", () => {
    const health = createDeploymentHealth();
    health.failed("d", { retryable: true, retryAfterMs: 30_000 }, policy, 0);
    expect(health.coolingUntil("d", 0)).toBe(30_000);
    const off = { ...policy, allowedFails: 0 };
    for (let index = 0; index < 10; index++) health.failed("e", { retryable: true }, off, index);
    health.failed("e", { retryable: true, retryAfterMs: 30_000 }, off, 10);
    expect(health.coolingUntil("e", 10)).toBe(0);
  });
});

describe("DeploymentHealth recent outcomes", () => {
  const policy = { allowedFails: 0, cooldownMs: 0, failureWindowMs: 0 };

  it("counts attempts and the deployment's failures over this minute and the one before; client errors are requests, not errors", () => {
    const health = createDeploymentHealth();
    expect(health.recentOutcomes("d", 0)).toEqual({ requests: 0, errors: 0 });
    health.succeeded("d", 10, 1_000);
    health.failed("d", { retryable: true }, policy, 2_000);
    health.failed("d", { retryable: false }, policy, 3_000);
    expect(health.recentOutcomes("d", 3_000)).toEqual({ requests: 3, errors: 1 });
    // The next minute still sees the previous one.
    health.failed("d", { retryable: true }, policy, 61_000);
    expect(health.recentOutcomes("d", 61_000)).toEqual({ requests: 4, errors: 2 });
    // Two minutes later only the last minute counts; after a quiet gap, nothing.
    expect(health.recentOutcomes("d", 121_000)).toEqual({ requests: 1, errors: 1 });
    expect(health.recentOutcomes("d", 400_000)).toEqual({ requests: 0, errors: 0 });
  });
});
