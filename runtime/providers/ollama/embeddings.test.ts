import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { testDeployment } from "../../testing/deployment.ts";
import { validateEmbeddingsResponse } from "../../../test/support/openai-schema.ts";
import type { ProviderContext, ResolvedDeployment } from "../types.ts";
import { ollama } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "minilm" };
const deployment: ResolvedDeployment = testDeployment({ id: "minilm/0", provider: "ollama", model: "all-minilm", baseUrl: "http://localhost:11434" });
/** Built from Ollama's API reference (see __fixtures__/README.md). */
const answer = JSON.parse(readFileSync(new URL("./__fixtures__/ollama-embed.json", import.meta.url), "utf8")) as unknown;

describe("ollama embeddings", () => {
  it("posts texts to /api/embed", async () => {
    const { upstream, warnings } = await ollama.embeddings!.buildRequests(
      { model: "minilm", input: ["Why is the sky blue?", "Why is the grass green?"], encoding_format: "base64", dimensions: 3, user: "u" },
      deployment,
    );
    expect(upstream[0]!.url).toBe("http://localhost:11434/api/embed");
    expect(JSON.parse(upstream[0]!.body)).toEqual({ model: "all-minilm", input: ["Why is the sky blue?", "Why is the grass green?"], dimensions: 3 });
    expect(warnings).toEqual(["user dropped: not supported by ollama embeddings"]);
  });

  it("rejects token arrays with a 400", () => {
    expect(() => ollama.embeddings!.buildRequests({ model: "minilm", input: [1, 2, 3] }, deployment)).toThrow(expect.objectContaining({ status: 400, param: "input[0]" }));
  });

  it("returns one embedding per input with prompt_eval_count as usage", () => {
    const { response, usage } = ollama.embeddings!.convertResponses([answer], { model: "minilm", input: ["a", "b"] }, context);
    expect(validateEmbeddingsResponse(response)).toEqual([]);
    expect(response.data.map((item) => item.index)).toEqual([0, 1]);
    expect(response.data[1]!.embedding).toEqual([-0.0098027075, 0.06042469, 0.025257962, -0.006364387, 0.07272725]);
    expect(response.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
    expect(response.model).toBe("all-minilm");
    expect(usage.inputTokens).toBe(8);
  });

  it("rejects an unreadable body with a 502", () => {
    expect(() => ollama.embeddings!.convertResponses([{ embeddings: [["x"]] }], { model: "minilm", input: "a" }, context)).toThrow(
      expect.objectContaining({ status: 502 }),
    );
  });
});
