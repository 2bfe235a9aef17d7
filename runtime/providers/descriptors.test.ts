import { describe, expect, it } from "vitest";
import { PROVIDER_DESCRIPTORS, PROVIDER_NAMES } from "./descriptors.ts";
import { providers } from "./registry.ts";

describe("provider descriptors", () => {
  it("describe exactly the providers the runtime has adapters for", () => {
    expect(PROVIDER_NAMES).toEqual(Object.keys(providers));
  });

  it.each(PROVIDER_NAMES)("%s: the adapter serves what the descriptor says, from its default base URL", (name) => {
    const descriptor = PROVIDER_DESCRIPTORS[name];
    const adapter = providers[name];
    expect(adapter.name).toBe(name);
    expect(adapter.defaultBaseUrl).toBe(descriptor.defaultBaseUrl);
    expect(adapter.embeddings !== undefined).toBe(descriptor.capabilities.embeddings);
    expect(descriptor.defaultBaseUrl.endsWith("/")).toBe(false);
  });

  it("give every keyed provider its own key variable", () => {
    const variables = PROVIDER_NAMES.map((name) => PROVIDER_DESCRIPTORS[name].apiKeyEnv).filter((env) => env !== null);
    expect(new Set(variables).size).toBe(variables.length);
  });
});
