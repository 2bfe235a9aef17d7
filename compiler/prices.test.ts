import { afterEach, describe, expect, it, vi } from "vitest";
import { lookupPrice, priceFromConfig } from "./prices.ts";

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

  it("prices mock deployments at 0 from the config", () => {
    expect(lookupPrice("mock", "anything")).toEqual({
      inputPerMTok: 0,
      outputPerMTok: 0,
      cacheReadPerMTok: 0,
      cacheWritePerMTok: 0,
      source: "config",
    });
  });

  it("works offline: never calls fetch", () => {
    const fetch = vi.fn(() => Promise.reject(new Error("network is off")));
    vi.stubGlobal("fetch", fetch);
    expect(lookupPrice("anthropic", "claude-3-5-haiku-latest")?.inputPerMTok).toBeGreaterThan(0);
    expect(lookupPrice("openai", "gpt-4o")?.inputPerMTok).toBeGreaterThan(0);
    expect(fetch).not.toHaveBeenCalled();
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
