import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replaySse as replay, streamedContent as content } from "../../../test/support/replay-stream.ts";
import { GatewayError } from "../../http/errors.ts";
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import type { ProviderContext } from "../types.ts";
import { anthropic } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "claude" };
const request: ChatCompletionRequest = { model: "claude", messages: [{ role: "user", content: "Hi" }], stream: true };
const withUsage: ChatCompletionRequest = { ...request, stream_options: { include_usage: true } };

function lines(name: string): string[] {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8").split("\n").filter((line) => line.length > 0);
}

/** Re-framed as Anthropic sends it (fixtures README: `event: TYPE\ndata: LINE\n\n`). */
function wire(source: string[]): string {
  return source.map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`).join("");
}

const streams = [
  "anthropic-text.chunks.txt",
  "anthropic-tool-no-args.chunks.txt",
  "anthropic-json-tool.1.chunks.txt",
  "anthropic-clear-thinking.1.chunks.txt",
  "anthropic-refusal.chunks.txt",
  "anthropic-message-delta-input-tokens.chunks.txt",
];

describe("anthropic stream converter", () => {
  it.each(streams)("%s: every chunk is schema-valid, with and without usage requested", async (name) => {
    await replay(wire(lines(name)), anthropic.createStreamConverter(context, request));
    await replay(wire(lines(name)), anthropic.createStreamConverter(context, withUsage));
  });

  it("streams text: role first, content deltas, finish_reason, then usage when asked", async () => {
    const converter = anthropic.createStreamConverter(context, withUsage);
    const chunks = await replay(wire(lines("anthropic-text.chunks.txt")), converter);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.every((chunk) => chunk.id === "chatcmpl-msg_01QC4g3HwBThD4BaNtBckFDJ" && chunk.model === "claude-sonnet-4-5-20250929")).toBe(true);
    expect(content(chunks)).toBe("Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?");
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42, prompt_tokens_details: { cached_tokens: 0 } },
    });
    expect(converter.usage()).toEqual({ inputTokens: 12, outputTokens: 30, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("sends no usage chunk to a client that did not ask, yet reports usage", async () => {
    const converter = anthropic.createStreamConverter(context, request);
    const chunks = await replay(wire(lines("anthropic-text.chunks.txt")), converter);
    expect(chunks.every((chunk) => chunk.choices.length === 1 && chunk.usage === undefined)).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
    expect(converter.usage()?.outputTokens).toBe(30);
  });

  it("streams a tool call with its own index, id and name, and {} for empty input", async () => {
    const chunks = await replay(wire(lines("anthropic-tool-no-args.chunks.txt")), anthropic.createStreamConverter(context, request));
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(deltas[0]).toEqual({ index: 0, id: "toolu_01QE1WLsSVp5hy5Q3GmGTmjP", type: "function", function: { name: "updateIssueList", arguments: "" } });
    expect(deltas.map((delta) => delta.function?.arguments ?? "").join("")).toBe("{}");
    expect(deltas.every((delta) => delta.index === 0)).toBe(true);
    expect(content(chunks)).toBe("I'll update the issue list for you.");
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("streams tool input JSON as argument deltas", async () => {
    const chunks = await replay(wire(lines("anthropic-json-tool.1.chunks.txt")), anthropic.createStreamConverter(context, request));
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(JSON.parse(deltas.map((delta) => delta.function?.arguments ?? "").join(""))).toEqual({
      elements: [{ location: "San Francisco", temperature: 58, condition: "sunny" }],
    });
  });

  it("counts tool calls, not content blocks, for the tool call index", async () => {
    const events = [
      { type: "message_start", message: { id: "msg_x", model: "claude", usage: { input_tokens: 5, output_tokens: 1 } } },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Two calls." } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_a", name: "a", input: {} } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"x":1}' } },
      { type: "content_block_stop", index: 1 },
      { type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "toolu_b", name: "b", input: {} } },
      { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"y":2}' } },
      { type: "content_block_stop", index: 2 },
      { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 20 } },
      { type: "message_stop" },
    ].map((event) => JSON.stringify(event));
    const chunks = await replay(wire(events), anthropic.createStreamConverter(context, request));
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(deltas.map((delta) => [delta.index, delta.id ?? null, delta.function?.arguments])).toEqual([
      [0, "toolu_a", ""],
      [0, null, '{"x":1}'],
      [1, "toolu_b", ""],
      [1, null, '{"y":2}'],
    ]);
  });

  it("does not forward thinking", async () => {
    const chunks = await replay(wire(lines("anthropic-clear-thinking.1.chunks.txt")), anthropic.createStreamConverter(context, request));
    expect(content(chunks)).toBe("925 ÷ 5 = 185");
  });

  it("takes input tokens from message_delta when Anthropic repeats them there", async () => {
    const converter = anthropic.createStreamConverter(context, request);
    await replay(wire(lines("anthropic-message-delta-input-tokens.chunks.txt")), converter);
    expect(converter.usage()).toEqual({ inputTokens: 61, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("ends a refusal with content_filter and the explanation", async () => {
    const chunks = await replay(wire(lines("anthropic-refusal.chunks.txt")), anthropic.createStreamConverter(context, request));
    const last = chunks.at(-1)!.choices[0]!;
    expect(last.finish_reason).toBe("content_filter");
    expect(last.delta.refusal).toMatch(/Usage Policy/);
  });

  it("streams gw's response_format tool as text, finishing with stop", async () => {
    const events = [
      { type: "message_start", message: { id: "msg_j", model: "claude", usage: { input_tokens: 5, output_tokens: 1 } } },
      { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_j", name: "gw_response_format", input: {} } },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"answer":' } },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '"42"}' } },
      { type: "content_block_stop", index: 0 },
      { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 9 } },
      { type: "message_stop" },
    ].map((event) => JSON.stringify(event));
    const chunks = await replay(wire(events), anthropic.createStreamConverter(context, request));
    expect(content(chunks)).toBe('{"answer":"42"}');
    expect(chunks.some((chunk) => chunk.choices[0]?.delta.tool_calls)).toBe(false);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
  });

  it("throws a retryable error for an overloaded_error event", async () => {
    const source = lines("anthropic-text.chunks.txt").slice(0, 4);
    source.push(JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }));
    const converter = anthropic.createStreamConverter(context, request);
    const replaying = replay(wire(source), converter);
    await expect(replaying).rejects.toBeInstanceOf(GatewayError);
    await expect(replaying).rejects.toMatchObject({ status: 503, code: "overloaded_error", retryable: true });
  });

  it("throws when the stream ends before message_stop", async () => {
    const source = lines("anthropic-text.chunks.txt").slice(0, -1);
    await expect(replay(wire(source), anthropic.createStreamConverter(context, request))).rejects.toMatchObject({
      status: 502,
      code: "stream_ended_early",
    });
  });
});

describe("anthropic thinking in streams (recorded)", () => {
  it("streams thinking as reasoning_content and the signature as thinking_blocks, apart from the answer text", async () => {
    const chunks = await replay(wire(lines("anthropic-clear-thinking.1.chunks.txt")), anthropic.createStreamConverter(context, request));
    type Delta = { content?: string; reasoning_content?: string; thinking_blocks?: Array<{ signature?: string }> };
    const deltas = chunks.map((chunk) => (chunk.choices[0]?.delta ?? {}) as Delta);
    const reasoning = deltas.map((delta) => delta.reasoning_content ?? "").join("");
    expect(reasoning).toMatch(/^The previous result was 925\. Now I need to divide that by 5\./);
    expect(deltas.map((delta) => delta.content ?? "").join("")).not.toContain("The previous result");
    expect(deltas.some((delta) => typeof delta.thinking_blocks?.[0]?.signature === "string" && delta.thinking_blocks[0].signature !== "")).toBe(true);
  });
});
