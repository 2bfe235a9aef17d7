import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { EmbeddingsRequest } from "../../http/openai-types.ts";
import { testDeployment } from "../../testing/deployment.ts";
import { validateEmbeddingsResponse } from "../../../test/support/openai-schema.ts";
import type { ProviderContext, ResolvedDeployment } from "../types.ts";
import { azure } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "embed" };
const deployment: ResolvedDeployment = testDeployment({
  id: "embed/0",
  provider: "azure",
  model: "my-embedding-deployment",
  baseUrl: "https://contoso.openai.azure.com",
  apiKey: "azure-key-123",
  options: { apiVersion: "2024-10-21" },
});
const request: EmbeddingsRequest = { model: "embed", input: ["sunny day at the beach", "rainy day in the city"] };
const recorded = JSON.parse(readFileSync(new URL("./__fixtures__/openai-embedding.json", import.meta.url), "utf8")) as unknown;

describe("azure embeddings", () => {
  it("posts to the deployment's embeddings URL with api-version, or to the v1 endpoint with model", async () => {
    const dated = await azure.embeddings!.buildRequests(request, deployment);
    expect(dated.upstream).toHaveLength(1);
    expect(dated.upstream[0]!.url).toBe("https://contoso.openai.azure.com/openai/deployments/my-embedding-deployment/embeddings?api-version=2024-10-21");
    expect(dated.upstream[0]!.headers["api-key"]).toBe("azure-key-123");
    expect(JSON.parse(dated.upstream[0]!.body)).toEqual({ input: request.input });

    const v1 = await azure.embeddings!.buildRequests({ ...request, encoding_format: "base64" }, { ...deployment, options: {} });
    expect(v1.upstream[0]!.url).toBe("https://contoso.openai.azure.com/openai/v1/embeddings");
    expect(JSON.parse(v1.upstream[0]!.body)).toEqual({ model: "my-embedding-deployment", input: request.input, encoding_format: "base64" });
  });

  it("reads the recorded OpenAI embeddings with usage", () => {
    const { response, usage } = azure.embeddings!.convertResponses([structuredClone(recorded)], request, context);
    expect(response).toMatchObject({ object: "list", model: "text-embedding-3-small", usage: { prompt_tokens: 12, total_tokens: 12 } });
    expect(response.data.map((item) => item.index)).toEqual([0, 1]);
    expect(response.data[0]!.embedding).toEqual([0.0057293195, -0.012727811, 0.020042092, -0.013437585, 0.022833068]);
    expect(validateEmbeddingsResponse(response)).toEqual([]);
    expect(usage).toEqual({ inputTokens: 12, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("keeps a base64 answer as the upstream sent it (the runtime converts encodings)", () => {
    const base64 = { ...structuredClone(recorded as object), data: [{ object: "embedding", index: 0, embedding: "AACAPwAAAEA=" }] };
    const { response } = azure.embeddings!.convertResponses([base64], { ...request, encoding_format: "base64" }, context);
    expect(response.data[0]!.embedding).toBe("AACAPwAAAEA=");
    expect(validateEmbeddingsResponse(response)).toEqual([]);
  });

  it("rejects an unreadable body with a 502", () => {
    expect(() => azure.embeddings!.convertResponses([{ data: [{ embedding: {} }] }], request, context)).toThrow(
      expect.objectContaining({ status: 502, code: "bad_upstream_response" }),
    );
  });
});
