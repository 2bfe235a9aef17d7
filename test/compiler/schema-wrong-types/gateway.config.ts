import { defineConfig } from "gw-gateway/config";

// Wrong types on purpose: a TypeScript user sees these in the editor, and gw check reports them too.
export default defineConfig({
  models: [
    {
      name: "chat",
      deployments: [
        {
          provider: "openai",
          model: "gpt-4o",
          // @ts-expect-error weight must be a number
          weight: "2",
          // @ts-expect-error timeoutMs must be a number
          timeoutMs: "30s",
          // @ts-expect-error apiKey must be a string or env()
          apiKey: 42,
        },
      ],
    },
  ],
  // @ts-expect-error retries must be an object
  retries: 3,
  teams: [{ name: "t", budget: { usd: -5, period: "day" } }],
});
