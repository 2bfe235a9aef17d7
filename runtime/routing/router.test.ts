import { describe, expect, it } from "vitest";
import type { RuntimeRoute } from "../start/plan.ts";
import { backoffMs, pickDeployment } from "./router.ts";

function route(cumulativeWeights: number[]): RuntimeRoute {
  return {
    name: "chat",
    wildcardPrefix: null,
    deployments: cumulativeWeights.map(() => ({}) as RuntimeRoute["deployments"][number]),
    cumulativeWeights,
    fallbacks: [],
    retry: { attempts: 2, initialBackoffMs: 100, maxBackoffMs: 1000 },
  };
}

/** Evenly spaced values in [0, 1): a deterministic stand-in for a uniform random source. */
function sweep(count: number): () => number {
  let index = 0;
  return () => (index++ % count) / count;
}

describe("pickDeployment", () => {
  it("follows the weights (70/20/10)", () => {
    const weighted = route([0.7, 0.9, 1]);
    const random = sweep(1000);
    const counts = [0, 0, 0];
    for (let draw = 0; draw < 1000; draw++) counts[pickDeployment(weighted, random)]!++;
    expect(counts).toEqual([700, 200, 100]);
  });

  it("uses the first index whose cumulative weight exceeds the draw", () => {
    const weighted = route([0.5, 1]);
    expect(pickDeployment(weighted, () => 0)).toBe(0);
    expect(pickDeployment(weighted, () => 0.4999)).toBe(0);
    expect(pickDeployment(weighted, () => 0.5)).toBe(1);
    expect(pickDeployment(weighted, () => 0.9999)).toBe(1);
  });

  it("prefers deployments that have not failed, still by weight", () => {
    const weighted = route([0.5, 0.75, 1]);
    const random = sweep(300);
    const counts = [0, 0, 0];
    for (let draw = 0; draw < 300; draw++) counts[pickDeployment(weighted, random, new Set([1]))]!++;
    // Remaining weights 0.5 and 0.25: two thirds and one third.
    expect(counts).toEqual([200, 0, 100]);
  });

  it("falls back to the plain weighted pick once every deployment has failed", () => {
    const weighted = route([0.5, 1]);
    expect(pickDeployment(weighted, () => 0.9, new Set([0, 1]))).toBe(1);
  });
});

describe("backoffMs", () => {
  const policy = { attempts: 5, initialBackoffMs: 100, maxBackoffMs: 1000 };

  it("grows exponentially with full jitter under the ceiling", () => {
    expect(backoffMs(0, policy, undefined, () => 0.999)).toBe(99);
    expect(backoffMs(1, policy, undefined, () => 0.999)).toBe(199);
    expect(backoffMs(3, policy, undefined, () => 0.5)).toBe(400);
    expect(backoffMs(10, policy, undefined, () => 0.999)).toBe(999);
    expect(backoffMs(2, policy, undefined, () => 0)).toBe(0);
  });

  it("honours Retry-After, capped at maxBackoffMs", () => {
    expect(backoffMs(0, policy, 300, () => 0)).toBe(300);
    expect(backoffMs(0, policy, 60_000, () => 0)).toBe(1000);
  });
});
