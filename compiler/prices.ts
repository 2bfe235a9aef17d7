/** Deployment prices at build time: a configured price, or the built-in one (../contract/prices.ts). */
import { FREE_PRICE, lookupContextWindow, lookupPrice } from "../contract/prices.ts";
import type { CompiledPrice } from "../contract/bundle.ts";
import type { PriceConfig, ProviderName } from "./define-config.ts";
import { isFreeProvider, priceProviderOf } from "./providers.ts";

/** A configured price, with cache prices defaulting to the input price. */
export function priceFromConfig(price: PriceConfig): CompiledPrice {
  return {
    inputPerMTok: price.inputPerMTok,
    outputPerMTok: price.outputPerMTok,
    cacheReadPerMTok: price.cacheReadPerMTok ?? price.inputPerMTok,
    cacheWritePerMTok: price.cacheWritePerMTok ?? price.inputPerMTok,
    source: "config",
  };
}

/**
 * The build-time price of a deployment without a configured price: free providers cost 0,
 * a wildcard model ("*") is priced at run time per requested model (null here), and
 * anything else is looked up; null when unknown.
 */
export function builtInPrice(provider: ProviderName, model: string): CompiledPrice | null {
  if (isFreeProvider(provider)) return { ...FREE_PRICE };
  const priceProvider = priceProviderOf(provider);
  if (priceProvider === null || model.includes("*")) return null;
  return lookupPrice(priceProvider, model);
}

/**
 * The model's context window in the price data (tokens, prompt and output together), the default
 * of a deployment's `maxInputTokens`: a prompt larger than it cannot fit whatever the output.
 * null when unknown, and for a wildcard model (its window depends on the model requested).
 */
export function builtInContextWindow(provider: ProviderName, model: string): number | null {
  const priceProvider = priceProviderOf(provider);
  if (priceProvider === null || model.includes("*")) return null;
  return lookupContextWindow(priceProvider, model);
}
