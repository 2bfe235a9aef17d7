import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateChatCompletion } from "../../../test/support/openai-schema.ts";
import type { ProviderContext } from "../types.ts";
import { ollama } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "llama" };

/** Built from Ollama's API reference (see __fixtures__/README.md): no recorded Ollama responses exist. */
function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8"));
}

describe("ollama convertResponse", () => {
  it.each(["ollama-text.json", "ollama-tool-call.json", "ollama-thinking.json"])("%s becomes a schema-valid chat.completion", (name) => {
    const { completion } = ollama.convertResponse(fixture(name), context);
    expect(validateChatCompletion(JSON.parse(JSON.stringify(completion)))).toEqual([]);
  });

  it("reads text, finish reason and the token counts", () => {
    const { completion, usage } = ollama.convertResponse(fixture("ollama-text.json"), context);
    expect(completion).toMatchObject({ id: "chatcmpl-req_1", object: "chat.completion", created: 1770000000, model: "llama3.2" });
    expect(completion.choices[0]).toMatchObject({ index: 0, message: { role: "assistant", content: "Hello! How are you today?", refusal: null }, finish_reason: "stop" });
    expect(completion.usage).toEqual({ prompt_tokens: 26, completion_tokens: 298, total_tokens: 324 });
    expect(usage).toEqual({ inputTokens: 26, outputTokens: 298, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("stringifies tool call arguments, gives the calls stable ids and finishes with tool_calls", () => {
    const { completion } = ollama.convertResponse(fixture("ollama-tool-call.json"), context);
    const message = completion.choices[0]!.message;
    expect(message.content).toBeNull();
    expect(message.tool_calls).toEqual([
      { id: "call_req_1_0", type: "function", function: { name: "get_current_weather", arguments: '{"format":"celsius","location":"Paris, FR"}' } },
    ]);
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    expect(ollama.convertResponse(fixture("ollama-tool-call.json"), context).completion.choices[0]!.message.tool_calls?.[0]?.id).toBe("call_req_1_0");
  });

  it("returns thinking as reasoning_content", () => {
    const { completion } = ollama.convertResponse(fixture("ollama-thinking.json"), context);
    expect(completion.choices[0]!.message).toMatchObject({ reasoning_content: expect.stringMatching(/^First, the question is/) });
    expect(completion.choices[0]!.message.content).toMatch(/three/);
  });

  it("maps done_reason length", () => {
    const body = { ...(fixture("ollama-text.json") as object), done_reason: "length" };
    expect(ollama.convertResponse(body, context).completion.choices[0]!.finish_reason).toBe("length");
  });

  it.each([
    ["a string", "oops"],
    ["no message", { model: "llama3.2", done: true }],
    ["non-text content", { message: { role: "assistant", content: 5 } }],
    ["a tool call without name", { message: { role: "assistant", content: "", tool_calls: [{ function: { arguments: {} } }] } }],
  ])("rejects %s with a 502", (_label, body) => {
    expect(() => ollama.convertResponse(body, context)).toThrow(expect.objectContaining({ status: 502, code: "bad_upstream_response" }));
  });
});
