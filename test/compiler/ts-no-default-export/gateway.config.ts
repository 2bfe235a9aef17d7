import { defineConfig } from "gw-gateway/config";

export const config = defineConfig({
  models: [{ name: "chat", deployments: [{ provider: "mock", model: "a" }] }],
});
