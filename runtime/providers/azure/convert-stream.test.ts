import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replaySse as replay, streamedContent as content } from "../../../test/support/replay-stream.ts";
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import type { ProviderContext } from "../types.ts";
import { azure } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "gpt" };
const request: ChatCompletionRequest = { model: "gpt", messages: [{ role: "user", content: "Hi" }], stream: true };
const withUsage: ChatCompletionRequest = { ...request, stream_options: { include_usage: true } };

function lines(name: string): string[] {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8").split("\n").filter((line) => line.length > 0);
}

/** Framed as Azure sends it: `data: LINE\n\n` ... `data: [DONE]\n\n`. */
function wire(name: string, done = true): string {
  return lines(name).map((line) => `data: ${line}\n\n`).join("") + (done ? "data: [DONE]\n\n" : "");
}

describe("azure stream converter", () => {
  it.each(["openai-text.chunks.txt", "azure-text.chunks.txt", "azure-tool-call.chunks.txt"])(
    "%s: every chunk is schema-valid, with and without usage requested",
    async (name) => {
      await replay(wire(name), azure.createStreamConverter(context, request));
      await replay(wire(name), azure.createStreamConverter(context, withUsage));
    },
  );

  it("drops the prompt_filter_results chunk and the asynchronous filter's annotations", async () => {
    const converter = azure.createStreamConverter(context, withUsage);
    const chunks = await replay(wire("azure-text.chunks.txt"), converter);
    expect(chunks.every((chunk) => chunk.id === "chatcmpl-9ysXaBcDeFgHiJkLmNoPqRsTuVwXy")).toBe(true);
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);
    // 8 lines: one prompt annotation and one offsets annotation are dropped.
    expect(chunks).toHaveLength(6);
    expect(content(chunks)).toBe("Azure OpenAI supports customer managed keys.");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 11 });
    expect(converter.usage()).toEqual({ inputTokens: 20, outputTokens: 11, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("hides usage from clients that did not ask for it, but still records it", async () => {
    const converter = azure.createStreamConverter(context, request);
    const chunks = await replay(wire("azure-text.chunks.txt"), converter);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(chunks).toHaveLength(5);
    expect(converter.usage()?.outputTokens).toBe(11);
  });

  it("streams tool-call deltas", async () => {
    const chunks = await replay(wire("azure-tool-call.chunks.txt"), azure.createStreamConverter(context, request));
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, id: "call_Kq3nE8bGv2uTqYx7Zr1cM0aP", type: "function", function: { name: "weather" } });
    expect(calls.map((call) => call.function?.arguments ?? "").join("")).toBe('{"location": "San Francisco"}');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("passes finish_reason content_filter through", async () => {
    const filtered = lines("azure-text.chunks.txt")
      .slice(0, 3)
      .concat(JSON.stringify({ choices: [{ content_filter_results: { violence: { filtered: true, severity: "medium" } }, delta: {}, finish_reason: "content_filter", index: 0 }], created: 1724257700, id: "chatcmpl-x", model: "gpt-4o", object: "chat.completion.chunk" }));
    const chunks = await replay(filtered.map((line) => `data: ${line}\n\n`).join("") + "data: [DONE]\n\n", azure.createStreamConverter(context, request));
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("content_filter");
  });

  it("reports a stream cut before [DONE] and before any finish_reason", async () => {
    const cut = lines("azure-text.chunks.txt").slice(0, 4).map((line) => `data: ${line}\n\n`).join("");
    await expect(replay(cut, azure.createStreamConverter(context, request))).rejects.toMatchObject({ status: 502, code: "stream_ended_early" });
  });
});
