import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replaySse as replay } from "../../../test/support/replay-stream.ts";
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import type { ProviderContext } from "../types.ts";
import { mistral } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "small" };
const request: ChatCompletionRequest = { model: "small", messages: [{ role: "user", content: "Hi" }], stream: true };
const withUsage: ChatCompletionRequest = { ...request, stream_options: { include_usage: true } };

function lines(name: string): string[] {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8").split("\n").filter((line) => line.length > 0);
}

/** Framed as Mistral sends it: `data: LINE\n\n`, then `data: [DONE]\n\n`. */
function wire(name: string, done = true): string {
  return lines(name).map((line) => `data: ${line}\n\n`).join("") + (done ? "data: [DONE]\n\n" : "");
}

describe("mistral stream converter (recorded streams)", () => {
  it("streams text and records usage from the finishing chunk", async () => {
    const converter = mistral.createStreamConverter(context, request);
    const chunks = await replay(wire("mistral-text.chunks.txt"), converter);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hello, world! This is a test response.");
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(converter.usage()).toEqual({ inputTokens: 13, outputTokens: 8, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("forwards usage when asked", async () => {
    const chunks = await replay(wire("mistral-text.chunks.txt"), mistral.createStreamConverter(context, withUsage));
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 8, total_tokens: 21 });
  });

  it("gives Mistral's whole-call tool deltas an index and a type", async () => {
    const chunks = await replay(wire("mistral-tool-call.chunks.txt"), mistral.createStreamConverter(context, withUsage));
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([{ index: 0, id: "gSIMJiOkT", type: "function", function: { name: "weather", arguments: '{"location": "San Francisco"}' } }]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    // Usage in a last chunk of its own, with no choices, as OpenAI sends it.
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toBeDefined();
    expect(chunks.at(-2)).not.toHaveProperty("usage", expect.anything());
  });

  it("names the role on each choice's first delta, never as null", async () => {
    const chunks = await replay(wire("mistral-text.chunks.txt"), mistral.createStreamConverter(context, request));
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    for (const chunk of chunks) expect(chunk.choices[0]?.delta.role).not.toBeNull();
  });

  it("reports a stream cut before the finish", async () => {
    const cut = lines("mistral-text.chunks.txt").slice(0, 3).map((line) => `data: ${line}\n\n`).join("");
    await expect(replay(cut, mistral.createStreamConverter(context, request))).rejects.toMatchObject({ status: 502, code: "stream_ended_early" });
  });
});

describe("mistral stream errors", () => {
  it("maps an error sent in Mistral's shape inside the stream", async () => {
    const first = lines("mistral-text.chunks.txt")[0]!;
    const error = JSON.stringify({ object: "error", message: "Internal server error", type: "internal_server_error", param: null, code: null });
    await expect(replay(`data: ${first}\n\ndata: ${error}\n\n`, mistral.createStreamConverter(context, request))).rejects.toMatchObject({
      status: 502,
      retryable: true,
      message: expect.stringContaining("Internal server error"),
    });
  });
});

describe("mistral reasoning models (Magistral) streaming", () => {
  it("streams thinking parts as reasoning_content and text parts as string content (never an array)", async () => {
    const events = [
      { id: "m1", object: "chat.completion.chunk", created: 1, model: "magistral-small-latest", choices: [{ index: 0, delta: { role: "assistant", content: [{ type: "thinking", thinking: [{ type: "text", text: "Hmm." }] }] }, finish_reason: null }] },
      { id: "m1", object: "chat.completion.chunk", created: 1, model: "magistral-small-latest", choices: [{ index: 0, delta: { content: [{ type: "text", text: "Hi" }] }, finish_reason: null }] },
      { id: "m1", object: "chat.completion.chunk", created: 1, model: "magistral-small-latest", choices: [{ index: 0, delta: { content: "!" }, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } },
    ];
    const converter = mistral.createStreamConverter(context, request);
    const chunks = await replay(`${events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join("")}data: [DONE]\n\n`, converter);
    for (const chunk of chunks) expect(typeof (chunk.choices[0]?.delta.content ?? "")).toBe("string");
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hi!");
    expect(chunks.map((chunk) => (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? "").join("")).toBe("Hmm.");
  });
});
