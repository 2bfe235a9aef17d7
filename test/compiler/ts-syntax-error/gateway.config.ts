import { defineConfig } from "gw-gateway/config";
export default defineConfig({
  models: [
    { name: "a", deployments: [{ provider: "mock", model: "x" }] 
  ],
});
