import { describe, expect, it } from "vitest";
import { compileObject } from "../test/compiler/compile-object.ts";
import { canonicalJson, hashBundleContent } from "./hash.ts";

const config = {
  models: [
    { name: "a", deployments: [{ provider: "openai", model: "gpt-4o-mini", apiKey: { $env: "OPENAI_API_KEY" } }] },
    { name: "b", deployments: [{ provider: "mock", model: "echo", weight: 2 }, { provider: "mock", model: "echo" }] },
  ],
  fallbacks: { a: ["b"] },
  teams: [{ name: "t", budget: { usd: 1, period: "day" } }],
  keys: [{ name: "k", team: "t", key: { $env: "TEAM_KEY" } }],
};

describe("canonicalJson", () => {
  it("sorts keys at every level, so property order does not matter", () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });
});

describe("bundle hash", () => {
  it("is deterministic: same config and env give the same bytes", () => {
    const first = JSON.stringify(compileObject(config, { TEAM_KEY: "secret-1" }));
    const second = JSON.stringify(compileObject(structuredClone(config), { TEAM_KEY: "secret-1" }));
    expect(second).toBe(first);
  });

  it("covers the content: the hash changes with the config or the build-time env", () => {
    const base = compileObject(config).hash;
    const changed = structuredClone(config);
    (changed.models[1]!.deployments[0] as { weight: number }).weight = 3;
    expect(compileObject(changed).hash).not.toBe(base);
    expect(compileObject(config, { TEAM_KEY: "secret-1" }).hash).not.toBe(base);
  });

  it("is the sha256 of the canonical JSON of everything but the hash and the source path", () => {
    const bundle = compileObject(config);
    expect(hashBundleContent({ ...bundle })).toBe(bundle.hash);
    // Where it was built from is not part of what it does.
    expect(hashBundleContent({ ...bundle, source: "elsewhere/gateway.config.ts" })).toBe(bundle.hash);
  });
});
