import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateChatCompletion } from "../../../test/support/openai-schema.ts";
import { GatewayError } from "../../http/errors.ts";
import type { ProviderContext } from "../types.ts";
import { bedrock } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "claude-bedrock" };

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8"));
}

function convert(body: unknown) {
  const converted = bedrock.convertResponse(body, context);
  expect(validateChatCompletion(JSON.parse(JSON.stringify(converted.completion)))).toEqual([]);
  return converted;
}

describe("bedrock convertResponse", () => {
  it("converts a text answer with its usage", () => {
    const { completion, usage } = convert(fixture("amazon-bedrock-text.json"));
    expect(completion).toMatchObject({ id: "chatcmpl-req_1", object: "chat.completion", created: 1770000000, model: "claude-bedrock" });
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: 'Let me count the "r"s in "strawberry":\n\ns-t-**r**-a-w-b-e-**r**-**r**-y\n\nThere are **3** "r"s in "strawberry."',
        refusal: null,
      },
      finish_reason: "stop",
      logprobs: null,
    });
    expect(completion.usage).toEqual({ prompt_tokens: 22, completion_tokens: 57, total_tokens: 79, prompt_tokens_details: { cached_tokens: 0 } });
    expect(usage).toEqual({ inputTokens: 22, outputTokens: 57, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("converts a tool call: toolUseId, name and the input as a JSON string", () => {
    const { completion } = convert(fixture("amazon-bedrock-tool-call.1.json"));
    expect(completion.choices[0]!.message).toEqual({
      role: "assistant",
      content: null,
      refusal: null,
      tool_calls: [{ id: "tool-use-id", type: "function", function: { name: "bash", arguments: '{"command":"ls -l"}' } }],
    });
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("keeps text next to a tool call without arguments", () => {
    const { completion } = convert(fixture("amazon-bedrock-tool-no-args.json"));
    expect(completion.choices[0]!.message.content).toBe("I'll update the issue list for you.");
    expect(completion.choices[0]!.message.tool_calls).toEqual([{ id: "tool-use-id", type: "function", function: { name: "updateIssueList", arguments: "{}" } }]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 25 });
  });

  it("returns reasoning content as reasoning_content and thinking_blocks, apart from the answer", () => {
    const { completion, usage } = convert(fixture("amazon-bedrock-reasoning.json"));
    const message = completion.choices[0]!.message as { content: string; reasoning_content?: string; thinking_blocks?: Array<{ type: string; signature?: string }> };
    expect(message.content).toBe('There are **3** r\'s in "strawberry":\n\n1. st**r**awbe**r****r**y');
    expect(message.content).not.toContain("Let me count");
    expect(message.reasoning_content).toContain("Let me count");
    expect(message.thinking_blocks?.[0]?.type).toBe("thinking");
    expect(usage.outputTokens).toBe(78);
  });

  it("reports cache reads and writes apart from uncached input, and OpenAI's prompt_tokens include them", () => {
    const body = {
      output: { message: { role: "assistant", content: [{ text: "ok" }] } },
      stopReason: "end_turn",
      usage: { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 1000, cacheWriteInputTokens: 200, totalTokens: 1215 },
    };
    const { completion, usage } = convert(body);
    expect(usage).toEqual({ inputTokens: 10, outputTokens: 5, cacheReadTokens: 1000, cacheWriteTokens: 200, reasoningTokens: 0 });
    expect(completion.usage).toEqual({ prompt_tokens: 1210, completion_tokens: 5, total_tokens: 1215, prompt_tokens_details: { cached_tokens: 1000 } });
  });

  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["tool_use", "tool_calls"],
    ["guardrail_intervened", "content_filter"],
    ["content_filtered", "content_filter"],
    ["something_new", "stop"],
  ])("maps stopReason %s to %s", (stopReason, finishReason) => {
    const body = { output: { message: { role: "assistant", content: [{ text: "x" }] } }, stopReason, usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } };
    expect(convert(body).completion.choices[0]!.finish_reason).toBe(finishReason);
  });

  it("answers 502 for a body it cannot read", () => {
    for (const body of [null, {}, { output: {} }, { output: { message: { content: [{ toolUse: { name: "x" } }] } } }]) {
      let caught: unknown;
      try {
        bedrock.convertResponse(body, context);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(GatewayError);
      expect(caught).toMatchObject({ status: 502, code: "bad_upstream_response" });
    }
  });
});

describe("bedrock convertResponse: the response-format tool", () => {
  it("returns the forced tool's input as the text, finish_reason stop, no tool call", () => {
    const body = {
      output: { message: { role: "assistant", content: [{ toolUse: { toolUseId: "t1", name: "gw_response_format", input: { answer: "42" } } }] } },
      stopReason: "tool_use",
      usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12 },
    };
    const { completion } = bedrock.convertResponse(body, { requestId: "req_1", created: 1, publicModel: "m" });
    expect(completion.choices[0]).toMatchObject({ message: { content: '{"answer":"42"}' }, finish_reason: "stop" });
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
  });
});
