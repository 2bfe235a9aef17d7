import { describe, expect, it } from "vitest";
import { compileObject } from "../test/compiler/compile-object.ts";
import type { GatewayConfig } from "./define-config.ts";
import { analyzeConfig } from "./pipeline.ts";
import { validateBundle } from "../contract/validate-bundle.ts";

const config = {
  models: [
    {
      name: "chat",
      deployments: [
        { provider: "openai", model: "gpt-4o", weight: 3, baseUrl: "https://proxy.example.test/v1///", apiKey: { $env: "OPENAI_API_KEY" } },
        { name: "backup", provider: "anthropic", model: "claude-sonnet-4-5", weight: 1, timeoutMs: 90_000, apiKey: "os.environ/ANTHROPIC_API_KEY" },
        { provider: "openai", model: "gpt-4o", weight: 0, price: { inputPerMTok: 1, outputPerMTok: 2 } },
      ],
    },
    { name: "small", deployments: [{ provider: "openai", model: "gpt-4o-mini" }] },
    { name: "local", deployments: [{ provider: "mock", model: "echo" }] },
  ],
  fallbacks: { chat: ["small", "local", "small"], small: ["local"] },
  timeoutMs: 30_000,
  retries: { attempts: 4 },
  teams: [{ name: "research", budget: { usd: 10, period: "week" } }, { name: "bots", models: ["small", "small"] }],
} satisfies GatewayConfig;

describe("compileBundle", () => {
  const bundle = compileObject(config);
  const chat = bundle.routes["chat"]!;

  it("gives deployments their configured name or <model>/<index>", () => {
    expect(chat.deployments.map((deployment) => deployment.id)).toEqual(["chat/0", "backup", "chat/2"]);
  });

  it("normalizes base URLs and timeouts", () => {
    expect(chat.deployments[0]!.baseUrl).toBe("https://proxy.example.test/v1");
    expect(chat.deployments[1]!.baseUrl).toBeNull();
    expect(chat.deployments.map((deployment) => deployment.timeoutMs)).toEqual([30_000, 90_000, 30_000]);
    expect(bundle.routes["small"]!.deployments[0]!.timeoutMs).toBe(30_000);
  });

  it("turns both env reference spellings into { env } secret refs, and defaults the provider's key", () => {
    expect(chat.deployments[0]!.apiKey).toEqual({ env: "OPENAI_API_KEY" });
    expect(chat.deployments[1]!.apiKey).toEqual({ env: "ANTHROPIC_API_KEY" });
    expect(chat.deployments[2]!.apiKey).toEqual({ env: "OPENAI_API_KEY" });
    expect(bundle.routes["local"]!.deployments[0]!.apiKey).toBeNull();
    expect(bundle.env).toEqual(["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]);
    expect(bundle.optionalEnv).toEqual([]);
  });

  it("normalizes weights cumulatively and keeps 0-weight deployments unpickable", () => {
    expect(chat.cumulativeWeights).toEqual([0.75, 1, 1]);
    expect(bundle.routes["small"]!.cumulativeWeights).toEqual([1]);
  });

  it("resolves fallbacks transitively, without the route itself", () => {
    expect(chat.fallbacks).toEqual(["small", "local"]);
    expect(bundle.routes["small"]!.fallbacks).toEqual(["local"]);
    expect(bundle.routes["local"]!.fallbacks).toEqual([]);
  });

  it("fills retry defaults around configured values", () => {
    expect(chat.retry).toEqual({ attempts: 4, initialBackoffMs: 200, maxBackoffMs: 5000 });
    const defaults = compileObject({ models: [{ name: "m", deployments: [{ provider: "mock", model: "x" }] }] });
    expect(defaults.routes["m"]!.retry).toEqual({ attempts: 2, initialBackoffMs: 200, maxBackoffMs: 5000 });
    expect(defaults.routes["m"]!.deployments[0]!.timeoutMs).toBe(60_000);
  });

  it("compiles routing only where configured: the model's own over the config's, field by field, with defaults; and deployment order", () => {
    expect(chat.routing).toBeUndefined();
    expect(chat.deployments[0]!.order).toBeUndefined();
    const routed = compileObject({
      routing: { strategy: "latency", cooldownSeconds: 30 },
      models: [
        { name: "a", deployments: [{ provider: "mock", model: "x", order: 1 }, { provider: "mock", model: "y", order: 2 }] },
        { name: "b", routing: { strategy: "cost", allowedFails: 0, healthCheckSeconds: 15 }, deployments: [{ provider: "mock", model: "x" }] },
      ],
    });
    expect(routed.routes["a"]!.routing).toEqual({ strategy: "latency", allowedFails: 3, cooldownMs: 30_000, failureWindowMs: 60_000 });
    expect(routed.routes["b"]!.routing?.healthCheckMs).toBe(15_000);
    expect(routed.routes["b"]!.routing).toEqual({ strategy: "cost", allowedFails: 0, cooldownMs: 30_000, failureWindowMs: 60_000, healthCheckMs: 15_000 });
    expect(routed.routes["a"]!.deployments.map((deployment) => deployment.order)).toEqual([1, 2]);
    expect(validateBundle(routed)).toEqual([]);
  });

  it("uses configured prices, table prices and free mock prices", () => {
    expect(chat.deployments[2]!.price).toEqual({ inputPerMTok: 1, outputPerMTok: 2, cacheReadPerMTok: 1, cacheWritePerMTok: 1, source: "config" });
    expect(chat.deployments[0]!.price?.source).toBe("genai-prices");
    expect(bundle.routes["local"]!.deployments[0]!.price).toMatchObject({ inputPerMTok: 0, outputPerMTok: 0, source: "config" });
  });

  it("compiles teams with budgets and allow-lists (null = every model)", () => {
    expect(bundle.policy.teams).toEqual({
      research: { name: "research", budget: { usd: 10, period: "week" }, models: null },
      bots: { name: "bots", budget: null, models: ["small"] },
    });
    expect(bundle.policy.masterKey).toBeNull();
  });

  it("records the source and a hash, and passes the bundle schema", () => {
    expect(bundle.version).toBe(1);
    expect(bundle.source).toBe("gateway.config.ts");
    expect(bundle.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(validateBundle(bundle)).toEqual([]);
  });

  it("leaves a price null when the table does not know the model, with a warning", () => {
    const { diagnostics, bundle: unknown } = analyzeConfig(
      { models: [{ name: "m", deployments: [{ provider: "openai", model: "gpt-unknown-1" }] }] },
      { format: "yaml", environment: {}, source: "gateway.config.yaml", compile: true },
    );
    expect(diagnostics.map((diagnostic) => diagnostic.code)).toEqual(["GW1401"]);
    expect(unknown!.routes["m"]!.deployments[0]!.price).toBeNull();
  });

  it("produces no bundle when there is an error", () => {
    const { bundle: none, diagnostics } = analyzeConfig(
      { models: [{ name: "m", deployments: [{ provider: "mock", model: "x", weight: 0 }] }] },
      { format: "yaml", environment: {}, source: "x", compile: true },
    );
    expect(diagnostics.map((diagnostic) => diagnostic.code)).toEqual(["GW1204"]);
    expect(none).toBeNull();
  });
});
