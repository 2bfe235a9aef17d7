// The smallest useful gw config: one public model served by the built-in `mock` provider,
// which answers locally, so it runs without network access or API keys.
//   node bin/gw.js check examples/quickstart/gateway.config.ts
//   node bin/gw.js serve examples/quickstart/gateway.config.ts
import { defineConfig } from "gw-gateway/config";

export default defineConfig({
  models: [
    {
      name: "mock-chat",
      deployments: [{ provider: "mock", model: "mock-1" }],
    },
  ],
});
