import { calcPrice, type ModelPrice } from "@pydantic/genai-prices";
import type { CompiledPrice } from "../runtime/bundle.ts";
import type { PriceConfig, ProviderName } from "./define-config.ts";
import { PROVIDER_PRICE_IDS } from "./providers.ts";

/**
 * Prices are decided at build time, once per deployment. The built-in table is the
 * price data bundled inside @pydantic/genai-prices: `calcPrice` reads it synchronously
 * and never touches the network unless `updatePrices` is set up, which gw never does.
 * For a price that changes over time the data's own rule applies at the build date.
 */

const FREE: CompiledPrice = {
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

const lookups = new Map<string, CompiledPrice | null>();

/**
 * The built-in price of `model` at `provider`, in USD per million tokens, or null when
 * the table does not know it. `mock` is free. Tiered prices use the base tier.
 */
export function lookupPrice(provider: ProviderName, model: string): CompiledPrice | null {
  const providerId = PROVIDER_PRICE_IDS[provider];
  if (providerId === null) return FREE;
  const cacheKey = `${providerId}\u0000${model}`;
  if (lookups.has(cacheKey)) return lookups.get(cacheKey) ?? null;
  const price = lookupUncached(providerId, model);
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
