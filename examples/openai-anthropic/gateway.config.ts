// Two providers behind one endpoint: weighted deployments, fallbacks across providers,
// retries, teams with budgets and model allow-lists, and keys read from the environment.
// gateway.config.yaml beside this file is the same config in YAML.
//
//   OPENAI_API_KEY=... ANTHROPIC_API_KEY=... GW_MASTER_KEY=... node bin/gw.js serve examples/openai-anthropic/gateway.config.ts
import { defineConfig, env } from "gw-gateway/config";

export default defineConfig({
  models: [
    {
      name: "gpt-4o",
      deployments: [
        // 3 of 4 requests go to the public endpoint, 1 of 4 to a second account.
        { name: "openai-primary", provider: "openai", model: "gpt-4o", apiKey: env("OPENAI_API_KEY"), weight: 3 },
        {
          name: "openai-secondary",
          provider: "openai",
          model: "gpt-4o",
          baseUrl: "https://api.openai.com/v1",
          apiKey: env("OPENAI_API_KEY_SECONDARY"),
          weight: 1,
        },
      ],
    },
    {
      name: "gpt-4o-mini",
      deployments: [{ provider: "openai", model: "gpt-4o-mini", apiKey: env("OPENAI_API_KEY") }],
    },
    {
      name: "claude-sonnet",
      deployments: [
        { provider: "anthropic", model: "claude-sonnet-4-5", apiKey: env("ANTHROPIC_API_KEY"), timeoutMs: 120_000 },
      ],
    },
    {
      name: "claude-haiku",
      deployments: [{ provider: "anthropic", model: "claude-3-5-haiku-latest", apiKey: env("ANTHROPIC_API_KEY") }],
    },
  ],

  // When gpt-4o fails (after its retries), try Claude Sonnet, then Claude Haiku (Sonnet's own fallback).
  fallbacks: {
    "gpt-4o": ["claude-sonnet"],
    "claude-sonnet": ["claude-haiku"],
    "gpt-4o-mini": ["claude-haiku"],
  },
  retries: { attempts: 2, initialBackoffMs: 250, maxBackoffMs: 4_000 },
  timeoutMs: 60_000,

  teams: [
    { name: "research", budget: { usd: 200, period: "month" } },
    { name: "support-bot", budget: { usd: 5, period: "day" }, models: ["gpt-4o-mini", "claude-haiku"] },
  ],
  keys: [
    { name: "research-notebooks", team: "research", key: env("GW_KEY_RESEARCH") },
    { name: "support-bot-prod", team: "support-bot", key: env("GW_KEY_SUPPORT_BOT") },
    // The SHA-256 of the key, so the key itself never needs to be on the build machine.
    {
      name: "support-bot-staging",
      team: "support-bot",
      keyHash: "5f2b5e3e8b1a4b7c0d6e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c",
    },
  ],
  masterKey: env("GW_MASTER_KEY"),
});
