import { defineConfig } from "gw-gateway/config";

export default defineConfig({
  models: [
    { name: "anthropic/*", deployments: [{ model: "anthropic/*" }] },
    { name: "claude-*", deployments: [{ model: "anthropic/claude-sonnet-4-5" }] },
    { name: "gpt", deployments: [{ provider: "openai", model: "gpt-*" }] },
    { name: "bedrock/*", deployments: [{ provider: "bedrock", model: "*.anthropic.*", region: "us-east-1" }] },
    { name: "deepinfra/*", deployments: [{ provider: "deepinfra", model: "*" }] },
  ],
  fallbacks: {
    "anthropic/*": ["gpt"],
    gpt: ["anthropic/*", "anthropic/claude-3-5-haiku-latest"],
  },
  teams: [{ name: "research", models: ["anthropic/*", "bedrock/amazon.nova-pro-v1:0"] }],
});
