import { describe, expect, it } from "vitest";
import { computeCost, formatUsd, roundUsd } from "./cost.ts";
import { toTokenPrice } from "../start/load-bundle.ts";

describe("computeCost", () => {
  const price = toTokenPrice({ inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75, source: "config" });

  it("prices uncached input, cache reads, cache writes and output separately", () => {
    const cost = computeCost(
      { inputTokens: 1_000_000, outputTokens: 2_000_000, cacheReadTokens: 10_000_000, cacheWriteTokens: 100_000, reasoningTokens: 500_000 },
      price,
    );
    // 3 + 30 + 3 + 0.375; reasoning tokens are part of output and not billed again.
    expect(cost).toBeCloseTo(36.375, 9);
  });

  it("is small and exact for a typical request", () => {
    const cost = computeCost({ inputTokens: 12, outputTokens: 34, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, price);
    expect(cost).toBeCloseTo((12 * 3 + 34 * 15) / 1e6, 15);
  });

  it("is in whole nano-dollars, without float noise on the wire", () => {
    // 3 tokens at $0.1/M is 3.0000000000000005e-7 in floating point.
    const cheap = toTokenPrice({ inputPerMTok: 0.1, outputPerMTok: 0.4, cacheReadPerMTok: 0.025, cacheWritePerMTok: 0.1, source: "config" });
    const cost = computeCost({ inputTokens: 3, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, cheap);
    expect(cost).toBe(0.0000007);
    expect(JSON.stringify({ cost })).toBe('{"cost":7e-7}');
    expect(roundUsd(0.1 + 0.2)).toBe(0.3);
    expect(roundUsd(0.000011999999999999999)).toBe(0.000012);
    expect(roundUsd(Number.NaN)).toBe(0);
  });

  it("is 0 when the price is unknown", () => {
    expect(computeCost({ inputTokens: 5, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, null)).toBe(0);
  });

  it("formats dollars for messages", () => {
    expect(formatUsd(12.5)).toBe("$12.50");
    expect(formatUsd(0.000123)).toBe("$0.000123");
    expect(formatUsd(0)).toBe("$0.00");
  });
});
