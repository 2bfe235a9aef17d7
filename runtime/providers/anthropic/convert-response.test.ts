import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateChatCompletion } from "../../../test/support/openai-schema.ts";
import type { ProviderContext } from "../types.ts";
import { anthropic } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "claude" };

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8"));
}

function convert(body: unknown) {
  const converted = anthropic.convertResponse(body, context);
  expect(validateChatCompletion(JSON.parse(JSON.stringify(converted.completion)))).toEqual([]);
  return converted;
}

describe("anthropic convertResponse", () => {
  it("converts a text answer", () => {
    const { completion, usage } = convert(fixture("anthropic-text.json"));
    expect(completion).toMatchObject({
      id: "chatcmpl-msg_01VdEjxAP5ahtHKrrRdNBteQ",
      object: "chat.completion",
      created: 1770000000,
      model: "claude-sonnet-4-5-20250929",
    });
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?",
        refusal: null,
      },
      finish_reason: "stop",
      logprobs: null,
    });
    expect(usage).toEqual({ inputTokens: 12, outputTokens: 29, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
    expect(completion.usage).toEqual({ prompt_tokens: 12, completion_tokens: 29, total_tokens: 41, prompt_tokens_details: { cached_tokens: 0 } });
  });

  it("converts text plus a tool call without arguments", () => {
    const { completion } = convert(fixture("anthropic-tool-no-args.json"));
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toMatch(/^<thinking>/);
    expect(choice.message.tool_calls).toEqual([
      { id: "toolu_01LRmxn9vGM1d2DZSDBowdZ1", type: "function", function: { name: "updateIssueList", arguments: "{}" } },
    ]);
  });

  it("serializes a tool's input object as the arguments string", () => {
    const { completion } = convert(fixture("anthropic-json-tool.1.json"));
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(call.function.name).toBe("json");
    expect(JSON.parse(call.function.arguments).elements).toHaveLength(4);
    expect(completion.choices[0]!.message.content).toBeNull();
  });

  it("leaves thinking blocks out of the answer", () => {
    const { completion } = convert(fixture("anthropic-clear-thinking.1.json"));
    expect(completion.choices[0]!.message.content).toBe("925 ÷ 5 = 185");
  });

  it("reports a refusal as content_filter with Anthropic's explanation", () => {
    const { completion } = convert(fixture("anthropic-refusal.json"));
    expect(completion.choices[0]!.finish_reason).toBe("content_filter");
    expect(completion.choices[0]!.message.content).toBeNull();
    expect(completion.choices[0]!.message.refusal).toMatch(/Usage Policy/);
  });

  it("counts cache reads and writes apart and adds them to OpenAI's prompt_tokens", () => {
    const body = fixture("anthropic-text.json") as { usage: Record<string, number> };
    body.usage = { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 };
    const { completion, usage } = convert(body);
    expect(usage).toEqual({ inputTokens: 10, outputTokens: 5, cacheReadTokens: 1000, cacheWriteTokens: 200, reasoningTokens: 0 });
    expect(completion.usage).toEqual({ prompt_tokens: 1210, completion_tokens: 5, total_tokens: 1215, prompt_tokens_details: { cached_tokens: 1000 } });
  });

  it("turns gw's response_format tool back into text", () => {
    const body = {
      id: "msg_1",
      model: "claude-haiku-4-5",
      content: [{ type: "tool_use", id: "toolu_1", name: "gw_response_format", input: { answer: "42" } }],
      stop_reason: "tool_use",
      usage: { input_tokens: 3, output_tokens: 4 },
    };
    const { completion } = convert(body);
    expect(completion.choices[0]!.message).toEqual({ role: "assistant", content: '{"answer":"42"}', refusal: null });
    expect(completion.choices[0]!.finish_reason).toBe("stop");
  });

  it.each([
    ["a non-object", "oops"],
    ["no content", { id: "msg", usage: { input_tokens: 1, output_tokens: 1 } }],
    ["no usage", { id: "msg", content: [] }],
    ["a tool_use without name", { content: [{ type: "tool_use", id: "t" }], usage: {} }],
  ])("rejects %s with a 502", (_label, body) => {
    expect(() => anthropic.convertResponse(body, context)).toThrow(expect.objectContaining({ status: 502, code: "bad_upstream_response" }));
  });
});

describe("anthropic thinking in answers", () => {
  it("returns thinking as reasoning_content and thinking_blocks (signatures kept), never as content", () => {
    const { completion } = anthropic.convertResponse(
      {
        id: "msg_1",
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-5",
        content: [
          { type: "thinking", thinking: "Two plus two.", signature: "sig-9" },
          { type: "redacted_thinking", data: "opaque" },
          { type: "text", text: "4" },
        ],
        stop_reason: "end_turn",
        usage: { input_tokens: 10, output_tokens: 30 },
      },
      { requestId: "req_1", created: 1, publicModel: "claude" },
    );
    const message = completion.choices[0]!.message as { content: string; reasoning_content?: string; thinking_blocks?: unknown[] };
    expect(message.content).toBe("4");
    expect(message.reasoning_content).toBe("Two plus two.");
    expect(message.thinking_blocks).toEqual([
      { type: "thinking", thinking: "Two plus two.", signature: "sig-9" },
      { type: "redacted_thinking", data: "opaque" },
    ]);
  });
});
