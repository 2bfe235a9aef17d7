import { defineConfig } from "gw-gateway/config";

export default defineConfig({
  models: [{ name: "chat", deployments: [{ provider: "mock", model: "a" }] }],
  teams: [{ name: "research" }, { name: "support" }, { name: "research", budget: { usd: 1, period: "day" } }],
});
