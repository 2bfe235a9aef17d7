import { describe, expect, it } from "vitest";
import { validateChatCompletion, validateChatCompletionChunk, validateErrorResponse, validateTextCompletion } from "./openai-schema.ts";

const completion = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1770933883,
  model: "gpt-4.1-nano",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "Hello", refusal: null },
      logprobs: null,
      finish_reason: "stop",
    },
  ],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
};

const chunk = {
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1770933883,
  model: "gpt-4.1-nano",
  choices: [{ index: 0, delta: { content: "Hel" }, finish_reason: null }],
};

describe("openai schema validators", () => {
  it("accepts a well-formed chat.completion", () => {
    expect(validateChatCompletion(completion)).toEqual([]);
  });

  it("rejects a chat.completion without refusal or logprobs", () => {
    const message = { role: "assistant", content: "Hello" };
    const choice = { index: 0, message, finish_reason: "stop" };
    const problems = validateChatCompletion({ ...completion, choices: [choice] });
    expect(problems.join("\n")).toMatch(/refusal/);
    expect(problems.join("\n")).toMatch(/logprobs/);
  });

  it("rejects an unknown finish_reason", () => {
    const choice = { ...completion.choices[0], finish_reason: "end_turn" };
    expect(validateChatCompletion({ ...completion, choices: [choice] })).not.toEqual([]);
  });

  it("accepts chunks, including a usage-only chunk and usage: null", () => {
    expect(validateChatCompletionChunk(chunk)).toEqual([]);
    expect(validateChatCompletionChunk({ ...chunk, usage: null })).toEqual([]);
    expect(
      validateChatCompletionChunk({ ...chunk, choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }),
    ).toEqual([]);
  });

  it("rejects a chunk whose choice lacks finish_reason or whose tool call lacks index", () => {
    expect(validateChatCompletionChunk({ ...chunk, choices: [{ index: 0, delta: {} }] })).not.toEqual([]);
    const toolDelta = { tool_calls: [{ id: "call_1", function: { name: "f", arguments: "" } }] };
    expect(validateChatCompletionChunk({ ...chunk, choices: [{ index: 0, delta: toolDelta, finish_reason: null }] })).not.toEqual([]);
  });

  it("validates the OpenAI error body", () => {
    expect(validateErrorResponse({ error: { message: "bad", type: "invalid_request_error", param: null, code: null } })).toEqual([]);
    expect(validateErrorResponse({ error: { message: "bad" } })).not.toEqual([]);
  });

  it("validates a legacy text_completion and refuses a chat-only finish_reason", () => {
    const text = { id: "cmpl-1", object: "text_completion", created: 1770933883, model: "gpt-4.1-nano", choices: [{ text: "Hi", index: 0, logprobs: null, finish_reason: "stop" }] };
    expect(validateTextCompletion(text)).toEqual([]);
    expect(validateTextCompletion({ ...text, choices: [{ ...text.choices[0], finish_reason: "tool_calls" }] })).not.toEqual([]);
  });
});
