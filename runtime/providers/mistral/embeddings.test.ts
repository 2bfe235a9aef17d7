import { describe, expect, it } from "vitest";
import type { EmbeddingsRequest } from "../../http/openai-types.ts";
import { testDeployment } from "../../testing/deployment.ts";
import { validateEmbeddingsResponse } from "../../../test/support/openai-schema.ts";
import type { ProviderContext, ResolvedDeployment } from "../types.ts";
import { mistral } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "embed" };
const deployment: ResolvedDeployment = testDeployment({
  id: "embed/0",
  provider: "mistral",
  model: "mistral-embed",
  baseUrl: "https://api.mistral.ai/v1",
  apiKey: "mistral-key-123",
});

// Shape from Mistral's API reference (POST /v1/embeddings response); no recorded fixture exists.
const answer = {
  id: "b1f7a1c5d1a94a4e9f1c2a3b4c5d6e7f",
  object: "list",
  data: [
    { object: "embedding", embedding: [-0.0165, 0.0703, 0.0312], index: 0 },
    { object: "embedding", embedding: [-0.0230, 0.0394, 0.0480], index: 1 },
  ],
  model: "mistral-embed",
  usage: { prompt_tokens: 15, total_tokens: 15, completion_tokens: 0 },
};

describe("mistral embeddings", () => {
  it("posts texts to {baseUrl}/embeddings, dimensions as output_dimension, without encoding_format", async () => {
    const request: EmbeddingsRequest = { model: "embed", input: ["a", "b"], dimensions: 256, encoding_format: "base64", user: "u1" };
    const { upstream, warnings } = await mistral.embeddings!.buildRequests(request, deployment);
    expect(upstream[0]!.url).toBe("https://api.mistral.ai/v1/embeddings");
    expect(upstream[0]!.headers.authorization).toBe("Bearer mistral-key-123");
    expect(JSON.parse(upstream[0]!.body)).toEqual({ model: "mistral-embed", input: ["a", "b"], output_dimension: 256 });
    expect(warnings).toEqual(["user dropped: not supported by mistral embeddings"]);
  });

  it("rejects token arrays with a 400", async () => {
    expect(() => mistral.embeddings!.buildRequests({ model: "embed", input: [[1, 2, 3]] }, deployment)).toThrow(
      expect.objectContaining({ status: 400, param: "input[0]" }),
    );
  });

  it("returns the floats with usage", () => {
    const { response, usage } = mistral.embeddings!.convertResponses([structuredClone(answer)], { model: "embed", input: ["a", "b"] }, context);
    expect(validateEmbeddingsResponse(response)).toEqual([]);
    expect(response.data[1]!.embedding).toEqual([-0.023, 0.0394, 0.048]);
    expect(response.usage).toEqual({ prompt_tokens: 15, total_tokens: 15 });
    expect(response.model).toBe("mistral-embed");
    expect(usage.inputTokens).toBe(15);
  });
});
