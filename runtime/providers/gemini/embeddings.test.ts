import { describe, expect, it } from "vitest";
import { validateEmbeddingsResponse } from "../../../test/support/openai-schema.ts";
import { GatewayError } from "../../http/errors.ts";
import type { EmbeddingsRequest } from "../../http/openai-types.ts";
import { testDeployment } from "../../testing/deployment.ts";
import type { EmbeddingsAdapter, ProviderContext, ResolvedDeployment } from "../types.ts";
import { gemini } from "./index.ts";

const deployment: ResolvedDeployment = testDeployment({
  id: "embed/0",
  provider: "gemini",
  model: "gemini-embedding-001",
  baseUrl: "https://generativelanguage.googleapis.com/v1beta",
  apiKey: "AIza-test-key",
});
const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "embed" };
const embeddings = gemini.embeddings as EmbeddingsAdapter;

async function build(request: EmbeddingsRequest) {
  return await embeddings.buildRequests(request, deployment);
}

describe("gemini embeddings", () => {
  it("sends every input in one batchEmbedContents request", async () => {
    const { upstream, warnings } = await build({ model: "embed", input: ["hello", "world"], dimensions: 256 });
    expect(warnings).toEqual([]);
    expect(upstream).toHaveLength(1);
    expect(upstream[0]!.url).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents");
    expect(upstream[0]!.headers["x-goog-api-key"]).toBe("AIza-test-key");
    expect(JSON.parse(upstream[0]!.body)).toEqual({
      requests: [
        { model: "models/gemini-embedding-001", content: { parts: [{ text: "hello" }] }, outputDimensionality: 256 },
        { model: "models/gemini-embedding-001", content: { parts: [{ text: "world" }] }, outputDimensionality: 256 },
      ],
    });
  });

  it("splits more than 100 inputs into batches of 100, in order", async () => {
    const input = Array.from({ length: 250 }, (_, index) => `text ${index}`);
    const { upstream } = await build({ model: "embed", input });
    const sizes = upstream.map((request) => (JSON.parse(request.body) as { requests: unknown[] }).requests.length);
    expect(sizes).toEqual([100, 100, 50]);
  });

  it("rejects token arrays with a 400", async () => {
    await expect(build({ model: "embed", input: [[1, 2, 3]] })).rejects.toBeInstanceOf(GatewayError);
    await expect(build({ model: "embed", input: [1, 2] })).rejects.toMatchObject({ status: 400 });
  });

  it("answers with the floats, indexed across batches, usage estimated", () => {
    const request: EmbeddingsRequest = { model: "embed", input: ["abcd", "abcdefgh", "x"] };
    const bodies = [{ embeddings: [{ values: [0.5, -1] }, { values: [0.25, 2] }] }, { embeddings: [{ values: [1, 0] }] }];
    const floats = embeddings.convertResponses(bodies, request, context);
    expect(floats.response).toEqual({
      object: "list",
      model: "embed",
      data: [
        { object: "embedding", index: 0, embedding: [0.5, -1] },
        { object: "embedding", index: 1, embedding: [0.25, 2] },
        { object: "embedding", index: 2, embedding: [1, 0] },
      ],
      usage: { prompt_tokens: 1 + 2 + 1, total_tokens: 4 },
    });
    expect(floats.usage.inputTokens).toBe(4);
    expect(validateEmbeddingsResponse(floats.response)).toEqual([]);
  });

  it("refuses an answer without vectors, or with too few, with a 502", () => {
    const request: EmbeddingsRequest = { model: "embed", input: ["a", "b"] };
    expect(() => embeddings.convertResponses([{ nothing: true }], request, context)).toThrow(expect.objectContaining({ status: 502 }) as Error);
    expect(() => embeddings.convertResponses([{ embeddings: [{ values: [1] }] }], request, context)).toThrow(expect.objectContaining({ status: 502 }) as Error);
  });
});
