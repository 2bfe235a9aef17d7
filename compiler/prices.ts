import { calcPrice, type ModelPrice } from "@pydantic/genai-prices";
import type { CompiledPrice } from "../runtime/bundle.ts";
import type { PriceConfig, ProviderName } from "./define-config.ts";
import { isFreeProvider, priceProviderOf } from "./providers.ts";

/**
 * Prices are decided at build time, once per deployment; only wildcard routes ("anthropic/*")
 * price each requested model at run time, through the same `lookupPrice`. The built-in table is the
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

/** Bounded: on wildcard routes the runtime looks up model names clients chose. */
const MAX_CACHED_LOOKUPS = 4096;
const lookups = new Map<string, CompiledPrice | null>();

/**
 * The built-in price of `model` at a @pydantic/genai-prices provider (`priceProviderId`,
 * e.g. "openai", "aws", "google"; see PROVIDER_PRICE_IDS), in USD per million tokens, or
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
