import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replaySse as replay, streamedContent as content } from "../../../test/support/replay-stream.ts";
import { GatewayError } from "../../http/errors.ts";
import type { ChatCompletionChunk, ChatCompletionRequest } from "../../http/openai-types.ts";
import type { ProviderContext } from "../types.ts";
import { gemini } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "gemini" };
const request: ChatCompletionRequest = { model: "gemini", messages: [{ role: "user", content: "Hi" }], stream: true };
const withUsage: ChatCompletionRequest = { ...request, stream_options: { include_usage: true } };

function lines(name: string): string[] {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8")
    .split("\n")
    .filter((line) => line.trim().length > 0);
}

/** Re-framed as Gemini sends it with alt=sse (fixtures README: `data: LINE\r\n\r\n`). */
function wire(source: string[]): string {
  return source.map((line) => `data: ${line}\r\n\r\n`).join("");
}

function finishReasons(chunks: ChatCompletionChunk[]): Array<string | null> {
  return chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason)).filter((reason) => reason !== null);
}

describe("gemini stream converter on recorded streams", () => {
  it("google-text: a role chunk, the text deltas, one stop, usage on request", async () => {
    const converter = gemini.createStreamConverter(context, withUsage);
    const chunks = await replay(wire(lines("google-text.chunks.txt")), converter);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    expect(content(chunks)).toBe('There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y');
    expect(finishReasons(chunks)).toEqual(["stop"]);
    expect(chunks.every((chunk) => chunk.id === "chatcmpl-bH6LaZW8Fp_3nsEPqtaSwQ4" && chunk.model === "gemini-3-pro-preview")).toBe(true);
    const last = chunks[chunks.length - 1]!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({
      prompt_tokens: 9,
      completion_tokens: 23 + 185,
      total_tokens: 217,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 185 },
    });
    expect(converter.usage()).toEqual({ inputTokens: 9, outputTokens: 208, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 185 });
  });

  it("google-tool-call: the call arrives whole, with index 0, and the stream finishes with tool_calls", async () => {
    const chunks = await replay(wire(lines("google-tool-call.chunks.txt")), gemini.createStreamConverter(context, request));
    const deltas = chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
    expect(deltas).toEqual([
      { index: 0, id: "call_req_1_0_0", type: "function", function: { name: "weather", arguments: '{"location":"San Francisco"}' } },
    ]);
    expect(finishReasons(chunks)).toEqual(["tool_calls"]);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  it("google-reasoning: the answer only, reasoning tokens counted", async () => {
    const converter = gemini.createStreamConverter(context, request);
    const chunks = await replay(wire(lines("google-reasoning.chunks.txt")), converter);
    expect(content(chunks)).toBe('There are **3** "r"s in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.');
    expect(converter.usage()?.reasoningTokens).toBe(256);
    expect(converter.usage()?.outputTokens).toBe(29 + 256);
  });
});

describe("gemini stream converter", () => {
  it("skips thought parts", async () => {
    const events = [
      { candidates: [{ content: { role: "model", parts: [{ text: "hmm", thought: true }] }, index: 0 }] },
      { candidates: [{ content: { role: "model", parts: [{ text: "Answer" }] }, finishReason: "STOP", index: 0 }] },
    ];
    const chunks = await replay(wire(events.map((event) => JSON.stringify(event))), gemini.createStreamConverter(context, request));
    expect(content(chunks)).toBe("Answer");
  });

  it("fails when the stream ends before a finishReason", async () => {
    const converter = gemini.createStreamConverter(context, request);
    const [first] = lines("google-text.chunks.txt");
    await expect(replay(wire([first!]), converter)).rejects.toMatchObject({ status: 502, code: "stream_ended_early" });
    expect(() => gemini.createStreamConverter(context, request).end()).toThrow(GatewayError);
  });

  it("throws the error an event carries", () => {
    const converter = gemini.createStreamConverter(context, request);
    const event = { error: { code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE" } };
    expect(() => converter.push({ event: undefined, data: JSON.stringify(event) })).toThrow(
      expect.objectContaining({ status: 503, retryable: true, code: "UNAVAILABLE" }) as Error,
    );
  });

  it("answers a blocked prompt with a refusal and content_filter", async () => {
    const chunks = await replay(wire([JSON.stringify({ promptFeedback: { blockReason: "SAFETY" } })]), gemini.createStreamConverter(context, request));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta)).toEqual([{ role: "assistant", content: "" }, { refusal: "The gemini upstream blocked the prompt (SAFETY)." }, {}]);
    expect(finishReasons(chunks)).toEqual(["content_filter"]);
  });

  it("fails with a retryable error on a malformed function call with nothing sent", () => {
    const converter = gemini.createStreamConverter(context, request);
    const event = { candidates: [{ content: { parts: [] }, finishReason: "MALFORMED_FUNCTION_CALL", index: 0 }] };
    expect(() => converter.push({ event: undefined, data: JSON.stringify(event) })).toThrow(
      expect.objectContaining({ status: 502, retryable: true }) as Error,
    );
  });

  it("refuses an event that is not JSON with a 502", () => {
    expect(() => gemini.createStreamConverter(context, request).push({ event: undefined, data: "{oops" })).toThrow(
      expect.objectContaining({ status: 502 }) as Error,
    );
  });
});

describe("gemini stream converter: reasoning", () => {
  it("streams thought parts as reasoning_content and the first thought signature as a thinking_blocks delta, marked gemini:", async () => {
    const events = [
      { candidates: [{ content: { role: "model", parts: [{ text: "Thinking about it", thought: true }] }, index: 0 }] },
      { candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "weather", args: { city: "Paris" } }, thoughtSignature: "U0lH" }] }, index: 0 }] },
      { candidates: [{ content: { role: "model", parts: [{ text: "" , thoughtSignature: "U0lHMg==" }] }, finishReason: "STOP", index: 0 }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, thoughtsTokenCount: 20 } },
    ];
    const chunks = await replay(wire(events.map((event) => JSON.stringify(event))), gemini.createStreamConverter(context, withUsage));
    const deltas = chunks.map((chunk) => chunk.choices[0]?.delta as Record<string, unknown> | undefined).filter((delta) => delta !== undefined);
    expect(deltas.map((delta) => delta.reasoning_content).filter(Boolean)).toEqual(["Thinking about it"]);
    expect(deltas.flatMap((delta) => (delta.thinking_blocks as unknown[] | undefined) ?? [])).toEqual([{ type: "thinking", thinking: "", signature: "gemini:U0lH" }]);
    expect(content(chunks)).toBe("");
    const usage = chunks.at(-1)?.usage;
    expect(usage).toMatchObject({ completion_tokens: 24, completion_tokens_details: { reasoning_tokens: 20 } });
  });
});
