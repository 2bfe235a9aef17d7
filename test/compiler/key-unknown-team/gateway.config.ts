import { defineConfig, env } from "gw-gateway/config";

export default defineConfig({
  models: [{ name: "chat", deployments: [{ provider: "mock", model: "a" }] }],
  teams: [{ name: "research" }],
  keys: [
    { name: "ok", team: "research", key: env("KEY_OK") },
    { name: "typo", team: "reserch", key: env("KEY_TYPO") },
    { name: "nobody", team: "marketing", key: env("KEY_NOBODY") },
  ],
});
