import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateEmbeddingsResponse } from "../../../test/support/openai-schema.ts";
import type { EmbeddingsRequest } from "../../http/openai-types.ts";
import { testDeployment } from "../../testing/deployment.ts";
import type { EmbeddingsAdapter, ProviderContext, ResolvedDeployment } from "../types.ts";
import { vertex } from "./index.ts";

const deployment: ResolvedDeployment = testDeployment({
  id: "embed/0",
  provider: "vertex",
  model: "text-embedding-005",
  baseUrl: "https://us-central1-aiplatform.googleapis.com",
  options: { project: "p", region: "us-central1" },
});
const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "embed" };
const embeddings = vertex.embeddings as EmbeddingsAdapter;

describe("vertex embeddings", () => {
  it("sends the texts as predict instances, with outputDimensionality", async () => {
    const { upstream } = await embeddings.buildRequests({ model: "embed", input: ["sunny day at the beach", "rainy day in the city"], dimensions: 5 }, deployment);
    expect(upstream).toHaveLength(1);
    expect(upstream[0]!.url).toBe("https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/text-embedding-005:predict");
    expect(JSON.parse(upstream[0]!.body)).toEqual({
      instances: [{ content: "sunny day at the beach" }, { content: "rainy day in the city" }],
      parameters: { outputDimensionality: 5 },
    });
  });

  it("sends one text per call to gemini-embedding models", async () => {
    const { upstream } = await embeddings.buildRequests({ model: "embed", input: ["a", "b", "c"] }, { ...deployment, model: "gemini-embedding-001" });
    expect(upstream.map((request) => JSON.parse(request.body) as unknown)).toEqual([
      { instances: [{ content: "a" }] },
      { instances: [{ content: "b" }] },
      { instances: [{ content: "c" }] },
    ]);
  });

  it("google-vertex-embedding: the vectors in order, usage from the token counts", () => {
    const body = JSON.parse(readFileSync(new URL("./__fixtures__/google-vertex-embedding.json", import.meta.url), "utf8")) as {
      predictions: Array<{ embeddings: { values: number[] } }>;
    };
    const request: EmbeddingsRequest = { model: "embed", input: ["sunny day at the beach", "rainy day in the city"] };
    const { response, usage } = embeddings.convertResponses([body], request, context);
    expect(validateEmbeddingsResponse(response)).toEqual([]);
    expect(response.model).toBe("embed");
    expect(response.data).toEqual([
      { object: "embedding", index: 0, embedding: body.predictions[0]!.embeddings.values },
      { object: "embedding", index: 1, embedding: body.predictions[1]!.embeddings.values },
    ]);
    expect(response.usage).toEqual({ prompt_tokens: 11, total_tokens: 11 });
    expect(usage).toMatchObject({ inputTokens: 11, outputTokens: 0 });
  });

  it("refuses an answer with fewer vectors than inputs with a 502", () => {
    expect(() => embeddings.convertResponses([{ predictions: [] }], { model: "embed", input: ["a"] }, context)).toThrow(
      expect.objectContaining({ status: 502 }) as Error,
    );
  });
});
