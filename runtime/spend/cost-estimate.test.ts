import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "../http/openai-types.ts";
import type { TokenPrice } from "../start/plan.ts";
import {
  defaultMaxOutputTokens,
  estimateChatCost,
  estimateEmbeddingCost,
  estimatePromptTokens,
  estimateTextTokens,
  tokensPerImage,
  tokensPerLowDetailImage,
  tokensPerMessage,
  tokensPerRequest,
  tokensPerTool,
} from "./cost-estimate.ts";

// $3 / $15 per million tokens, cache writes at $3.75 (Anthropic's Claude Sonnet prices).
const sonnet: TokenPrice = { input: 3e-6, output: 15e-6, cacheRead: 0.3e-6, cacheWrite: 3.75e-6 };
const gpt: TokenPrice = { input: 2.5e-6, output: 10e-6, cacheRead: 1.25e-6, cacheWrite: 2.5e-6 };

const chat = (fields: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({ model: "m", messages: [], ...fields });

describe("estimateTextTokens", () => {
  it("counts ASCII text at four characters a token", () => {
    expect(estimateTextTokens("")).toBe(0);
    expect(estimateTextTokens("abcd")).toBe(1);
    expect(estimateTextTokens("abcde")).toBe(2);
    expect(estimateTextTokens("x".repeat(4000))).toBe(1000);
  });

  it("counts every other character as a token, so CJK text and emoji are not under-reserved", () => {
    expect(estimateTextTokens("日本語のテキスト")).toBe(8);
    // One emoji is one character made of two UTF-16 code units.
    expect(estimateTextTokens("👍")).toBe(1);
    expect(estimateTextTokens("café")).toBe(1 + 1);
  });
});

describe("estimatePromptTokens", () => {
  it("adds a fixed overhead per request and per message", () => {
    const request = chat({ messages: [{ role: "system", content: "x".repeat(40) }, { role: "user", content: "y".repeat(400) }] });
    expect(estimatePromptTokens(request)).toBe(tokensPerRequest + 2 * tokensPerMessage + 10 + 100);
  });

  it("counts text parts, images (low detail cheaper) and other parts by their JSON", () => {
    const audio = { type: "input_audio", input_audio: { data: "A".repeat(400), format: "wav" } };
    const request = chat({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "z".repeat(80) },
            { type: "image_url", image_url: { url: "https://example.com/a.png" } },
            { type: "image_url", image_url: { url: "https://example.com/b.png", detail: "low" } },
            audio,
          ],
        },
      ],
    });
    expect(estimatePromptTokens(request)).toBe(
      tokensPerRequest + tokensPerMessage + 20 + tokensPerImage + tokensPerLowDetailImage + Math.ceil(JSON.stringify(audio).length / 4),
    );
  });

  it("counts tool definitions, tool calls and JSON schemas", () => {
    const tool = { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } };
    const call = { id: "call_1", type: "function" as const, function: { name: "get_weather", arguments: '{"city":"Paris"}' } };
    const schema = { name: "answer", schema: { type: "object" } };
    const request = chat({
      messages: [
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", content: "sunny", tool_call_id: "call_1" },
      ],
      tools: [tool],
      response_format: { type: "json_schema", json_schema: schema },
    });
    const json = (value: unknown) => Math.ceil(JSON.stringify(value).length / 4);
    expect(estimatePromptTokens(request)).toBe(
      tokensPerRequest + 2 * tokensPerMessage + (tokensPerTool + json(call.function)) + 2 + (tokensPerTool + json(tool)) + json(schema),
    );
  });

  it("does not throw on shapes it does not know", () => {
    const odd = { model: "m", messages: [null, 3, { role: "user", content: { weird: true } }, { role: "user", content: [null, "x"] }] } as unknown as ChatCompletionRequest;
    expect(estimatePromptTokens(odd)).toBe(tokensPerRequest + 2 * tokensPerMessage);
  });
});

describe("estimateChatCost", () => {
  const prompt = chat({ messages: [{ role: "user", content: "x".repeat(3988) }] });
  const promptTokens = tokensPerRequest + tokensPerMessage + 997; // = 1004

  it("prices the prompt at the dearer of input and cache-write, and max_tokens at the output price", () => {
    const estimate = estimateChatCost({ ...prompt, max_tokens: 500 }, sonnet);
    expect(estimate).toEqual({ promptTokens, outputTokens: 500, worstCaseUsd: promptTokens * 3.75e-6 + 500 * 15e-6 });
    expect(estimateChatCost({ ...prompt, max_tokens: 500 }, gpt).worstCaseUsd).toBeCloseTo(promptTokens * 2.5e-6 + 500 * 10e-6, 15);
  });

  it("max_completion_tokens wins over max_tokens; n multiplies the output", () => {
    expect(estimateChatCost({ ...prompt, max_tokens: 500, max_completion_tokens: 200 }, gpt).outputTokens).toBe(200);
    expect(estimateChatCost({ ...prompt, max_completion_tokens: 200, n: 3 }, gpt).outputTokens).toBe(600);
  });

  it("without max tokens: the deployment's maximum output, else the documented default", () => {
    expect(estimateChatCost(prompt, gpt).outputTokens).toBe(defaultMaxOutputTokens);
    expect(estimateChatCost(prompt, gpt, { maxOutputTokens: 16_384 }).outputTokens).toBe(16_384);
    expect(estimateChatCost({ ...prompt, max_tokens: null }, gpt, { maxOutputTokens: null }).outputTokens).toBe(4_096);
  });

  it("caps the output at what fits in the context window", () => {
    expect(estimateChatCost({ ...prompt, max_tokens: 100_000 }, gpt, { contextWindow: 8_192 }).outputTokens).toBe(8_192 - promptTokens);
    expect(estimateChatCost(prompt, gpt, { contextWindow: 1_000 }).outputTokens).toBe(0);
  });

  it("an unknown price costs nothing (the request is recorded at cost 0)", () => {
    expect(estimateChatCost(prompt, null)).toEqual({ promptTokens, outputTokens: defaultMaxOutputTokens, worstCaseUsd: 0 });
  });

  it("the estimate is at least the real cost of a plain English request that uses all its max_tokens", () => {
    // Real: about 1 token per 4 characters of English; here 4000 characters, 1000 output tokens.
    const real = 1_000 * sonnet.input + 1_000 * sonnet.output;
    expect(estimateChatCost({ ...prompt, max_tokens: 1_000 }, sonnet).worstCaseUsd).toBeGreaterThanOrEqual(real);
  });
});

describe("estimateEmbeddingCost", () => {
  const embedding: TokenPrice = { input: 0.02e-6, output: 0, cacheRead: 0.02e-6, cacheWrite: 0.02e-6 };

  it("prices input tokens only, for each of OpenAI's input shapes", () => {
    expect(estimateEmbeddingCost("x".repeat(400), embedding)).toEqual({ promptTokens: 100, outputTokens: 0, worstCaseUsd: 100 * 0.02e-6 });
    expect(estimateEmbeddingCost(["abcd", "abcdefgh"], embedding).promptTokens).toBe(3);
    expect(estimateEmbeddingCost([1, 2, 3], embedding).promptTokens).toBe(3);
    expect(estimateEmbeddingCost([[1, 2], [3, 4, 5]], embedding).promptTokens).toBe(5);
    expect(estimateEmbeddingCost("x", null).worstCaseUsd).toBe(0);
    expect(estimateEmbeddingCost(undefined, embedding).promptTokens).toBe(0);
  });
});
