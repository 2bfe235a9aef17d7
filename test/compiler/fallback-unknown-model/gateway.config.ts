import { defineConfig } from "gw-gateway/config";

export default defineConfig({
  models: [
    { name: "gpt-4o", deployments: [{ provider: "mock", model: "a" }] },
    { name: "claude-sonnet", deployments: [{ provider: "mock", model: "b" }] },
  ],
  fallbacks: {
    "gpt-4o": ["claude-sonet", "gpt-4o-mini"],
    "gpt-5": ["gpt-4o"],
  },
});
