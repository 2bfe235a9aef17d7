import { describe, expect, it } from "vitest";
import { validateConfigSchema } from "./validate-schema.ts";

const messages = (config: unknown) => validateConfigSchema(config).diagnostics.map((diagnostic) => `${diagnostic.code} ${diagnostic.message}`);
const deployment = (extra: Record<string, unknown>) => ({ models: [{ name: "m", deployments: [{ provider: "openai", model: "gpt-4o", ...extra }] }] });

describe("validateConfigSchema", () => {
  it("reports every problem at once, each with a readable path", () => {
    expect(messages({ models: [{ name: "m", deployments: [{ provider: "openai", model: "x", weight: -1 }, { provider: "openai", weight: "2" }] }], timeoutMs: 0 })).toEqual([
      "GW1105 models[0].deployments[0].weight must be a number >= 0, got -1.",
      'GW1103 models[0].deployments[1] is missing the required property "model": the model name upstream, e.g. "gpt-4o-mini" or "claude-sonnet-4-5".',
      'GW1101 models[0].deployments[1].weight must be a number >= 0, got "2".',
      "GW1105 timeoutMs must be an integer >= 1, got 0.",
    ]);
  });

  it("collapses the anyOf cascade of a secret into one message", () => {
    expect(messages(deployment({ apiKey: 42 }))).toEqual([
      'GW1101 models[0].deployments[0].apiKey must be an env reference { "$env": "NAME" } or a string, got 42.',
    ]);
    expect(messages(deployment({ apiKey: { env: "OPENAI_API_KEY" } }))).toEqual([
      'GW1102 models[0].deployments[0].apiKey has an unknown property "env". Did you mean "$env"? It is required.',
    ]);
    expect(messages(deployment({ apiKey: {} }))).toEqual([
      'GW1103 models[0].deployments[0].apiKey is missing the required property "$env": name of the environment variable.',
    ]);
  });

  it("suggests the closest property name or lists the known ones", () => {
    expect(messages({ models: [], fallback: {} })).toEqual([
      'GW1102 The config has an unknown property "fallback". Did you mean "fallbacks"?',
      "GW1107 models must not be empty.",
    ]);
    expect(messages(deployment({ zzz: 1 }))[0]).toContain(
      "Known properties: provider, model, name, baseUrl, apiKey, weight, tags, order, timeoutMs, rpmLimit, tpmLimit, maxParallelRequests, maxInputTokens, price, apiVersion, region, project, credentials, aws, headers.",
    );
  });

  it("refuses unknown routing strategies and impossible routing settings, each with its path", () => {
    expect(messages({ models: [{ name: "m", routing: { strategy: "fastest", cooldownSeconds: 0, allowedFails: -1 }, deployments: [{ provider: "mock", model: "x", order: 0 }] }] })).toEqual(
      expect.arrayContaining([
        "GW1105 models[0].deployments[0].order must be an integer >= 1, got 0.",
        'GW1104 models[0].routing.strategy must be one of "weighted", "least-busy", "latency", "cost", "usage", got "fastest".',
        "GW1105 models[0].routing.cooldownSeconds must be a number > 0 and <= 3600, got 0.",
      ]),
    );
  });

  it("names unknown providers with the list of known ones", () => {
    expect(messages(deployment({ provider: "anthropik" }))).toEqual([
      'GW1201 Unknown provider "anthropik" in models[0].deployments[0].provider. Did you mean "anthropic"? Native providers: openai, ' +
        "anthropic, azure, gemini, vertex, bedrock, cohere, mistral, ollama, mock; OpenAI-compatible presets: groq, together, deepseek, " +
        "xai, fireworks, openrouter, perplexity, cerebras, deepinfra, nvidia-nim, sambanova, moonshot, dashscope, novita, huggingface, " +
        "databricks, lmstudio, vllm, llamacpp, ollama-openai, lambda, nebius, hyperbolic, github-models, litellm-proxy.",
    ]);
    expect(messages(deployment({ provider: "vertex_ai" }))[0]).toContain(
      '"vertex_ai" is LiteLLM\'s name for it: write provider: "vertex", or leave provider out and write model "vertex_ai/<model>".',
    );
  });

  it("never shows the value of a secret property", () => {
    const text = messages({ models: [{ name: "m", deployments: [{ provider: "openai", model: "x" }] }], masterKey: "", keys: [{ name: "k", team: "t", key: "sk-visible?", extra: 1 }] }).join("\n");
    expect(text).not.toContain("sk-visible");
  });

  it("marks only the failing paths invalid", () => {
    const { invalidPaths } = validateConfigSchema({ models: [{ name: "m", deployments: [{ provider: "openai", model: "x", typo: 1 }] }] });
    expect([...invalidPaths]).toEqual(["models[0].deployments[0].typo"]);
  });
});
