import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateChatCompletion } from "../../../test/support/openai-schema.ts";
import { thrownGatewayError } from "../../testing/thrown-gateway-error.ts";
import type { ProviderContext } from "../types.ts";
import { cohere } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "command" };

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8"));
}

function convert(body: unknown) {
  const converted = cohere.convertResponse(body, context);
  expect(validateChatCompletion(JSON.parse(JSON.stringify(converted.completion)))).toEqual([]);
  return converted;
}

describe("cohere convertResponse", () => {
  it("converts a text answer with billed usage", () => {
    const { completion, usage } = convert(fixture("cohere-text.json"));
    expect(completion).toMatchObject({ id: "chatcmpl-e7592632-1e3d-424f-b129-bd5f9f980f7b", model: "command", created: 1770000000 });
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: { role: "assistant", content: "The capital of France is Paris.", refusal: null },
      finish_reason: "stop",
      logprobs: null,
    });
    expect(completion.usage).toEqual({ prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 });
    expect(usage).toEqual({ inputTokens: 12, outputTokens: 7, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("converts tool calls and leaves the tool plan out", () => {
    const { completion } = convert(fixture("cohere-tool-call.json"));
    expect(completion.choices[0]!.message).toEqual({
      role: "assistant",
      content: null,
      refusal: null,
      tool_calls: [
        { id: "weather_dqgshstja6p9", type: "function", function: { name: "weather", arguments: '{"location":"San Francisco"}' } },
        { id: "cityAttractions_dcxfx4myvx68", type: "function", function: { name: "cityAttractions", arguments: '{"city":"San Francisco"}' } },
      ],
    });
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("reports a MAX_TOKENS answer as finish_reason length", () => {
    const { completion } = convert(fixture("cohere-max-tokens.json"));
    expect(completion.choices[0]!.message.content).toBe("**The History of");
    expect(completion.choices[0]!.finish_reason).toBe("length");
  });

  it("leaves thinking parts out of the content", () => {
    const body = {
      id: "x",
      message: { role: "assistant", content: [{ type: "thinking", thinking: "Let me think." }, { type: "text", text: "42" }] },
      finish_reason: "COMPLETE",
      usage: { billed_units: { input_tokens: 3, output_tokens: 9 } },
    };
    expect(convert(body).completion.choices[0]!.message.content).toBe("42");
  });

  it("turns a failed generation into a retryable error, and an unreadable body into a 502", () => {
    const failed = { id: "x", message: { role: "assistant", content: [] }, finish_reason: "ERROR", usage: {} };
    expect(thrownGatewayError(() => cohere.convertResponse(failed, context))).toMatchObject({ status: 502, retryable: true, code: "upstream_generation_failed" });
    expect(thrownGatewayError(() => cohere.convertResponse({ ...failed, finish_reason: "TIMEOUT" }, context))).toMatchObject({ status: 504, type: "timeout_error" });
    expect(thrownGatewayError(() => cohere.convertResponse({ id: "x" }, context))).toMatchObject({ status: 502, code: "bad_upstream_response" });
    expect(thrownGatewayError(() => cohere.convertResponse({ message: { tool_calls: [{ id: "t" }] }, finish_reason: "TOOL_CALL" }, context))).toMatchObject({ status: 502 });
  });
});
