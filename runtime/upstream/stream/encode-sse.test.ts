import { describe, expect, it } from "vitest";
import { GatewayError } from "../../http/errors.ts";
import type { ChatCompletionChunk } from "../../http/openai-types.ts";
import { validateChatCompletionChunk, validateErrorResponse } from "../../../test/support/openai-schema.ts";
import { byteStream } from "./byte-stream.ts";
import { decodeSse } from "./decode-sse.ts";
import { encodeSseChunk, encodeSseError, encodeSseEvent, sseDone } from "./encode-sse.ts";

const decoder = new TextDecoder();

const chunk: ChatCompletionChunk = {
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1770000000,
  model: "gpt-4o-mini",
  choices: [{ index: 0, delta: { content: "line one\nline two \u2028 ü" }, finish_reason: null }],
};

describe("encode-sse", () => {
  it("frames a chunk as one data event that decodes back to the same JSON", async () => {
    const bytes = encodeSseChunk(chunk);
    const text = decoder.decode(bytes);
    expect(text.startsWith("data: ")).toBe(true);
    expect(text.endsWith("\n\n")).toBe(true);
    expect(text.slice(0, -2)).not.toContain("\n");
    const events = [];
    for await (const event of decodeSse(byteStream([bytes, sseDone]))) events.push(event);
    expect(events).toHaveLength(2);
    expect(JSON.parse(events[0]!.data)).toEqual(chunk);
    expect(validateChatCompletionChunk(JSON.parse(events[0]!.data))).toEqual([]);
    expect(events[1]).toEqual({ event: undefined, data: "[DONE]" });
  });

  it("has the exact [DONE] terminator", () => {
    expect(decoder.decode(sseDone)).toBe("data: [DONE]\n\n");
  });

  it("frames a GatewayError in OpenAI's error shape", () => {
    const error = new GatewayError({ status: 502, type: "upstream_error", message: "upstream went away", code: "stream_ended_early" });
    const text = decoder.decode(encodeSseError(error));
    const body: unknown = JSON.parse(text.slice("data: ".length));
    expect(body).toEqual({ error: { message: "upstream went away", type: "upstream_error", param: null, code: "stream_ended_early" } });
    expect(validateErrorResponse(body)).toEqual([]);
  });

  it("frames a named event", () => {
    expect(decoder.decode(encodeSseEvent("ping", { type: "ping" }))).toBe('event: ping\ndata: {"type":"ping"}\n\n');
  });
});
