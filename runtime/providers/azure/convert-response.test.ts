import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateChatCompletion } from "../../../test/support/openai-schema.ts";
import type { ProviderContext } from "../types.ts";
import { azure } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "gpt" };

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8"));
}

describe("azure convertResponse", () => {
  it.each(["openai-text.json", "azure-text.json", "azure-tool-call.json", "azure-filtered-completion.json"])("%s becomes a schema-valid chat.completion", (name) => {
    const { completion } = azure.convertResponse(fixture(name), context);
    expect(validateChatCompletion(JSON.parse(JSON.stringify(completion)))).toEqual([]);
  });

  it("reads text and usage, cached tokens apart, keeping Azure's filter annotations", () => {
    const { completion, usage } = azure.convertResponse(fixture("azure-text.json"), context);
    expect(completion.choices[0]!.message.content).toBe("Yes, Azure OpenAI supports customer managed keys.");
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(usage).toEqual({ inputTokens: 16, outputTokens: 11, cacheReadTokens: 4, cacheWriteTokens: 0, reasoningTokens: 0 });
    expect(completion).toHaveProperty("prompt_filter_results");
  });

  it("passes a completion stopped by the content filter through as finish_reason content_filter", () => {
    const { completion, usage } = azure.convertResponse(fixture("azure-filtered-completion.json"), context);
    expect(completion.choices[0]!.finish_reason).toBe("content_filter");
    expect(completion.choices[0]!.message.content).toBeNull();
    expect(usage.outputTokens).toBe(48);
  });

  it("rejects an unreadable body with a 502", () => {
    expect(() => azure.convertResponse({ error: "nope" }, context)).toThrow(expect.objectContaining({ status: 502, code: "bad_upstream_response" }));
  });
});
