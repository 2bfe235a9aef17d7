import { describe, expect, it } from "vitest";
import { cumulativeWeights } from "./weights.ts";

/** How often each index is picked by the runtime's rule, for draws spread evenly over [0, 1). */
function pickCounts(cumulative: number[], draws = 1000): number[] {
  const counts = cumulative.map(() => 0);
  for (let draw = 0; draw < draws; draw++) {
    const random = draw / draws;
    const index = cumulative.findIndex((bound) => random < bound);
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts;
}

describe("cumulativeWeights", () => {
  it("normalizes weights into an ascending array ending in exactly 1", () => {
    expect(cumulativeWeights([3, 1])).toEqual([0.75, 1]);
    expect(cumulativeWeights([1, 1, 1, 1])).toEqual([0.25, 0.5, 0.75, 1]);
    expect(cumulativeWeights([5])).toEqual([1]);
  });

  it("ends in exactly 1 even when floating point sums fall short", () => {
    const weights = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
    const result = cumulativeWeights(weights);
    expect(result.at(-1)).toBe(1);
    for (let index = 1; index < result.length; index++) expect(result[index]!).toBeGreaterThanOrEqual(result[index - 1]!);
  });

  it("never picks a zero-weight deployment, wherever it stands", () => {
    expect(pickCounts(cumulativeWeights([0, 1, 1]))).toEqual([0, 500, 500]);
    expect(pickCounts(cumulativeWeights([1, 0, 1]))).toEqual([500, 0, 500]);
    expect(pickCounts(cumulativeWeights([1, 1, 0]))).toEqual([500, 500, 0]);
    expect(pickCounts(cumulativeWeights([0, 3, 0, 1, 0]))).toEqual([0, 750, 0, 250, 0]);
  });

  it("splits traffic by weight", () => {
    expect(pickCounts(cumulativeWeights([3, 1]))).toEqual([750, 250]);
  });

  it("refuses a zero total (the compiler reports GW1204 before it gets here)", () => {
    expect(() => cumulativeWeights([0, 0])).toThrow(RangeError);
  });
});
