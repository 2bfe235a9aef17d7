import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replaySse as replay, streamedContent as text } from "../../../test/support/replay-stream.ts";
import { GatewayError } from "../../http/errors.ts";
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import type { ProviderContext } from "../types.ts";
import { openai } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "my-model" };
const request: ChatCompletionRequest = { model: "my-model", messages: [{ role: "user", content: "Hi" }], stream: true };
const withUsage: ChatCompletionRequest = { ...request, stream_options: { include_usage: true } };

function lines(name: string): string[] {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8").split("\n").filter((line) => line.length > 0);
}

/** The fixture re-framed as the vendor sends it (README: `data: LINE\n\n`, then `data: [DONE]\n\n`). */
function wire(name: string, done = true): string {
  return lines(name).map((line) => `data: ${line}\n\n`).join("") + (done ? "data: [DONE]\n\n" : "");
}

const streams = [
  "openai-text.chunks.txt",
  "groq-text.chunks.txt",
  "groq-tool-call.chunks.txt",
  "xai-text.chunks.txt",
  "xai-tool-call.chunks.txt",
  "deepseek-text.chunks.txt",
  "deepseek-tool-call.chunks.txt",
  "mistral-text.chunks.txt",
  "mistral-tool-call.chunks.txt",
];

describe("openai stream converter", () => {
  it.each(streams)("%s: every chunk is schema-valid, with and without usage requested", async (name) => {
    await replay(wire(name), openai.createStreamConverter(context, request));
    await replay(wire(name), openai.createStreamConverter(context, withUsage));
  });

  it("passes OpenAI's text through and reports usage", async () => {
    const converter = openai.createStreamConverter(context, withUsage);
    const chunks = await replay(wire("openai-text.chunks.txt"), converter);
    expect(chunks).toHaveLength(lines("openai-text.chunks.txt").length);
    expect(text(chunks)).toMatch(/^\*\*Holiday Name:\*\* Harmony Day/);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(300);
    expect(converter.usage()).toEqual({ inputTokens: 16, outputTokens: 300, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("hides the usage chunk from a client that did not ask, but still counts usage", async () => {
    const converter = openai.createStreamConverter(context, request);
    const chunks = await replay(wire("openai-text.chunks.txt"), converter);
    expect(chunks).toHaveLength(lines("openai-text.chunks.txt").length - 1);
    expect(chunks.every((chunk) => chunk.usage === undefined && chunk.choices.length === 1)).toBe(true);
    expect(JSON.stringify(chunks)).not.toContain('"usage"');
    expect(converter.usage()?.outputTokens).toBe(300);
  });

  it("strips usage from a vendor's finish chunk when not asked (Groq)", async () => {
    const converter = openai.createStreamConverter(context, request);
    const chunks = await replay(wire("groq-tool-call.chunks.txt"), converter);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)).not.toHaveProperty("usage", expect.anything());
    expect(converter.usage()).toEqual({ inputTokens: 210, outputTokens: 15, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("indexes and types Mistral's tool call deltas", async () => {
    const chunks = await replay(wire("mistral-tool-call.chunks.txt"), openai.createStreamConverter(context, request));
    const call = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])[0];
    expect(call).toEqual({ index: 0, id: "gSIMJiOkT", type: "function", function: { name: "weather", arguments: '{"location": "San Francisco"}' } });
  });

  it("reassembles DeepSeek's streamed tool call arguments", async () => {
    const converter = openai.createStreamConverter(context, request);
    const chunks = await replay(wire("deepseek-tool-call.chunks.txt"), converter);
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({ index: 0, type: "function", function: { name: "weather" } });
    expect(JSON.parse(deltas.map((delta) => delta.function?.arguments ?? "").join(""))).toEqual({ location: "San Francisco" });
    expect(converter.usage()).toEqual({ inputTokens: 19, outputTokens: 83, cacheReadTokens: 320, cacheWriteTokens: 0, reasoningTokens: 39 });
  });

  it("accepts a stream without [DONE] once a finish_reason was seen", async () => {
    const chunks = await replay(wire("mistral-text.chunks.txt", false), openai.createStreamConverter(context, request));
    expect(text(chunks)).toContain("Hello");
  });

  it("fails when the stream ends before a finish_reason or [DONE]", async () => {
    const cut = lines("openai-text.chunks.txt").slice(0, 5).map((line) => `data: ${line}\n\n`).join("");
    await expect(replay(cut, openai.createStreamConverter(context, request))).rejects.toMatchObject({
      status: 502,
      code: "stream_ended_early",
    });
  });

  it("turns an in-stream error payload into a GatewayError", () => {
    const converter = openai.createStreamConverter(context, request);
    const payload = JSON.stringify({ error: { message: "The server had an error", type: "server_error", code: null, param: null } });
    expect(() => converter.push({ event: undefined, data: payload })).toThrow(GatewayError);
    try {
      converter.push({ event: undefined, data: payload });
    } catch (error) {
      expect(error).toMatchObject({ status: 502, retryable: true });
      expect((error as Error).message).toContain("The server had an error");
    }
  });

  it("rejects a payload that is not JSON with a 502", () => {
    const converter = openai.createStreamConverter(context, request);
    expect(() => converter.push({ event: undefined, data: "{not json" })).toThrow(/could not read/);
  });
});
