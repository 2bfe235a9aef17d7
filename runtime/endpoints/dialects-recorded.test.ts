/**
 * Every dialect at the edge over every provider's recorded answers: each recorded answer and
 * stream (test/support/recorded-answers.ts: OpenAI, DeepSeek, Groq, xAI, Mistral, Anthropic,
 * Cohere, Gemini, Ollama, Bedrock) goes through the provider's converter into chat, then out as a
 * chat completion (OpenAI's schema), as an Anthropic Message and its event stream (Anthropic's
 * documented shapes and event order, schemas/anthropic/messages.schema.json) and as a Responses
 * object and its events (OpenAI's Response and ResponseStreamEvent schemas). The text, tool calls
 * and usage must come out the same in every dialect.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseMessagesEvents, validateAnthropicError, validateAnthropicMessage, validateMessagesStream } from "../../test/support/anthropic-schema.ts";
import { validateChatCompletion, validateChatCompletionChunk, validateResponse, validateResponseStreamEvent } from "../../test/support/openai-schema.ts";
import { recordedAnswer, recordedChunks, recordings } from "../../test/support/recorded-answers.ts";
import { GatewayError } from "../http/errors.ts";
import type { ChatCompletionChunk } from "../http/openai-types.ts";
import type { StreamEncoder } from "../http/respond.ts";
import { anthropicErrorBody, createMessagesStreamEncoder, toAnthropicMessage } from "./messages-answer.ts";
import { toResponsePayload } from "./responses-answer.ts";
import { parseResponsesRequest, type ResponsesTurn, turnOf } from "./responses-request.ts";
import { createResponsesStream } from "./responses-stream.ts";

const all = recordings();
const whole = all.filter((recording) => recording.kind === "whole");
const streams = all.filter((recording) => recording.kind === "stream");
const label = (recording: (typeof all)[number]) => `${recording.provider.folder}/${recording.name}`;
const decoder = new TextDecoder();

function turn(): ResponsesTurn {
  const chat = parseResponsesRequest({ model: "chat", input: "Hi" });
  if (chat instanceof GatewayError) throw chat;
  const value = turnOf(chat);
  value.id = "resp_recorded_1";
  value.createdAt = 1770000000;
  return value;
}

/** A dialect's whole stream body for `chunks`, as the runtime writes it (each chunk, then end). */
function encodeAll(encoder: StreamEncoder, chunks: ChatCompletionChunk[]): string {
  let body = "";
  for (const chunk of chunks) {
    const bytes = encoder.chunk(chunk);
    if (bytes !== null) body += decoder.decode(bytes);
  }
  const closing = encoder.end(undefined);
  return closing === null ? body : body + decoder.decode(closing);
}

/** What a stream of chat chunks says: text, reasoning, tool calls (name + arguments) of choice 0. */
function chatSays(chunks: ChatCompletionChunk[]): { text: string; refusal: string; reasoning: string; calls: string[] } {
  let text = "";
  let refusal = "";
  let reasoning = "";
  const calls: Array<{ name: string; args: string }> = [];
  for (const chunk of chunks) {
    const delta = chunk.choices[0]?.delta as (ChatCompletionChunk["choices"][number]["delta"] & { reasoning_content?: string; refusal?: string | null }) | undefined;
    if (delta === undefined) continue;
    text += delta.content ?? "";
    refusal += delta.refusal ?? "";
    reasoning += delta.reasoning_content ?? "";
    for (const call of delta.tool_calls ?? []) {
      const open = (calls[call.index] ??= { name: "", args: "" });
      open.name += call.function?.name ?? "";
      open.args += call.function?.arguments ?? "";
    }
  }
  return { text, refusal, reasoning, calls: calls.map((call) => `${call.name}(${call.args})`) };
}

describe("recorded answers in every dialect", () => {
  it("finds recordings of every provider, whole and streamed", () => {
    const folders = new Set(all.map((recording) => recording.provider.folder));
    expect([...folders].sort()).toEqual(["anthropic", "bedrock", "cohere", "gemini", "mistral", "ollama", "openai"]);
    expect(whole.length).toBeGreaterThanOrEqual(20);
    expect(streams.length).toBeGreaterThanOrEqual(20);
  });

  it.each(whole.map((recording) => [label(recording), recording] as const))("%s: chat, Message and Response are each valid and say the same", (_, recording) => {
    const { completion, usage } = recordedAnswer(recording);
    expect(validateChatCompletion(JSON.parse(JSON.stringify(completion)))).toEqual([]);
    const message = JSON.parse(JSON.stringify(toAnthropicMessage(completion, usage))) as { content: Array<Record<string, unknown>>; usage: Record<string, number>; stop_reason: string };
    expect(validateAnthropicMessage(message)).toEqual([]);
    const response = JSON.parse(JSON.stringify(toResponsePayload(turn(), completion, 1770000005))) as { output: Array<Record<string, unknown>>; usage: Record<string, number> };
    expect(validateResponse(response)).toEqual([]);

    const chatMessage = completion.choices[0]!.message;
    const text = typeof chatMessage.content === "string" ? chatMessage.content : "";
    const messageText = message.content.filter((block) => block.type === "text").map((block) => block.text).join("");
    const responseText = response.output
      .filter((item) => item.type === "message")
      .flatMap((item) => item.content as Array<{ type: string; text?: string }>)
      .filter((part) => part.type === "output_text")
      .map((part) => part.text)
      .join("");
    expect(messageText === text || (text === "" && messageText === (chatMessage as { refusal?: string }).refusal)).toBe(true);
    expect(responseText === text || text === "").toBe(true);
    const calls = (chatMessage.tool_calls ?? []).map((call) => call.function.name);
    expect(message.content.filter((block) => block.type === "tool_use").map((block) => block.name)).toEqual(calls);
    expect(response.output.filter((item) => item.type === "function_call").map((item) => item.name)).toEqual(calls);
    if (calls.length > 0) expect(message.stop_reason).toBe("tool_use");
    // Usage: Anthropic's input_tokens leaves cached tokens out; the totals agree.
    expect(message.usage.output_tokens).toBe(usage.outputTokens);
    expect(message.usage.input_tokens! + message.usage.cache_read_input_tokens! + message.usage.cache_creation_input_tokens!).toBe(
      usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens,
    );
    expect(response.usage.output_tokens).toBe(usage.outputTokens);
  });

  it.each(streams.map((recording) => [label(recording), recording] as const))("%s: chat chunks, Messages events and Responses events are valid and say the same", async (_, recording) => {
    const chunks = await recordedChunks(recording);
    for (const chunk of chunks) expect(validateChatCompletionChunk(JSON.parse(JSON.stringify(chunk)))).toEqual([]);
    const said = chatSays(chunks);

    const events = parseMessagesEvents(encodeAll(createMessagesStreamEncoder(), chunks));
    expect(validateMessagesStream(events)).toEqual([]);
    const deltas = events.filter((event) => event.event === "content_block_delta").map((event) => event.data.delta as Record<string, string>);
    expect(deltas.filter((delta) => delta.type === "text_delta").map((delta) => delta.text).join("")).toBe(said.text + said.refusal);
    expect(deltas.filter((delta) => delta.type === "thinking_delta").map((delta) => delta.thinking).join("")).toBe(said.reasoning);
    const toolStarts = events.filter((event) => event.event === "content_block_start" && (event.data.content_block as { type: string }).type === "tool_use");
    expect(toolStarts.map((event) => (event.data.content_block as { name: string }).name)).toEqual(said.calls.map((call) => call.slice(0, call.indexOf("("))));
    const arguments_ = deltas.filter((delta) => delta.type === "input_json_delta").map((delta) => delta.partial_json).join("");
    expect(arguments_).toBe(said.calls.map((call) => call.slice(call.indexOf("(") + 1, -1)).join(""));

    const responseEvents = parseMessagesEvents(encodeAll(createResponsesStream(turn(), () => 1770000005), chunks));
    for (const event of responseEvents) {
      expect(event.data.type).toBe(event.event);
      expect(validateResponseStreamEvent(event.data), String(event.event)).toEqual([]);
    }
    expect(responseEvents[0]?.event).toBe("response.created");
    expect(["response.completed", "response.incomplete"]).toContain(responseEvents.at(-1)?.event);
    const final = responseEvents.at(-1)!.data.response as { output: Array<Record<string, unknown>> };
    expect(validateResponse(final)).toEqual([]);
    const text = responseEvents.filter((event) => event.event === "response.output_text.delta").map((event) => event.data.delta).join("");
    expect(text).toBe(said.text);
  });
});

describe("Anthropic's own recordings against the Messages schema (the schema matches what Anthropic sends)", () => {
  const folder = new URL("../providers/anthropic/__fixtures__/", import.meta.url);
  const anthropicWhole = whole.filter((recording) => recording.provider.folder === "anthropic");
  const anthropicStreams = streams.filter((recording) => recording.provider.folder === "anthropic");

  it.each(anthropicWhole.map((recording) => recording.name))("%s.json is a valid Message", (name) => {
    expect(validateAnthropicMessage(JSON.parse(readFileSync(new URL(`${name}.json`, folder), "utf8")))).toEqual([]);
  });

  it.each(anthropicStreams.map((recording) => recording.name))("%s.chunks.txt is a valid event stream", (name) => {
    const lines = readFileSync(new URL(`${name}.chunks.txt`, folder), "utf8").split("\n").filter((line) => line.trim() !== "");
    const events = lines.map((line) => {
      const data = JSON.parse(line) as Record<string, unknown>;
      return { event: String(data.type), data };
    });
    expect(validateMessagesStream(events)).toEqual([]);
  });

  it("rejects what Anthropic would never send: a stray field, a delta of the wrong kind, a missing message_stop", () => {
    const message = JSON.parse(readFileSync(new URL("anthropic-text.json", folder), "utf8")) as Record<string, unknown>;
    expect(validateAnthropicMessage({ ...message, choices: [] })).not.toEqual([]);
    expect(validateAnthropicMessage({ ...message, stop_reason: "stop" })).not.toEqual([]);
    const start = { event: "message_start", data: { type: "message_start", message: { ...message, content: [], stop_reason: null } } };
    const block = { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } } };
    const wrong = { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: "{" } } };
    const stop = { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } };
    const delta = { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 1 } } };
    expect(validateMessagesStream([start, block, wrong, stop, delta, { event: "message_stop", data: { type: "message_stop" } }]).join("\n")).toMatch(/input_json_delta in a text block/);
    expect(validateMessagesStream([start, block, stop, delta]).join("\n")).toMatch(/without message_stop/);
    expect(validateMessagesStream([start, block, delta]).join("\n")).toMatch(/while block 0 is open/);
  });

  it("gw's Anthropic error bodies are valid for each status gw answers with", () => {
    for (const status of [400, 401, 403, 404, 408, 413, 429, 500, 502, 503, 504, 529]) {
      expect(validateAnthropicError(anthropicErrorBody(new GatewayError({ status, type: "api_error", message: "m" }))), String(status)).toEqual([]);
    }
  });
});
