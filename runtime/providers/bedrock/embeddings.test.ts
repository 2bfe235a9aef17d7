import { describe, expect, it } from "vitest";
import { validateEmbeddingsResponse } from "../../../test/support/openai-schema.ts";
import { GatewayError } from "../../http/errors.ts";
import type { EmbeddingsRequest } from "../../http/openai-types.ts";
import { testDeployment } from "../../testing/deployment.ts";
import type { ProviderContext, ResolvedDeployment } from "../types.ts";
import { bedrock } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "embed" };

function deployment(model: string): ResolvedDeployment {
  return testDeployment({
    id: "embed/0",
    provider: "bedrock",
    model,
    baseUrl: "https://bedrock-runtime.us-east-1.amazonaws.com",
    secrets: { awsAccessKeyId: "AKIDEXAMPLE", awsSecretAccessKey: "secret" },
    options: { region: "us-east-1" },
  });
}

const embeddings = bedrock.embeddings!;

async function build(request: Partial<EmbeddingsRequest>, model: string) {
  const built = await embeddings.buildRequests({ model: "embed", input: "", ...request }, deployment(model));
  return { ...built, bodies: built.upstream.map((upstream) => JSON.parse(upstream.body) as Record<string, unknown>) };
}

describe("bedrock embeddings", () => {
  it("sends Titan one input per InvokeModel request, and joins the answers in input order", async () => {
    const { upstream, bodies, warnings } = await build({ input: ["sunny day", "rainy day"], dimensions: 256 }, "amazon.titan-embed-text-v2:0");
    expect(upstream.map((request) => request.url)).toEqual([
      "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-embed-text-v2%3A0/invoke",
      "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-embed-text-v2%3A0/invoke",
    ]);
    expect(bodies).toEqual([
      { inputText: "sunny day", dimensions: 256 },
      { inputText: "rainy day", dimensions: 256 },
    ]);
    expect(warnings).toEqual([]);
    const { response, usage } = embeddings.convertResponses(
      [
        { embedding: [0.1, 0.2], inputTextTokenCount: 3 },
        { embedding: [0.3, 0.4], inputTextTokenCount: 4 },
      ],
      { model: "embed", input: ["sunny day", "rainy day"] },
      context,
    );
    expect(validateEmbeddingsResponse(response)).toEqual([]);
    expect(response).toEqual({
      object: "list",
      model: "embed",
      data: [
        { object: "embedding", index: 0, embedding: [0.1, 0.2] },
        { object: "embedding", index: 1, embedding: [0.3, 0.4] },
      ],
      usage: { prompt_tokens: 7, total_tokens: 7 },
    });
    expect(usage).toMatchObject({ inputTokens: 7, outputTokens: 0 });
  });

  it("drops dimensions for Titan v1, which has a fixed size, with a warning", async () => {
    const { bodies, warnings } = await build({ input: "hello", dimensions: 512 }, "amazon.titan-embed-text-v1");
    expect(bodies).toEqual([{ inputText: "hello" }]);
    expect(warnings).toEqual(["dimensions dropped: amazon.titan-embed-text-v1 has a fixed embedding size"]);
  });

  it("sends Cohere Embed at most 96 texts per request with input_type search_document", async () => {
    const input = Array.from({ length: 100 }, (_, index) => `text ${index}`);
    const { bodies } = await build({ input }, "cohere.embed-english-v3");
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toEqual({ texts: input.slice(0, 96), input_type: "search_document" });
    expect(bodies[1]).toEqual({ texts: input.slice(96), input_type: "search_document" });
    const v4 = await build({ input: ["a"], dimensions: 256 }, "us.cohere.embed-v4:0");
    expect(v4.bodies).toEqual([{ texts: ["a"], input_type: "search_document", embedding_types: ["float"], output_dimension: 256 }]);

    const { response } = embeddings.convertResponses(
      [
        { id: "x", embeddings: [[1, 2]], texts: ["a"], response_type: "embeddings_floats" },
        { id: "y", embeddings: { float: [[3, 4]] }, texts: ["b"], response_type: "embeddings_by_type" },
      ],
      { model: "embed", input: ["a", "b"] },
      context,
    );
    expect(response.data.map((item) => item.embedding)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(response.data.map((item) => item.index)).toEqual([0, 1]);
  });

  it("rejects token arrays, models that do not embed, and unreadable answers", async () => {
    await expect(build({ input: [[1, 2, 3]] }, "amazon.titan-embed-text-v2:0")).rejects.toMatchObject({ status: 400, param: "input[0]" });
    await expect(build({ input: "x" }, "anthropic.claude-3-haiku-20240307-v1:0")).rejects.toMatchObject({ status: 400, param: "model" });
    expect(() => embeddings.convertResponses([{ nothing: true }], { model: "embed", input: "x" }, context)).toThrow(GatewayError);
    expect(() => embeddings.convertResponses([{ embedding: [1] }], { model: "embed", input: ["x", "y"] }, context)).toThrow(/1 embeddings for 2 inputs/);
  });
});
