import type { ProviderName } from "./define-config.ts";

/**
 * Providers the compiler accepts, with the provider id used by @pydantic/genai-prices
 * (null: no price lookup, the deployment costs nothing). Must list every `ProviderName`
 * (checked below at compile time) and equal the schema's provider enum (compiler/schema.test.ts).
 */
export const PROVIDER_PRICE_IDS = {
  openai: "openai",
  anthropic: "anthropic",
  mock: null,
} as const satisfies Record<ProviderName, string | null>;

export const KNOWN_PROVIDERS = Object.keys(PROVIDER_PRICE_IDS) as ProviderName[];

export function isKnownProvider(name: string): name is ProviderName {
  return Object.hasOwn(PROVIDER_PRICE_IDS, name);
}
