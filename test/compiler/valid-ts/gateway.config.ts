import { defineConfig, env } from "gw-gateway/config";

const anthropicKey = env("ANTHROPIC_API_KEY");

export default defineConfig({
  models: [
    {
      name: "gpt-4o",
      deployments: [
        { name: "east", provider: "openai", model: "gpt-4o", apiKey: env("OPENAI_API_KEY"), weight: 2, maxInputTokens: 100_000 },
        { name: "west", provider: "openai", model: "gpt-4o", baseUrl: "https://west.example.test/v1/", apiKey: env("OPENAI_API_KEY_WEST"), weight: 1, timeoutMs: 20_000, rpmLimit: 600, maxParallelRequests: 8 },
        { name: "drained", provider: "openai", model: "gpt-4o", apiKey: env("OPENAI_API_KEY"), weight: 0 },
      ],
    },
    { name: "sonnet", deployments: [{ provider: "anthropic", model: "claude-sonnet-4-5", apiKey: anthropicKey }] },
    {
      name: "haiku",
      deployments: [
        {
          provider: "anthropic",
          model: "claude-3-5-haiku-latest",
          apiKey: anthropicKey,
          price: { inputPerMTok: 0.8, outputPerMTok: 4, cacheReadPerMTok: 0.08 },
        },
      ],
    },
    { name: "echo", deployments: [{ provider: "mock", model: "echo" }] },
  ],
  fallbacks: { "gpt-4o": ["gpt-4o", "sonnet", "echo"], sonnet: ["haiku"], haiku: ["echo"] },
  contextWindowFallbacks: { haiku: ["sonnet"] },
  contentPolicyFallbacks: { "gpt-4o": ["sonnet"] },
  retries: { attempts: 3, maxBackoffMs: 2_000 },
  timeoutMs: 45_000,
  teams: [
    { name: "research", budget: { usd: 100, period: "month" } },
    { name: "bots", budget: { usd: 2.5, period: "day" }, models: ["haiku", "echo"] },
  ],
  keys: [
    { name: "research-main", team: "research", key: env("GW_KEY_RESEARCH") },
    { name: "bots-prod", team: "bots", key: env("GW_KEY_BOTS") },
    { name: "bots-ci", team: "bots", keyHash: "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08" },
  ],
  masterKey: env("GW_MASTER_KEY"),
});
