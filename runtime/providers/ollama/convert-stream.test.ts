import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replayEvents } from "../../../test/support/replay-stream.ts";
import type { ChatCompletionChunk, ChatCompletionRequest } from "../../http/openai-types.ts";
import { byteStream } from "../../upstream/stream/byte-stream.ts";
import { decodeNdjson } from "../../upstream/stream/decode-ndjson.ts";
import type { ProviderContext, StreamConverter } from "../types.ts";
import { ollama } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "llama" };
const request: ChatCompletionRequest = { model: "llama", messages: [{ role: "user", content: "Hi" }], stream: true };
const withUsage: ChatCompletionRequest = { ...request, stream_options: { include_usage: true } };

/** NDJSON built from Ollama's API reference (see __fixtures__/README.md). */
function lines(name: string): string[] {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8").split("\n").filter((line) => line.length > 0);
}

/** Replays lines through the central NDJSON decoder, split at awkward places like a network would. */
function replay(ndjson: string, converter: StreamConverter): Promise<ChatCompletionChunk[]> {
  const pieces = [ndjson.slice(0, 37), ndjson.slice(37, 200), ndjson.slice(200)];
  return replayEvents(decodeNdjson(byteStream(pieces)), converter);
}

function wire(name: string): string {
  return lines(name).join("\n") + "\n";
}

describe("ollama stream converter", () => {
  it("streams content deltas, then the finish chunk, recording usage", async () => {
    const converter = ollama.createStreamConverter(context, request);
    const chunks = await replay(wire("ollama-text.chunks.txt"), converter);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "The" });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("The sky is blue because of Rayleigh scattering.");
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.every((chunk) => chunk.id === "chatcmpl-req_1" && chunk.model === "llama3.2")).toBe(true);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(converter.usage()).toEqual({ inputTokens: 26, outputTokens: 282, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("ends with a usage chunk when the client asked for it", async () => {
    const chunks = await replay(wire("ollama-text.chunks.txt"), ollama.createStreamConverter(context, withUsage));
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 26, completion_tokens: 282, total_tokens: 308 } });
  });

  it("streams a whole tool call as one delta and finishes with tool_calls", async () => {
    const chunks = await replay(wire("ollama-tool-call.chunks.txt"), ollama.createStreamConverter(context, request));
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([
      { index: 0, id: "call_req_1_0", type: "function", function: { name: "get_current_weather", arguments: '{"format":"celsius","location":"Paris, FR"}' } },
    ]);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("numbers tool calls across lines", async () => {
    const call = (name: string) => JSON.stringify({ model: "m", message: { role: "assistant", content: "", tool_calls: [{ function: { name, arguments: {} } }] }, done: false });
    const text = [call("a"), call("b"), JSON.stringify({ model: "m", message: { role: "assistant", content: "" }, done: true, done_reason: "stop" })].join("\n");
    const chunks = await replay(text, ollama.createStreamConverter(context, request));
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls.map((entry) => [entry.index, entry.id, entry.function?.name])).toEqual([
      [0, "call_req_1_0", "a"],
      [1, "call_req_1_1", "b"],
    ]);
  });

  it("forwards thinking as reasoning_content deltas", async () => {
    const text = [
      JSON.stringify({ model: "deepseek-r1", message: { role: "assistant", content: "", thinking: "Counting r's" }, done: false }),
      JSON.stringify({ model: "deepseek-r1", message: { role: "assistant", content: "Three." }, done: false }),
      JSON.stringify({ model: "deepseek-r1", message: { role: "assistant", content: "" }, done: true, done_reason: "stop", prompt_eval_count: 10, eval_count: 20 }),
    ].join("\n");
    const chunks = await replay(text, ollama.createStreamConverter(context, request));
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", reasoning_content: "Counting r's" });
    expect(chunks[1]!.choices[0]!.delta).toEqual({ content: "Three." });
  });

  it("throws a mapped error for an error line mid-stream", async () => {
    const text = [lines("ollama-text.chunks.txt")[0], JSON.stringify({ error: "llama runner process has terminated: signal: killed" })].join("\n");
    await expect(replay(text, ollama.createStreamConverter(context, request))).rejects.toMatchObject({ status: 502, retryable: true });
  });

  it("reports a stream cut before the done line", async () => {
    const text = lines("ollama-text.chunks.txt").slice(0, 3).join("\n");
    await expect(replay(text, ollama.createStreamConverter(context, request))).rejects.toMatchObject({ status: 502, code: "stream_ended_early" });
  });
});
