/** OpenAI's and Azure's Responses API spoken natively: the request sent, gw's usage over recorded Responses and their streams. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../http/errors.ts";
import type { ChatCompletionChunk } from "../../http/openai-types.ts";
import { testDeployment } from "../../testing/deployment.ts";
import { azure } from "../azure/index.ts";
import type { NativeAdapter, ProviderContext, UpstreamEvent } from "../types.ts";
import { openai } from "./index.ts";
import { createResponsesStreamConverter } from "./native-responses.ts";
import { presetAdapters } from "../presets.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "gpt" };
const chatRequest = { model: "gpt", messages: [{ role: "user" as const, content: "x" }] };

function fixture(name: string): string {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8");
}

/** A recorded stream's events as OpenAI frames them: `event: TYPE` and the line as data. */
function events(name: string): UpstreamEvent[] {
  return fixture(name)
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => ({ event: (JSON.parse(line) as { type: string }).type, data: line }));
}

function native(adapter: { responses?: NativeAdapter }): NativeAdapter {
  if (adapter.responses === undefined) throw new Error("no native Responses adapter");
  return adapter.responses;
}

const openaiDeployment = testDeployment({ id: "gpt/0", provider: "openai", model: "gpt-4.1-nano", baseUrl: "https://api.openai.com/v1", apiKey: "sk-upstream" });
const body = { model: "gpt", input: "Hi", tools: [{ type: "web_search" }], include: ["web_search_call.action.sources"], background: false, truncation: "auto" };

describe("the native Responses request", () => {
  it("goes to OpenAI's /responses as the client sent it, with the deployment's model and key", () => {
    const sent = native(openai).buildRequest(body, openaiDeployment, false, null);
    expect(sent).toMatchObject({ url: "https://api.openai.com/v1/responses", method: "POST" });
    expect(sent.headers).toMatchObject({ authorization: "Bearer sk-upstream", accept: "application/json", "content-type": "application/json" });
    expect(JSON.parse(sent.body)).toEqual({ ...body, model: "gpt-4.1-nano" });
    const streamed = native(openai).buildRequest({ ...body, stream: true }, openaiDeployment, true, null);
    expect(streamed.headers.accept).toBe("text/event-stream");
    expect(JSON.parse(streamed.body)).toMatchObject({ stream: true, model: "gpt-4.1-nano" });
  });

  it("goes to Azure's v1 /openai/v1/responses, or /openai/responses?api-version= for a dated version since 2025-03-01-preview, with the api-key", () => {
    const base = testDeployment({ id: "az/0", provider: "azure", model: "my-gpt", baseUrl: "https://contoso.openai.azure.com/openai/v1", apiKey: "azure-key", options: {} });
    const v1 = native(azure).buildRequest(body, base, false, null);
    expect(v1.url).toBe("https://contoso.openai.azure.com/openai/v1/responses");
    expect(v1.headers["api-key"]).toBe("azure-key");
    expect(v1.headers).not.toHaveProperty("authorization");
    expect(JSON.parse(v1.body).model).toBe("my-gpt");
    const dated = { ...base, options: { apiVersion: "2025-04-01-preview" } };
    expect(native(azure).buildRequest(body, dated, false, null).url).toBe("https://contoso.openai.azure.com/openai/responses?api-version=2025-04-01-preview");
    expect(native(azure).buildRequest(body, { ...base, options: { apiVersion: "preview" } }, false, null).url).toBe("https://contoso.openai.azure.com/openai/v1/responses?api-version=preview");
    expect(native(azure).serves(dated)).toBe(true);
    expect(native(azure).serves(base)).toBe(true);
    // A dated version from before the Responses API: translated through chat.
    expect(native(azure).serves({ ...base, options: { apiVersion: "2024-10-21" } })).toBe(false);
  });

  it("is OpenAI's and Azure's only: OpenAI-compatible presets answer through chat", () => {
    expect(presetAdapters.vllm.responses).toBeUndefined();
    expect(presetAdapters.groq.responses).toBeUndefined();
  });
});

describe("gw's usage of a native Response", () => {
  it("reads a recorded Response's usage (input includes the cached tokens, output the reasoning ones)", () => {
    expect(native(openai).usageOf(JSON.parse(fixture("openai-web-search-tool.1.json")), context)).toEqual({ inputTokens: 327, outputTokens: 770, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
    const cached = { object: "response", usage: { input_tokens: 100, input_tokens_details: { cached_tokens: 60, cache_write_tokens: 10 }, output_tokens: 50, output_tokens_details: { reasoning_tokens: 20 }, total_tokens: 150 } };
    expect(native(openai).usageOf(cached, context)).toEqual({ inputTokens: 30, outputTokens: 50, cacheReadTokens: 60, cacheWriteTokens: 10, reasoningTokens: 20 });
    // A background response still queued has no usage yet.
    expect(native(openai).usageOf({ object: "response", status: "queued", usage: null }, context).inputTokens).toBe(0);
    expect(() => native(openai).usageOf({ choices: [] }, context)).toThrow(GatewayError);
  });

  it("reads a recorded stream: the text as content deltas, response.completed's usage, complete at the end", () => {
    const converter = native(openai).createStreamConverter(context, chatRequest);
    const chunks: ChatCompletionChunk[] = events("issue-20047-openai-responses.chunks.txt").flatMap((event) => converter.push(event));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("OK");
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(converter.end()).toEqual([]);
    expect(converter.usage()).toEqual({ inputTokens: 12, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("reads function calls as tool-call deltas, and an incomplete response as a length stop", () => {
    const converter = createResponsesStreamConverter("openai", context);
    const push = (type: string, fields: Record<string, unknown>): ChatCompletionChunk[] => converter.push({ event: type, data: JSON.stringify({ type, ...fields }) });
    expect(push("response.output_item.added", { output_index: 1, item: { type: "function_call", call_id: "call_1", name: "weather", arguments: "" } })[0]?.choices[0]?.delta.tool_calls).toEqual([
      { index: 0, id: "call_1", type: "function", function: { name: "weather", arguments: "" } },
    ]);
    expect(push("response.function_call_arguments.delta", { output_index: 1, delta: '{"city"' })[0]?.choices[0]?.delta.tool_calls).toEqual([{ index: 0, function: { arguments: '{"city"' } }]);
    const last = push("response.incomplete", { response: { status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, usage: { input_tokens: 5, output_tokens: 9 } } });
    expect(last[0]?.choices[0]?.finish_reason).toBe("length");
    expect(converter.usage()?.outputTokens).toBe(9);
  });

  it("throws the stream's error: an `error` event, response.failed, or an end before the final event", () => {
    const errored = createResponsesStreamConverter("openai", context);
    expect(() => errored.push({ event: "error", data: JSON.stringify({ type: "error", code: "rate_limit_exceeded", message: "Slow down", param: null, sequence_number: 3 }) })).toThrow(
      expect.objectContaining({ status: 429, message: expect.stringContaining("Slow down") }),
    );
    const failed = createResponsesStreamConverter("openai", context);
    expect(() => failed.push({ event: "response.failed", data: JSON.stringify({ type: "response.failed", response: { status: "failed", error: { code: "server_error", message: "Boom" } } }) })).toThrow(
      expect.objectContaining({ status: 502, retryable: true }),
    );
    const cut = createResponsesStreamConverter("openai", context);
    for (const event of events("issue-20047-openai-responses.chunks.txt").slice(0, 5)) cut.push(event);
    expect(() => cut.end()).toThrow(expect.objectContaining({ code: "stream_ended_early" }));
  });
});
