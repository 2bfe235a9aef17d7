import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateEmbeddingsResponse } from "../../../test/support/openai-schema.ts";
import { testDeployment } from "../../testing/deployment.ts";
import type { ProviderContext, ResolvedDeployment } from "../types.ts";
import { createOpenAICompatibleAdapter, openai } from "./index.ts";

const recorded: unknown = JSON.parse(readFileSync(new URL("./__fixtures__/openai-embedding.json", import.meta.url), "utf8"));

const deployment: ResolvedDeployment = testDeployment({
  id: "embed/0",
  provider: "openai",
  model: "text-embedding-3-small",
  baseUrl: "https://api.openai.com/v1",
  apiKey: "sk-test-123",
  priceProvider: "openai",
});
const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "embed" };

describe("openai embeddings", () => {
  it("sends the request as the client wrote it, with the deployment's model, to /embeddings", async () => {
    const built = await openai.embeddings!.buildRequests({ model: "embed", input: ["a", "b"], encoding_format: "base64", dimensions: 256 }, deployment);
    expect(built.warnings).toEqual([]);
    expect(built.upstream).toHaveLength(1);
    const upstream = built.upstream[0]!;
    expect(upstream).toMatchObject({ url: "https://api.openai.com/v1/embeddings", method: "POST" });
    expect(upstream.headers.authorization).toBe("Bearer sk-test-123");
    expect(JSON.parse(upstream.body)).toEqual({ model: "text-embedding-3-small", input: ["a", "b"], encoding_format: "base64", dimensions: 256 });
  });

  it("converts the recorded response into a valid OpenAI embeddings list with input-token usage", () => {
    const converted = openai.embeddings!.convertResponses([structuredClone(recorded)], { model: "embed", input: ["a", "b"] }, context);
    expect(validateEmbeddingsResponse(converted.response)).toEqual([]);
    expect(converted.response.data.map((item) => item.index)).toEqual([0, 1]);
    expect(converted.response.data[0]!.embedding).toEqual([0.0057293195, -0.012727811, 0.020042092, -0.013437585, 0.022833068]);
    expect(converted.response.usage).toEqual({ prompt_tokens: 12, total_tokens: 12 });
    expect(converted.usage).toEqual({ inputTokens: 12, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("answers 502 for a body that is not an embeddings list", () => {
    expect(() => openai.embeddings!.convertResponses([{ object: "list" }], { model: "embed", input: "a" }, context)).toThrow(
      expect.objectContaining({ status: 502, code: "bad_upstream_response" }),
    );
  });

  it("is part of every OpenAI-compatible adapter unless turned off", () => {
    expect(createOpenAICompatibleAdapter({ name: "vendor", defaultBaseUrl: "https://vendor.example/v1" }).embeddings).toBeDefined();
    expect(createOpenAICompatibleAdapter({ name: "vendor", defaultBaseUrl: "https://vendor.example/v1", embeddings: false }).embeddings).toBeUndefined();
  });
});
