import { describe, expect, it } from "vitest";
import { getProvider, providers } from "./registry.ts";

describe("provider registry", () => {
  it("has an adapter for every provider name a config may use", () => {
    const native = ["anthropic", "azure", "bedrock", "cohere", "gemini", "mistral", "mock", "ollama", "openai", "vertex"];
    for (const name of native) expect(providers).toHaveProperty(name);
    for (const [name, adapter] of Object.entries(providers)) expect(adapter.name).toBe(name);
  });

  it("looks adapters up by name, and only real ones", () => {
    expect(getProvider("anthropic")?.defaultBaseUrl).toBe("https://api.anthropic.com");
    expect(getProvider("openai")?.defaultBaseUrl).toBe("https://api.openai.com/v1");
    expect(getProvider("mock")?.transport).toBeTypeOf("function");
    expect(getProvider("groq")?.defaultBaseUrl).toBe("https://api.groq.com/openai/v1");
    expect(getProvider("gemini")?.name).toBe("gemini");
    expect(getProvider("no-such-provider")).toBeUndefined();
    expect(getProvider("toString")).toBeUndefined();
  });
});
