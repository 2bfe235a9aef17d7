import { defineConfig } from "gw-gateway/config";

export default defineConfig({
  models: [{ name: "chat", deployments: [{ provider: "mock", model: "a" }] }],
  teams: [{ name: "t" }],
  keys: [
    { name: "short", team: "t", keyHash: "9f86d081884c7d65" },
    { name: "not-hex", team: "t", keyHash: "zz86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" },
  ],
});
