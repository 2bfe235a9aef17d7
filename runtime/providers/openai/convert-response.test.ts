import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../http/errors.ts";
import { validateChatCompletion } from "../../../test/support/openai-schema.ts";
import type { ProviderContext } from "../types.ts";
import { openai } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "my-model" };

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8"));
}

const fixtures = [
  "openai-text.json",
  "groq-text.json",
  "groq-tool-call.json",
  "xai-text.json",
  "xai-tool-call.json",
  "deepseek-text.json",
  "deepseek-tool-call.json",
  "mistral-text.json",
  "mistral-tool-call.json",
];

describe("openai convertResponse", () => {
  it.each(fixtures)("%s becomes a schema-valid chat.completion", (name) => {
    const { completion } = openai.convertResponse(fixture(name), context);
    expect(validateChatCompletion(JSON.parse(JSON.stringify(completion)))).toEqual([]);
  });

  it("keeps OpenAI's text and reads usage", () => {
    const { completion, usage } = openai.convertResponse(fixture("openai-text.json"), context);
    expect(completion.id).toBe("chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU");
    expect(completion.model).toBe("gpt-4.1-nano-2025-04-14");
    expect(completion.choices[0]!.message.content).toMatch(/^\*\*Holiday Name:\*\* Galaxy Day/);
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(usage).toEqual({ inputTokens: 16, outputTokens: 363, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("counts cached prompt tokens apart from uncached input (DeepSeek)", () => {
    const { usage, completion } = openai.convertResponse(fixture("deepseek-tool-call.json"), context);
    expect(usage).toEqual({ inputTokens: 19, outputTokens: 92, cacheReadTokens: 320, cacheWriteTokens: 0, reasoningTokens: 48 });
    expect(completion.choices[0]!.message.tool_calls?.[0]).toMatchObject({
      id: "call_00_9V0vrf86Pc9aelHCJMZqnJBo",
      type: "function",
      function: { name: "weather", arguments: '{"location": "San Francisco"}' },
    });
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("adds reasoning tokens to output for vendors that count them outside completion_tokens (xAI)", () => {
    const { usage } = openai.convertResponse(fixture("xai-text.json"), context);
    // prompt 12 (2 cached), completion 1, reasoning 228, total 241 = 12 + 1 + 228
    expect(usage).toEqual({ inputTokens: 10, outputTokens: 229, cacheReadTokens: 2, cacheWriteTokens: 0, reasoningTokens: 228 });
  });

  it("adds the fields OpenAI's schema requires and vendors omit (Mistral, xAI, Groq)", () => {
    const mistral = openai.convertResponse(fixture("mistral-tool-call.json"), context).completion;
    expect(mistral.choices[0]!.message.tool_calls?.[0]?.type).toBe("function");
    expect(mistral.choices[0]!.message.content).toBeNull();
    expect(mistral.choices[0]!.message.refusal).toBeNull();
    expect(mistral.choices[0]!.logprobs).toBeNull();
    const mistralText = openai.convertResponse(fixture("mistral-text.json"), context).completion;
    expect(mistralText.choices[0]!.message).not.toHaveProperty("tool_calls", null);
    const groq = openai.convertResponse(fixture("groq-tool-call.json"), context).completion as unknown as Record<string, unknown>;
    expect(JSON.parse(JSON.stringify(groq))).not.toHaveProperty("service_tier");
  });

  it("fills id, created and model when a minimal server leaves them out", () => {
    const body = { choices: [{ message: { content: "hi" }, finish_reason: "eos" }] };
    const { completion, usage } = openai.convertResponse(body, context);
    expect(completion).toMatchObject({ id: "chatcmpl-req_1", created: 1770000000, model: "my-model", object: "chat.completion" });
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(usage.inputTokens + usage.outputTokens).toBe(0);
    expect(validateChatCompletion(JSON.parse(JSON.stringify(completion)))).toEqual([]);
  });

  it.each([
    ["a string", "not json"],
    ["no choices", { id: "x", object: "chat.completion" }],
    ["a choice without message", { choices: [{ index: 0 }] }],
    ["non-text content", { choices: [{ message: { content: 42 } }] }],
    ["a tool call without name", { choices: [{ message: { content: null, tool_calls: [{ id: "a", function: {} }] } }] }],
  ])("rejects %s with a 502", (_label, body) => {
    let caught: unknown;
    try {
      openai.convertResponse(body, context);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect(caught).toMatchObject({ status: 502, code: "bad_upstream_response", retryable: true });
  });
});
