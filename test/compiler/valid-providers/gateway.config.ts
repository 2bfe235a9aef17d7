import { defineConfig, env } from "gw-gateway/config";

// Presets, LiteLLM shorthand, wildcard routes and the Azure, Vertex AI and Bedrock fields.
export default defineConfig({
  models: [
    {
      name: "fast",
      deployments: [
        { provider: "groq", model: "llama-3.3-70b-versatile", weight: 2 },
        { model: "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo" },
        { provider: "vllm", model: "meta-llama/Llama-3.1-8B-Instruct", baseUrl: "http://gpu-1.internal:8000/v1", weight: 0 },
      ],
    },
    {
      name: "claude",
      deployments: [
        { name: "claude-bedrock", model: "bedrock/converse/us.anthropic.claude-sonnet-4-5-20250929-v1:0", region: "us-west-2" },
        {
          name: "claude-vertex",
          model: "vertex_ai/claude-sonnet-4-5@20250929",
          project: "acme-ml",
          region: "us-east5",
          credentials: env("VERTEX_SERVICE_ACCOUNT"),
        },
      ],
    },
    {
      name: "gpt-4o",
      deployments: [
        {
          model: "azure/prod-gpt-4o",
          baseUrl: "https://acme.openai.azure.com",
          apiVersion: "2024-10-21",
          price: { inputPerMTok: 2.5, outputPerMTok: 10, cacheReadPerMTok: 1.25 },
        },
        {
          provider: "bedrock",
          model: "us.anthropic.claude-3-5-haiku-20241022-v1:0",
          region: "us-east-1",
          aws: { accessKeyId: env("BEDROCK_KEY_ID"), secretAccessKey: env("BEDROCK_SECRET"), sessionToken: env("BEDROCK_SESSION") },
        },
      ],
    },
    { name: "anthropic/*", deployments: [{ model: "anthropic/*" }] },
    {
      name: "openrouter/*",
      deployments: [
        {
          provider: "openrouter",
          model: "*",
          headers: { "HTTP-Referer": "https://acme.example.test", "X-Title": "Acme" },
        },
      ],
    },
    { name: "local/*", deployments: [{ model: "ollama/*" }] },
  ],
  fallbacks: { "anthropic/*": ["claude"], "gpt-4o": ["fast"] },
  teams: [{ name: "research", models: ["anthropic/*", "claude", "local/*"] }],
  masterKey: env("GW_MASTER_KEY"),
});
