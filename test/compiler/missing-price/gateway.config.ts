import { defineConfig, env } from "gw-gateway/config";

// Warnings only: gw check passes and gw build writes a bundle with price null for the unknown model.
export default defineConfig({
  models: [
    {
      name: "internal",
      deployments: [
        { provider: "openai", model: "our-fine-tune-v3", baseUrl: "https://llm.internal.example/v1", apiKey: env("INTERNAL_KEY") },
        { provider: "openai", model: "our-fine-tune-v4", price: { inputPerMTok: 1, outputPerMTok: 3 }, apiKey: env("INTERNAL_KEY") },
      ],
    },
    { name: "free", deployments: [{ provider: "mock", model: "no-price-needed" }] },
  ],
});
