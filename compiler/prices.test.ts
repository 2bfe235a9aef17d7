import { afterEach, describe, expect, it, vi } from "vitest";
import { lookupPrice } from "../contract/prices.ts";
import { builtInPrice, priceFromConfig } from "./prices.ts";

describe("lookupPrice", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("finds a known OpenAI model, with a cache read price", () => {
    const price = lookupPrice("openai", "gpt-4o-mini");
    expect(price?.source).toBe("genai-prices");
    expect(price!.inputPerMTok).toBeGreaterThan(0);
    expect(price!.outputPerMTok).toBeGreaterThan(price!.inputPerMTok);
    expect(price!.cacheReadPerMTok).toBeLessThan(price!.inputPerMTok);
    // The table has no cache write price for OpenAI: it defaults to the input price.
    expect(price!.cacheWritePerMTok).toBe(price!.inputPerMTok);
  });

  it("finds a known Anthropic model and takes the base tier of tiered prices", () => {
    const price = lookupPrice("anthropic", "claude-sonnet-4-5");
    expect(price?.source).toBe("genai-prices");
    expect(price!.inputPerMTok).toBeGreaterThan(0);
    expect(price!.outputPerMTok).toBeGreaterThan(0);
    expect(price!.cacheWritePerMTok).toBeGreaterThan(price!.inputPerMTok);
    expect(price!.cacheReadPerMTok).toBeLessThan(price!.inputPerMTok);
    // claude-sonnet-4-5 has a long-context tier at twice the base input price; the base tier is used.
    expect(price!.inputPerMTok).toBe(3);
  });

  it("returns null for a model the table does not know", () => {
    expect(lookupPrice("openai", "gpt-does-not-exist-9000")).toBeNull();
  });

  it("prices embedding models by their input tokens", () => {
    expect(lookupPrice("openai", "text-embedding-3-small")).toEqual({
      inputPerMTok: 0.02,
      outputPerMTok: 0,
      cacheReadPerMTok: 0.02,
      cacheWritePerMTok: 0.02,
      source: "genai-prices",
    });
    expect(lookupPrice("google", "gemini-embedding-001")?.inputPerMTok).toBeGreaterThan(0);
  });

  it("takes any genai-prices provider id, as the runtime does for wildcard routes", () => {
    expect(lookupPrice("aws", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")?.inputPerMTok).toBeGreaterThan(0);
    expect(lookupPrice("groq", "llama-3.3-70b-versatile")?.outputPerMTok).toBeGreaterThan(0);
    expect(lookupPrice("no-such-provider", "gpt-4o")).toBeNull();
  });

  it("works offline: never calls fetch", () => {
    const fetch = vi.fn(() => Promise.reject(new Error("network is off")));
    vi.stubGlobal("fetch", fetch);
    expect(lookupPrice("anthropic", "claude-3-5-haiku-latest")?.inputPerMTok).toBeGreaterThan(0);
    expect(lookupPrice("openai", "gpt-4o")?.inputPerMTok).toBeGreaterThan(0);
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe("builtInPrice", () => {
  it("prices mock and local servers at 0 from the config", () => {
    const free = { inputPerMTok: 0, outputPerMTok: 0, cacheReadPerMTok: 0, cacheWritePerMTok: 0, source: "config" };
    expect(builtInPrice("mock", "anything")).toEqual(free);
    expect(builtInPrice("ollama", "llama3.2")).toEqual(free);
    expect(builtInPrice("vllm", "meta-llama/Llama-3.1-8B-Instruct")).toEqual(free);
  });

  it("maps gw's providers to genai-prices' ids", () => {
    expect(builtInPrice("gemini", "gemini-2.5-flash")).toEqual(lookupPrice("google", "gemini-2.5-flash"));
    expect(builtInPrice("vertex", "claude-sonnet-4-5@20250929")?.inputPerMTok).toBe(3);
    expect(builtInPrice("bedrock", "amazon.nova-pro-v1:0")).toEqual(lookupPrice("aws", "amazon.nova-pro-v1:0"));
    expect(builtInPrice("azure", "gpt-4o-mini")?.source).toBe("genai-prices");
    expect(builtInPrice("xai", "grok-3-mini")?.source).toBe("genai-prices");
    expect(builtInPrice("moonshot", "kimi-k2-0711-preview")?.source).toBe("genai-prices");
  });

  it("leaves wildcard models and providers without price data to the run time / the config", () => {
    expect(builtInPrice("anthropic", "*")).toBeNull();
    expect(builtInPrice("deepinfra", "meta-llama/Meta-Llama-3.1-8B-Instruct")).toBeNull();
  });
});

describe("priceFromConfig", () => {
  it("defaults cache prices to the input price", () => {
    expect(priceFromConfig({ inputPerMTok: 2, outputPerMTok: 8 })).toEqual({
      inputPerMTok: 2,
      outputPerMTok: 8,
      cacheReadPerMTok: 2,
      cacheWritePerMTok: 2,
      source: "config",
    });
    expect(priceFromConfig({ inputPerMTok: 2, outputPerMTok: 8, cacheReadPerMTok: 0.5 }).cacheReadPerMTok).toBe(0.5);
  });
});
