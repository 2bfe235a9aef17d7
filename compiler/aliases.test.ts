import { describe, expect, it } from "vitest";
import type { Bundle } from "../contract/bundle.ts";
import { validateBundle } from "../contract/validate-bundle.ts";
import { analyzeConfig } from "./pipeline.ts";

function analyze(config: unknown): { codes: string[]; bundle: Bundle | null } {
  const { diagnostics, bundle } = analyzeConfig(config, { format: "typescript", environment: {}, source: "gateway.config.ts", compile: true });
  return { codes: diagnostics.map((diagnostic) => `${diagnostic.code} ${diagnostic.path.join(".")}`), bundle };
}

const models = [
  { name: "gpt-4o", deployments: [{ provider: "mock", model: "x" }] },
  { name: "openai/*", deployments: [{ provider: "mock", model: "*" }] },
];

describe("aliases", () => {
  it("compile into the bundle, and only when configured", () => {
    const { codes, bundle } = analyze({ models, aliases: { "gpt-4": "gpt-4o" } });
    expect(codes).toEqual([]);
    expect(bundle?.aliases).toEqual({ "gpt-4": "gpt-4o" });
    expect(validateBundle(bundle)).toEqual([]);
    expect(analyze({ models }).bundle).not.toHaveProperty("aliases");
  });

  it("must be new names for exact models", () => {
    expect(analyze({ models, aliases: { "gpt-4o": "openai/*", a: "nope", b: "openai/*" } }).codes).toEqual([
      "GW1219 aliases.gpt-4o",
      "GW1220 aliases.a",
      "GW1220 aliases.b",
    ]);
  });
});
