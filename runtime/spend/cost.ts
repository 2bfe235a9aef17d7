/**
 * Request cost in USD. TokenUsage counts are disjoint: `inputTokens` is the uncached
 * prompt, cache reads and cache writes are billed at their own prices, and `outputTokens`
 * already includes reasoning tokens (`reasoningTokens` is a breakdown, not billed twice).
 */
import type { TokenUsage } from "../http/openai-types.ts";
import type { TokenPrice } from "../start/plan.ts";

/**
 * USD rounded to whole nano-dollars (1e-9): every amount gw stores, sums and reports goes
 * through it, so none shows float noise (0.000011999999999999999 is 0.000012) and sums of
 * them stay exact to the nano-dollar (the budget ledger counts integer nano-dollars too).
 */
export function roundUsd(usd: number): number {
  return Number.isFinite(usd) ? Math.round(usd * 1e9) / 1e9 : 0;
}

/** Cost in USD, in whole nano-dollars; 0 when the price is unknown. */
export function computeCost(usage: TokenUsage, price: TokenPrice | null): number {
  if (price === null) return 0;
  return roundUsd(
    usage.inputTokens * price.input +
      usage.outputTokens * price.output +
      usage.cacheReadTokens * price.cacheRead +
      usage.cacheWriteTokens * price.cacheWrite,
  );
}

export const zeroUsage: TokenUsage = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
});

/** USD for humans: cents, or micro-dollars below one cent. */
export function formatUsd(value: number): string {
  return value >= 0.01 || value === 0 ? `$${value.toFixed(2)}` : `$${value.toFixed(6)}`;
}

/** A spend record's token counts (SpendRecord's fields of the same names); all 0 when nothing was spent. */
export function usageFields(usage: TokenUsage | null): { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; reasoningTokens: number } {
  return {
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cacheReadTokens: usage?.cacheReadTokens ?? 0,
    cacheWriteTokens: usage?.cacheWriteTokens ?? 0,
    reasoningTokens: usage?.reasoningTokens ?? 0,
  };
}
