/**
 * Chat streams as Responses API events (responses-stream.ts) and whole answers as Response objects
 * (responses-answer.ts). The chat chunks come from recorded provider streams replayed through gw's
 * own converters (OpenAI-wire and Anthropic), as they reach the encoder at run time; every event
 * and response is checked against OpenAI's schemas.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replaySse } from "../../test/support/replay-stream.ts";
import { validateResponse, validateResponseStreamEvent } from "../../test/support/openai-schema.ts";
import { GatewayError } from "../http/errors.ts";
import type { ChatCompletion, ChatCompletionChunk } from "../http/openai-types.ts";
import { anthropic } from "../providers/anthropic/index.ts";
import { openai } from "../providers/openai/index.ts";
import type { ProviderContext } from "../providers/types.ts";
import { toResponsePayload } from "./responses-answer.ts";
import { decodeThinkingBlocks } from "./responses-reasoning.ts";
import { parseResponsesRequest, type ResponsesTurn, turnOf } from "./responses-request.ts";
import { createResponsesStream } from "./responses-stream.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "chat" };

function turnFor(body: Record<string, unknown>): ResponsesTurn {
  const chat = parseResponsesRequest({ model: "chat", input: "Hi", ...body });
  if (chat instanceof GatewayError) throw chat;
  const turn = turnOf(chat);
  turn.id = "resp_test_1";
  turn.createdAt = 1770000000;
  return turn;
}

function fixtureLines(provider: "openai" | "anthropic", name: string): string[] {
  return readFileSync(new URL(`../providers/${provider}/__fixtures__/${name}.chunks.txt`, import.meta.url), "utf8")
    .split("\n")
    .filter((line) => line.length > 0);
}

/** A recorded stream as the chat chunks gw's converter makes of it. */
async function recordedChunks(provider: "openai" | "anthropic", name: string): Promise<ChatCompletionChunk[]> {
  const lines = fixtureLines(provider, name);
  const request = { model: "chat", messages: [{ role: "user" as const, content: "Hi" }], stream: true, stream_options: { include_usage: true } };
  if (provider === "openai") return replaySse(lines.map((line) => `data: ${line}\n\n`).join("") + "data: [DONE]\n\n", openai.createStreamConverter(context, request));
  const wire = lines.map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`).join("");
  return replaySse(wire, anthropic.createStreamConverter(context, request));
}

interface Event {
  type: string;
  sequence_number: number;
  [key: string]: unknown;
}

/** The events of `bytes` (one or more `event: T\ndata: J\n\n`), each checked: named as its type, schema-valid. */
function decode(bytes: Uint8Array | null): Event[] {
  if (bytes === null) return [];
  return new TextDecoder()
    .decode(bytes)
    .split("\n\n")
    .filter((frame) => frame !== "")
    .map((frame) => {
      const [eventLine, dataLine] = frame.split("\n") as [string, string];
      const event = JSON.parse(dataLine.slice("data: ".length)) as Event;
      expect(eventLine).toBe(`event: ${event.type}`);
      expect(validateResponseStreamEvent(event), event.type).toEqual([]);
      return event;
    });
}

function run(turn: ResponsesTurn, chunks: ChatCompletionChunk[], failure?: GatewayError): Event[] {
  const encoder = createResponsesStream(turn, () => 1770000005);
  const events = chunks.flatMap((chunk) => decode(encoder.chunk(chunk)));
  events.push(...decode(failure === undefined ? encoder.end(undefined) : encoder.error(failure)));
  expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
  return events;
}

const types = (events: Event[]): string[] => events.map((event) => event.type);
const last = (events: Event[]): { response: Record<string, unknown> } => events.at(-1) as unknown as { response: Record<string, unknown> };

describe("createResponsesStream", () => {
  it("streams a text answer as one message item, and ends with response.completed holding the text and usage", async () => {
    const events = run(turnFor({}), await recordedChunks("openai", "openai-text"));
    expect(types(events).slice(0, 4)).toEqual(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]);
    expect(types(events).slice(-4)).toEqual(["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"]);
    const text = events.filter((event) => event.type === "response.output_text.delta").map((event) => event.delta).join("");
    expect(events.find((event) => event.type === "response.output_text.done")?.text).toBe(text);
    const response = last(events).response;
    expect(validateResponse(response)).toEqual([]);
    expect(response).toMatchObject({ id: "resp_test_1", status: "completed", completed_at: 1770000005, output: [{ type: "message", status: "completed", content: [{ type: "output_text", text }] }] });
    expect(response.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
    expect(events.some((event) => String(event.type).includes("DONE"))).toBe(false);
  });

  it("streams reasoning then a function call (grok through the OpenAI converter): summary deltas, argument deltas, both items done", async () => {
    const events = run(turnFor({ tools: [{ type: "function", name: "weather", parameters: { type: "object" } }] }), await recordedChunks("openai", "xai-tool-call"));
    const added = events.filter((event) => event.type === "response.output_item.added").map((event) => (event.item as { type: string }).type);
    expect(added).toEqual(["reasoning", "function_call"]);
    const summary = events.filter((event) => event.type === "response.reasoning_summary_text.delta").map((event) => event.delta).join("");
    expect(events.find((event) => event.type === "response.reasoning_summary_text.done")?.text).toBe(summary);
    const argumentsDone = events.find((event) => event.type === "response.function_call_arguments.done");
    const deltas = events.filter((event) => event.type === "response.function_call_arguments.delta").map((event) => event.delta).join("");
    expect(argumentsDone?.arguments).toBe(deltas);
    const response = last(events).response;
    expect(validateResponse(response)).toEqual([]);
    const output = response.output as Array<Record<string, unknown>>;
    expect(output[0]).toMatchObject({ type: "reasoning", summary: [{ type: "summary_text", text: summary }] });
    expect(output[1]).toMatchObject({ type: "function_call", status: "completed", arguments: deltas, call_id: expect.any(String), name: expect.any(String) });
    // The reasoning item is done before the call starts; the call is done at the finish.
    expect(types(events).indexOf("response.output_item.done")).toBeLessThan(types(events).lastIndexOf("response.output_item.added"));
  });

  it("carries Anthropic's thinking signature in the reasoning item's encrypted_content, with the thinking text", async () => {
    const events = run(turnFor({}), await recordedChunks("anthropic", "anthropic-clear-thinking.1"));
    const response = last(events).response;
    expect(validateResponse(response)).toEqual([]);
    const [reasoning, message] = response.output as Array<Record<string, unknown>>;
    expect(message).toMatchObject({ type: "message", content: [{ type: "output_text", text: "925 ÷ 5 = 185" }] });
    const summary = (reasoning?.summary as Array<{ text: string }>)[0]?.text;
    expect(summary).toContain("925");
    const blocks = decodeThinkingBlocks(reasoning?.encrypted_content);
    expect(blocks).toEqual([{ type: "thinking", thinking: summary, signature: expect.stringMatching(/^Ev/) }]);
  });

  it("ends with response.incomplete (max_output_tokens) after finish_reason length", () => {
    const chunk = (delta: ChatCompletionChunk["choices"][number]["delta"], finish: ChatCompletionChunk["choices"][number]["finish_reason"] = null): ChatCompletionChunk => ({
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      created: 1,
      model: "chat",
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const events = run(turnFor({ max_output_tokens: 2 }), [chunk({ role: "assistant", content: "Once upon" }), chunk({}, "length")]);
    expect(events.at(-1)?.type).toBe("response.incomplete");
    const response = last(events).response;
    expect(validateResponse(response)).toEqual([]);
    expect(response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, max_output_tokens: 2, output: [{ status: "incomplete" }] });
  });

  it("fails mid-stream with response.failed, then an error event in both shapes (top-level fields and the nested error the SDKs raise)", async () => {
    const chunks = (await recordedChunks("openai", "openai-text")).slice(0, 3);
    const failure = new GatewayError({ status: 429, type: "rate_limit_error", code: "rate_limit_exceeded", message: "Slow down." });
    const events = run(turnFor({}), chunks, failure);
    expect(types(events).slice(-2)).toEqual(["response.failed", "error"]);
    expect(validateResponse(events.at(-2)?.response)).toEqual([]);
    expect(events.at(-2)?.response).toMatchObject({ status: "failed", error: { code: "rate_limit_exceeded", message: "Slow down." } });
    expect(events.at(-1)).toMatchObject({ code: "rate_limit_exceeded", message: "Slow down.", param: null, error: { type: "rate_limit_error", message: "Slow down." } });
  });

  it("keeps the stream's response in the turn's store when it completes", async () => {
    const turn = turnFor({});
    const saved: unknown[][] = [];
    turn.save = (output) => saved.push(output);
    run(turn, await recordedChunks("openai", "openai-text"));
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject([{ type: "message" }]);
  });
});

describe("toResponsePayload", () => {
  const completion = (message: Partial<ChatCompletion["choices"][number]["message"]> & Record<string, unknown>, finish: ChatCompletion["choices"][number]["finish_reason"] = "stop"): ChatCompletion => ({
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model: "chat",
    choices: [{ index: 0, message: { role: "assistant", content: null, refusal: null, ...message }, finish_reason: finish, logprobs: null }],
    usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 3 } },
  });

  it("answers reasoning, text and function calls as output items, in that order, with the echo and usage", () => {
    const turn = turnFor({ instructions: "Be brief.", temperature: 0.5, metadata: { run: "1" }, tools: [{ type: "function", name: "weather", parameters: { type: "object" } }] });
    const thinking = [{ type: "thinking", thinking: "Check.", signature: "sig" }];
    const response = toResponsePayload(
      turn,
      completion({ content: "Let me check.", reasoning_content: "Check.", thinking_blocks: thinking, tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }] }, "tool_calls"),
      1770000009,
    );
    expect(validateResponse(response)).toEqual([]);
    expect(response.output.map((item) => item.type)).toEqual(["reasoning", "message", "function_call"]);
    expect(response.output[2]).toEqual({ type: "function_call", id: "fc_test_1_2", call_id: "call_1", name: "weather", arguments: '{"city":"Paris"}', status: "completed" });
    expect(decodeThinkingBlocks((response.output[0] as { encrypted_content?: string }).encrypted_content)).toEqual(thinking);
    expect(response).toMatchObject({
      id: "resp_test_1",
      object: "response",
      status: "completed",
      instructions: "Be brief.",
      temperature: 0.5,
      metadata: { run: "1" },
      store: false,
      tools: [{ type: "function", name: "weather", parameters: { type: "object" }, strict: null }],
      usage: { input_tokens: 12, input_tokens_details: { cached_tokens: 4 }, output_tokens: 8, output_tokens_details: { reasoning_tokens: 3 }, total_tokens: 20 },
    });
  });

  it("answers a refusal as a refusal part, and content_filter as incomplete", () => {
    const response = toResponsePayload(turnFor({}), completion({ refusal: "I can't help with that." }, "content_filter"), 1);
    expect(validateResponse(response)).toEqual([]);
    expect(response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "content_filter" }, output: [{ type: "message", content: [{ type: "refusal", refusal: "I can't help with that." }] }] });
  });
});
