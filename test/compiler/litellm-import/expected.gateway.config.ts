// Imported from the LiteLLM config config.yaml by gw import.
//
// Settings of config.yaml gw does not use:
// - line 54: routing_strategy_args: gw's strategies have fixed settings (latency: deployments within 10% of the fastest share the load, 5% of picks probe; usage: within 0.05 of the most headroom share it).
import { defineConfig, env } from "gw-gateway/config";

export default defineConfig({
  models: [
    {
      name: "gpt-4o",
      deployments: [
        {
          name: "azure-east",
          model: "azure/gpt-4o-eastus",
          baseUrl: "https://example-east.openai.azure.com",
          apiKey: env("AZURE_API_KEY"),
          apiVersion: "2024-10-21",
          rpmLimit: 900,
          price: { inputPerMTok: 2.5, outputPerMTok: 10 },
        },
        { model: "openai/gpt-4o", apiKey: env("OPENAI_API_KEY"), weight: 2, tpmLimit: 2000000 },
      ],
    },
    {
      name: "claude-sonnet",
      deployments: [
        {
          provider: "anthropic",
          model: "claude-3-5-sonnet-20240620",
          baseUrl: env("ANTHROPIC_API_BASE"),
          apiKey: env("ANTHROPIC_API_KEY"),
          timeoutMs: 45000,
        },
      ],
    },
    {
      name: "bedrock-claude",
      deployments: [
        {
          model: "bedrock/anthropic.claude-3-haiku-20240307-v1:0",
          region: "us-east-1",
          aws: { accessKeyId: env("AWS_ACCESS_KEY_ID"), secretAccessKey: env("AWS_SECRET_ACCESS_KEY") },
        },
      ],
    },
    {
      name: "small",
      deployments: [
        {
          provider: "openai",
          model: "gpt-4o-mini",
          apiKey: env("OPENAI_API_KEY"),
          maxInputTokens: 16000,
        },
      ],
    },
    {
      name: "embeddings",
      deployments: [{ provider: "openai", model: "text-embedding-3-small", apiKey: env("OPENAI_API_KEY") }],
    },
  ],
  timeoutMs: 120000,
  services: { redisUrl: env("REDIS_URL") },
  aliases: { "gpt-4": "gpt-4o" },
  routing: { strategy: "latency", allowedFails: 2, cooldownSeconds: 20 },
  retries: { attempts: 3, initialBackoffMs: 1000 },
  fallbacks: {
    "gpt-4o": ["claude-sonnet"],
    "claude-sonnet": ["bedrock-claude"],
    small: ["claude-sonnet"],
    embeddings: ["claude-sonnet"],
  },
  contextWindowFallbacks: { small: ["gpt-4o"] },
  contentPolicyFallbacks: { "gpt-4o": ["claude-sonnet"] },
  masterKey: env("LITELLM_MASTER_KEY"),
});
