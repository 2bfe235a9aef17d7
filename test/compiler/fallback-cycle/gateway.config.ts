import { defineConfig } from "gw-gateway/config";

export default defineConfig({
  models: [
    { name: "a", deployments: [{ provider: "mock", model: "a" }] },
    { name: "b", deployments: [{ provider: "mock", model: "b" }] },
    { name: "c", deployments: [{ provider: "mock", model: "c" }] },
    { name: "d", deployments: [{ provider: "mock", model: "d" }] },
  ],
  fallbacks: {
    a: ["b"],
    b: ["c"],
    c: ["a"],
    d: ["d"],
  },
  contextWindowFallbacks: {
    d: ["d"],
  },
});
