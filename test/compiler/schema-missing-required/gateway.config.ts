import { defineConfig } from "gw-gateway/config";

export default defineConfig({
  models: [
    {
      name: "chat",
      // @ts-expect-error model is required
      deployments: [{ provider: "openai" }],
    },
  ],
  teams: [
    // @ts-expect-error period is required
    { name: "t", budget: { usd: 5 } },
  ],
  // @ts-expect-error team is required
  keys: [{ name: "k", keyHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }],
});
