import { calcPrice, type ModelPrice } from "@pydantic/genai-prices";
import type { CompiledPrice } from "./bundle.ts";

/**
 * Built-in prices, shared by the compiler and the runtime: prices are decided at build time, once
 * per deployment (compiler/prices.ts); only wildcard routes ("anthropic/*") price each requested
 * model at run time, through the same `lookupPrice`. The built-in table is the
 * price data bundled inside @pydantic/genai-prices: `calcPrice` reads it synchronously
 * and never touches the network unless `updatePrices` is set up, which gw never does.
 * For a price that changes over time the data's own rule applies at the build date.
 */

export const FREE_PRICE: Readonly<CompiledPrice> = {
  inputPerMTok: 0,
  outputPerMTok: 0,
  cacheReadPerMTok: 0,
  cacheWritePerMTok: 0,
  source: "config",
};

/** Bounded: on wildcard routes the runtime looks up model names clients chose. */
const MAX_CACHED_LOOKUPS = 4096;
const lookups = new Map<string, CompiledPrice | null>();

/**
 * The built-in price of `model` at a @pydantic/genai-prices provider (`priceProviderId`,
 * e.g. "openai", "aws", "google"; see the providers' descriptors, `priceProvider`), in USD per million tokens, or
 * null when the price data does not know it. Tiered prices use the base tier; a model with
 * only an input price (an embedding model) has output price 0. Synchronous and offline;
 * results are cached (at most MAX_CACHED_LOOKUPS, oldest dropped first), so the runtime
 * may call it per requested model on wildcard routes. The returned object is shared: do
 * not mutate it.
 */
export function lookupPrice(priceProviderId: string, model: string): CompiledPrice | null {
  const cacheKey = `${priceProviderId}\u0000${model}`;
  const cached = lookups.get(cacheKey);
  if (cached !== undefined || lookups.has(cacheKey)) return cached ?? null;
  const price = lookupUncached(priceProviderId, model);
  if (lookups.size >= MAX_CACHED_LOOKUPS) lookups.delete(lookups.keys().next().value!);
  lookups.set(cacheKey, price);
  return price;
}

function lookupUncached(providerId: string, model: string): CompiledPrice | null {
  let modelPrice: ModelPrice;
  try {
    const result = calcPrice({ input_tokens: 0, output_tokens: 0 }, model, { providerId });
    if (result === null) return null;
    modelPrice = result.model_price;
  } catch {
    return null;
  }
  const input = basePrice(modelPrice["input_mtok"]);
  if (input === undefined) return null;
  return {
    inputPerMTok: input,
    outputPerMTok: basePrice(modelPrice["output_mtok"]) ?? 0,
    cacheReadPerMTok: basePrice(modelPrice["cache_read_mtok"]) ?? input,
    cacheWritePerMTok: basePrice(modelPrice["cache_write_mtok"]) ?? input,
    source: "genai-prices",
  };
}

/** A flat price, or the base (lowest-volume) tier of a tiered one. */
function basePrice(value: ModelPrice[string]): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "object" && value !== null && typeof value.base === "number") return value.base;
  return undefined;
}

/**
 * The context window (tokens) @pydantic/genai-prices records for `model` at a provider, or null
 * when it records none. Build time only (compiler/prices.ts), so not cached.
 */
export function lookupContextWindow(priceProviderId: string, model: string): number | null {
  try {
    const result = calcPrice({ input_tokens: 0, output_tokens: 0 }, model, { providerId: priceProviderId });
    const window = (result?.model as { context_window?: unknown } | undefined)?.context_window;
    return typeof window === "number" && Number.isInteger(window) && window > 0 ? window : null;
  } catch {
    return null;
  }
}
