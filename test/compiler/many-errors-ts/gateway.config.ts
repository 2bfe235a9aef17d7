import { defineConfig, env } from "gw-gateway/config";

const shared = { provider: "openai", model: "gpt-4o", weight: -2 } as const;

export default defineConfig({
  models: [
    {
      name: "gpt-4o",
      deployments: [
        { ...shared, name: "primary" },
        { provider: "opnai", model: "gpt-4o", name: "primary", apiKey: "sk-live-123" },
      ],
    },
    { name: "gpt-4o", deployments: [{ provider: "openai", model: "gpt-9000", weight: 0 }] },
    { name: "claude", deploymnets: [] },
  ],
  fallbacks: { "gpt-4o": ["claude", "missing"], claude: ["gpt-4o"] },
  teams: [{ name: "a", models: ["gpt-5"] }, { name: "a" }],
  keys: [
    { name: "k1", team: "a", key: env("KEY_ONE") },
    { name: "k1", team: "b", key: env("KEY_ONE") },
    { name: "k3", team: "a" },
    { name: "k4", team: "a", keyHash: "abc" },
  ],
  masterKey: "literal-master",
  timeoutMs: "fast",
} as any);
