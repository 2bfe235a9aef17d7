// Every native provider, a few OpenAI-compatible presets, LiteLLM-style "provider/model"
// strings and wildcard models. Each deployment reads its provider's usual variable unless
// it says otherwise: OPENAI_API_KEY, ANTHROPIC_API_KEY, AZURE_API_KEY, GEMINI_API_KEY,
// GOOGLE_SERVICE_ACCOUNT_JSON (Vertex AI), AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY
// (+ AWS_SESSION_TOKEN if set, Bedrock), COHERE_API_KEY, MISTRAL_API_KEY, GROQ_API_KEY, ...
// Local servers (Ollama, vLLM) need no key. `gw build` lists every variable in the bundle.
//
//   node bin/gw.js check examples/providers/gateway.config.ts
import { defineConfig, env } from "gw-gateway/config";

export default defineConfig({
  models: [
    // Native wire formats.
    { name: "gpt-4o-mini", deployments: [{ provider: "openai", model: "gpt-4o-mini" }] },
    { name: "claude-sonnet", deployments: [{ model: "anthropic/claude-sonnet-4-5" }] },
    {
      name: "azure-gpt-4o",
      deployments: [
        {
          // `model` is the Azure deployment name; its price cannot be looked up by that name.
          model: "azure/prod-gpt-4o",
          baseUrl: "https://acme.openai.azure.com",
          apiVersion: "2024-10-21",
          price: { inputPerMTok: 2.5, outputPerMTok: 10, cacheReadPerMTok: 1.25 },
        },
      ],
    },
    { name: "gemini-flash", deployments: [{ model: "gemini/gemini-2.5-flash" }] },
    { name: "gemini-pro-vertex", deployments: [{ model: "vertex_ai/gemini-2.5-pro", project: "acme-ml", region: "us-central1" }] },
    {
      name: "claude-on-vertex",
      deployments: [{ provider: "vertex", model: "claude-sonnet-4-5@20250929", project: "acme-ml", region: "us-east5" }],
    },
    { name: "claude-on-bedrock", deployments: [{ model: "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", region: "us-west-2" }] },
    { name: "nova-pro", deployments: [{ model: "bedrock/converse/amazon.nova-pro-v1:0", region: "us-east-1" }] },
    { name: "command-r-plus", deployments: [{ model: "cohere/command-r-plus" }] },
    { name: "mistral-large", deployments: [{ model: "mistral/mistral-large-latest" }] },
    { name: "llama-local", deployments: [{ model: "ollama/llama3.2" }] },
    { name: "echo", deployments: [{ provider: "mock", model: "echo" }] },

    // OpenAI-compatible presets: base URL, key variable and auth header come with the name.
    { name: "llama-70b", deployments: [{ provider: "groq", model: "llama-3.3-70b-versatile" }, { model: "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo" }] },
    { name: "deepseek-chat", deployments: [{ provider: "deepseek", model: "deepseek-chat" }] },
    { name: "grok-mini", deployments: [{ provider: "xai", model: "grok-3-mini" }] },
    { name: "llama-self-hosted", deployments: [{ provider: "vllm", model: "meta-llama/Llama-3.1-8B-Instruct", baseUrl: "http://gpu-1.internal:8000/v1" }] },
    {
      name: "dbrx",
      deployments: [
        {
          provider: "databricks",
          model: "databricks-meta-llama-3-3-70b-instruct",
          baseUrl: "https://acme.cloud.databricks.com/serving-endpoints",
          price: { inputPerMTok: 0.5, outputPerMTok: 1.5 },
        },
      ],
    },

    // Wildcards: clients call "anthropic/<any model>" or "openrouter/<vendor>/<model>".
    { name: "anthropic/*", deployments: [{ model: "anthropic/*" }] },
    {
      name: "openrouter/*",
      deployments: [{ provider: "openrouter", model: "*", headers: { "HTTP-Referer": "https://acme.example.test", "X-Title": "Acme" } }],
    },
  ],
  fallbacks: {
    "claude-sonnet": ["claude-on-bedrock", "claude-on-vertex"],
    "anthropic/*": ["claude-on-bedrock"],
    "gpt-4o-mini": ["llama-70b"],
  },
  teams: [{ name: "research", models: ["anthropic/*", "claude-sonnet", "llama-local"] }],
  keys: [{ name: "research-notebooks", team: "research", key: env("GW_KEY_RESEARCH") }],
  masterKey: env("GW_MASTER_KEY"),
});
