import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { testDeployment } from "../../testing/deployment.ts";
import { validateEmbeddingsResponse } from "../../../test/support/openai-schema.ts";
import type { ProviderContext, ResolvedDeployment } from "../types.ts";
import { cohere } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "embed" };
const deployment: ResolvedDeployment = testDeployment({
  id: "embed/0",
  provider: "cohere",
  model: "embed-v4.0",
  baseUrl: "https://api.cohere.com",
  apiKey: "co-test-key",
});
const embeddings = cohere.embeddings!;

describe("cohere embeddings", () => {
  it("posts the texts to /v2/embed as search documents with float embeddings, 96 per request", async () => {
    const input = Array.from({ length: 97 }, (_, index) => `text ${index}`);
    const { upstream, warnings } = await embeddings.buildRequests({ model: "embed", input, dimensions: 512 }, deployment);
    expect(upstream).toHaveLength(2);
    expect(upstream[0]!.url).toBe("https://api.cohere.com/v2/embed");
    expect(upstream[0]!.headers.authorization).toBe("Bearer co-test-key");
    expect(JSON.parse(upstream[0]!.body)).toEqual({ model: "embed-v4.0", texts: input.slice(0, 96), input_type: "search_document", embedding_types: ["float"], output_dimension: 512 });
    expect(JSON.parse(upstream[1]!.body).texts).toEqual(["text 96"]);
    expect(warnings).toEqual([]);
  });

  it("converts the recorded answer to OpenAI's shape with billed input tokens", () => {
    const body = JSON.parse(readFileSync(new URL("./__fixtures__/cohere-embedding.json", import.meta.url), "utf8")) as { embeddings: { float: number[][] } };
    const { response, usage } = embeddings.convertResponses([body], { model: "embed", input: ["sunny day at the beach", "rainy day in the city"] }, context);
    expect(validateEmbeddingsResponse(response)).toEqual([]);
    expect(response).toEqual({
      object: "list",
      model: "embed",
      data: [
        { object: "embedding", index: 0, embedding: body.embeddings.float[0] },
        { object: "embedding", index: 1, embedding: body.embeddings.float[1] },
      ],
      usage: { prompt_tokens: 10, total_tokens: 10 },
    });
    expect(usage).toMatchObject({ inputTokens: 10, outputTokens: 0 });
  });

  it("rejects token arrays with a 400 and a count mismatch with a 502", async () => {
    await expect((async () => embeddings.buildRequests({ model: "embed", input: [1, 2, 3] }, deployment))()).rejects.toMatchObject({ status: 400, param: "input[0]" });
    expect(() => embeddings.convertResponses([{ embeddings: { float: [[1]] } }], { model: "embed", input: ["a", "b"] }, context)).toThrow(/1 embeddings for 2 inputs/);
  });
});
