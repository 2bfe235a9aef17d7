import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateChatCompletion, validateErrorResponse } from "../../../test/support/openai-schema.ts";
import { replaySse, streamedContent as text } from "../../../test/support/replay-stream.ts";
import type { ChatCompletionChunk, ChatCompletionRequest } from "../../http/openai-types.ts";
import type { ProviderContext } from "../types.ts";
import { vertex } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "public" };
const request: ChatCompletionRequest = { model: "public", messages: [{ role: "user", content: "Hi" }], stream: true, stream_options: { include_usage: true } };

/** Vertex answers with the Gemini and Anthropic formats: their recordings live in those providers' folders. */
function fixture(name: string): string {
  const folder = name.startsWith("anthropic-") ? "../anthropic/__fixtures__/" : "../gemini/__fixtures__/";
  return readFileSync(new URL(`${folder}${name}`, import.meta.url), "utf8");
}

function lines(name: string): string[] {
  return fixture(name)
    .split("\n")
    .filter((line) => line.trim().length > 0);
}

async function replay(wire: string): Promise<{ chunks: ChatCompletionChunk[]; usage: ReturnType<ReturnType<typeof vertex.createStreamConverter>["usage"]> }> {
  const converter = vertex.createStreamConverter(context, request);
  const chunks = await replaySse(wire, converter);
  return { chunks, usage: converter.usage() };
}

describe("vertex convertResponse recognizes the family from the answer", () => {
  it("a Gemini answer (google-text) goes through the Gemini converter", () => {
    const { completion, usage } = vertex.convertResponse(JSON.parse(fixture("google-text.json")), context);
    expect(validateChatCompletion(JSON.parse(JSON.stringify(completion)))).toEqual([]);
    expect(completion.choices[0]?.message.content).toContain("There are **3** r's in strawberry.");
    expect(usage.reasoningTokens).toBe(244);
  });

  it("a Gemini tool call (google-tool-call) becomes tool_calls", () => {
    const { completion } = vertex.convertResponse(JSON.parse(fixture("google-tool-call.json")), context);
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(completion.choices[0]?.message.tool_calls?.[0]?.function).toEqual({ name: "weather", arguments: '{"location":"San Francisco"}' });
  });

  it("an Anthropic Message (anthropic-text) goes through the Anthropic converter", () => {
    const body = JSON.parse(fixture("anthropic-text.json")) as { content: Array<{ type: string; text?: string }> };
    const { completion } = vertex.convertResponse(body, context);
    expect(validateChatCompletion(JSON.parse(JSON.stringify(completion)))).toEqual([]);
    expect(completion.choices[0]?.message.content).toBe(body.content.filter((block) => block.type === "text").map((block) => block.text).join(""));
  });

  it("an unreadable answer is a 502 naming vertex", () => {
    expect(() => vertex.convertResponse({ something: "else" }, context)).toThrow(/vertex upstream/);
  });
});

describe("vertex stream converter recognizes the family from the first event", () => {
  it("Gemini's unnamed events (google-text, google-tool-call)", async () => {
    const gemini = await replay(lines("google-text.chunks.txt").map((line) => `data: ${line}\r\n\r\n`).join(""));
    expect(text(gemini.chunks)).toBe('There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y');
    expect(gemini.usage?.reasoningTokens).toBe(185);
    const tool = await replay(lines("google-tool-call.chunks.txt").map((line) => `data: ${line}\r\n\r\n`).join(""));
    expect(tool.chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []))[0]?.function?.name).toBe("weather");
  });

  it("Claude's named events (anthropic-text)", async () => {
    const source = lines("anthropic-text.chunks.txt");
    const wire = source.map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`).join("");
    const expected = source
      .map((line) => JSON.parse(line) as { type: string; delta?: { type?: string; text?: string } })
      .filter((event) => event.type === "content_block_delta" && event.delta?.type === "text_delta")
      .map((event) => event.delta?.text ?? "")
      .join("");
    const { chunks, usage } = await replay(wire);
    expect(text(chunks)).toBe(expected);
    expect(usage?.outputTokens).toBeGreaterThan(0);
  });

  it("an empty stream is incomplete", () => {
    expect(() => vertex.createStreamConverter(context, request).end()).toThrow(expect.objectContaining({ code: "stream_ended_early" }) as Error);
  });
});

describe("vertex mapError", () => {
  it("maps Google's errors (google-429-retry-info) with the wait RetryInfo asks for", () => {
    const error = vertex.mapError(429, fixture("google-429-retry-info.json"), new Headers());
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 34_400 });
    expect(error.message).toMatch(/^The vertex upstream/);
    expect(validateErrorResponse(error.toJSON())).toEqual([]);
  });

  it("says an UNAUTHENTICATED answer is about gw's access token", () => {
    const body = JSON.stringify({ error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" } });
    const error = vertex.mapError(401, body, new Headers());
    expect(error).toMatchObject({ status: 401, retryable: false, code: "upstream_authentication_failed" });
    expect(error.message).toContain("service-account access token");
  });

  it("maps Claude's errors from rawPredict with the Anthropic mapper", () => {
    const body = JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
    expect(vertex.mapError(529, body, new Headers())).toMatchObject({ status: 503, retryable: true, code: "overloaded_error" });
    const invalid = JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: "max_tokens: too large" } });
    expect(vertex.mapError(400, invalid, new Headers())).toMatchObject({ status: 400, message: "max_tokens: too large" });
  });
});
