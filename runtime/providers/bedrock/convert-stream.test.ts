import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replayEvents, streamedContent as content } from "../../../test/support/replay-stream.ts";
import { GatewayError } from "../../http/errors.ts";
import type { ChatCompletionChunk, ChatCompletionRequest } from "../../http/openai-types.ts";
import { byteStream } from "../../upstream/stream/byte-stream.ts";
import { decodeAwsEventStream, encodeAwsEvent } from "../../upstream/stream/decode-aws-eventstream.ts";
import type { ProviderContext, StreamConverter } from "../types.ts";
import { bedrock } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "claude-bedrock" };
const request: ChatCompletionRequest = { model: "claude-bedrock", messages: [{ role: "user", content: "Hi" }], stream: true };
const withUsage: ChatCompletionRequest = { ...request, stream_options: { include_usage: true } };

function lines(name: string): string[] {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8").split("\n").filter((line) => line.length > 0);
}

/** Re-framed as Bedrock sends it: each line `{"<eventType>": payload}` one binary event-stream message. */
function wire(source: string[]): Uint8Array[] {
  return source.map((line) => {
    const [type, payload] = Object.entries(JSON.parse(line) as Record<string, unknown>)[0]!;
    return encodeAwsEvent(type, payload);
  });
}

function replay(frames: Uint8Array[], converter: StreamConverter): Promise<ChatCompletionChunk[]> {
  return replayEvents(decodeAwsEventStream(byteStream(frames), { provider: "bedrock" }), converter);
}

function toolCalls(chunks: ChatCompletionChunk[]): Array<{ id?: string; name?: string; arguments: string }> {
  const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
  for (const chunk of chunks) {
    for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
      const call = (calls[delta.index] ??= { arguments: "" });
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name = delta.function.name;
      call.arguments += delta.function?.arguments ?? "";
    }
  }
  return calls;
}

const streams = ["amazon-bedrock-text.chunks.txt", "amazon-bedrock-tool-call.1.chunks.txt", "amazon-bedrock-tool-no-args.chunks.txt", "amazon-bedrock-reasoning.chunks.txt"];

describe("bedrock stream converter", () => {
  it.each(streams)("%s: every chunk is schema-valid, with and without usage requested", async (name) => {
    await replay(wire(lines(name)), bedrock.createStreamConverter(context, request));
    await replay(wire(lines(name)), bedrock.createStreamConverter(context, withUsage));
  });

  it("streams text: role first, content deltas, finish_reason, then the usage chunk when asked", async () => {
    const converter = bedrock.createStreamConverter(context, withUsage);
    const chunks = await replay(wire(lines("amazon-bedrock-text.chunks.txt")), converter);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.every((chunk) => chunk.id === "chatcmpl-req_1" && chunk.model === "claude-bedrock")).toBe(true);
    expect(content(chunks)).toBe('Let me count the "r"s in "strawberry":\n\ns-t-**r**-a-w-b-e-**r**-**r**-y\n\nThere are **3** r\'s in "strawberry."');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 22, completion_tokens: 55, total_tokens: 77 } });
    expect(converter.usage()).toEqual({ inputTokens: 22, outputTokens: 55, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("hides the usage chunk from clients that did not ask, but still records usage", async () => {
    const converter = bedrock.createStreamConverter(context, request);
    const chunks = await replay(wire(lines("amazon-bedrock-text.chunks.txt")), converter);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
    expect(converter.usage()?.outputTokens).toBe(55);
  });

  it("streams a tool call as argument deltas, even without messageStart and with metadata before messageStop", async () => {
    const converter = bedrock.createStreamConverter(context, withUsage);
    const chunks = await replay(wire(lines("amazon-bedrock-tool-call.1.chunks.txt")), converter);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
    expect(chunks[1]!.choices[0]!.delta.tool_calls).toEqual([{ index: 0, id: "tool-use-id", type: "function", function: { name: "test-tool", arguments: "" } }]);
    expect(toolCalls(chunks)).toEqual([{ id: "tool-use-id", name: "test-tool", arguments: '{"value":"Sparkle Day"}' }]);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 125, completion_tokens: 45 } });
  });

  it("gives a tool call without input the arguments {}", async () => {
    const chunks = await replay(wire(lines("amazon-bedrock-tool-no-args.chunks.txt")), bedrock.createStreamConverter(context, request));
    expect(content(chunks)).toBe("I'll update the issue list for you.");
    expect(toolCalls(chunks)).toEqual([{ id: "tool-use-id", name: "updateIssueList", arguments: "{}" }]);
  });

  it("streams reasoning as reasoning_content (and signatures as thinking_blocks), never as content", async () => {
    const chunks = await replay(wire(lines("amazon-bedrock-reasoning.chunks.txt")), bedrock.createStreamConverter(context, request));
    expect(content(chunks)).toBe('There are **3** r\'s in "strawberry":\n\n1. st**r**awbe**r****r**y');
    const reasoning = chunks.map((chunk) => (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? "").join("");
    expect(reasoning).toContain("Let me count");
  });

  it("turns an exception message in the stream into a GatewayError", async () => {
    const frames = [...wire(lines("amazon-bedrock-text.chunks.txt")).slice(0, 3), encodeAwsEvent("throttlingException", { message: "Too many tokens." }, "exception")];
    let caught: unknown;
    try {
      await replay(frames, bedrock.createStreamConverter(context, request));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect(caught).toMatchObject({ status: 429, type: "rate_limit_error", code: "ThrottlingException", retryable: true });
    expect((caught as GatewayError).message).toContain("Too many tokens.");

    const modelError = bedrock.createStreamConverter(context, request);
    expect(() => modelError.push({ event: "exception:modelStreamErrorException", data: '{"message":"boom","originalStatusCode":500}' })).toThrow(
      expect.objectContaining({ status: 502, retryable: true }),
    );
    expect(() => modelError.push({ event: "exception:validationException", data: '{"message":"bad input"}' })).toThrow(
      expect.objectContaining({ status: 400, message: "bad input" }),
    );
  });

  it("fails a stream that ends before messageStop", async () => {
    const frames = wire(lines("amazon-bedrock-text.chunks.txt")).slice(0, 5);
    await expect(replay(frames, bedrock.createStreamConverter(context, request))).rejects.toMatchObject({ status: 502, code: "stream_ended_early" });
  });
});

describe("bedrock stream converter: the response-format tool", () => {
  it("streams the forced tool's input as content deltas and finishes with stop", async () => {
    const events = [
      { messageStart: { role: "assistant" } },
      { contentBlockStart: { contentBlockIndex: 0, start: { toolUse: { toolUseId: "t1", name: "gw_response_format" } } } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { toolUse: { input: '{"answer":' } } } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { toolUse: { input: '"42"}' } } } },
      { contentBlockStop: { contentBlockIndex: 0 } },
      { messageStop: { stopReason: "tool_use" } },
      { metadata: { usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12 } } },
    ];
    const chunks = await replay(wire(events.map((event) => JSON.stringify(event))), bedrock.createStreamConverter(context, withUsage));
    expect(content(chunks)).toBe('{"answer":"42"}');
    expect(chunks.some((chunk) => chunk.choices[0]?.delta.tool_calls !== undefined)).toBe(false);
    expect(chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason)).filter((reason) => reason !== null)).toEqual(["stop"]);
  });
});
