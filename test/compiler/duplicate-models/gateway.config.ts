import { defineConfig } from "gw-gateway/config";

export default defineConfig({
  models: [
    { name: "chat", deployments: [{ provider: "mock", model: "a" }] },
    { name: "other", deployments: [{ provider: "mock", model: "b" }] },
    { name: "chat", deployments: [{ provider: "mock", model: "c" }] },
  ],
});
