import { defineConfig, env } from "gw-gateway/config";

export default defineConfig({
  models: [
    {
      name: "gpt-4o",
      deployments: [
        // Azure needs its resource endpoint; region belongs to Bedrock and Vertex AI.
        { provider: "azure", model: "prod-gpt-4o", region: "eastus", price: { inputPerMTok: 2.5, outputPerMTok: 10 } },
        { provider: "openai", model: "gpt-4o", apiVersion: "2024-10-21", credentials: env("OPENAI_TOKEN") },
      ],
    },
    {
      name: "gemini",
      deployments: [{ model: "vertex_ai/gemini-2.5-pro", project: "my-project" }],
    },
    {
      name: "nova",
      deployments: [
        {
          provider: "bedrock",
          model: "amazon.nova-pro-v1:0",
          aws: { accessKeyId: "AKIAEXAMPLEEXAMPLE", secretAccessKey: env("AWS_SECRET_ACCESS_KEY") },
          headers: { Authorization: env("OTHER_AUTH"), "X-Trace": "on", "x-trace": "off" },
        },
      ],
    },
    {
      name: "llama",
      deployments: [{ provider: "databricks", model: "databricks-meta-llama-3-3-70b-instruct", price: { inputPerMTok: 0.5, outputPerMTok: 1.5 } }],
    },
  ],
});
