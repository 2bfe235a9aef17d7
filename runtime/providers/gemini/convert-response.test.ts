import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateChatCompletion } from "../../../test/support/openai-schema.ts";
import { GatewayError } from "../../http/errors.ts";
import type { ProviderContext } from "../types.ts";
import { gemini } from "./index.ts";

const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "gemini" };

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8"));
}

function convert(body: unknown) {
  const converted = gemini.convertResponse(body, context);
  expect(validateChatCompletion(JSON.parse(JSON.stringify(converted.completion)))).toEqual([]);
  return converted;
}

function candidate(parts: unknown[], finishReason: string, extra: Record<string, unknown> = {}) {
  return { candidates: [{ content: { role: "model", parts }, finishReason, index: 0, ...extra }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2, totalTokenCount: 7 } };
}

describe("gemini convertResponse on recorded responses", () => {
  it("google-text: the text, finish_reason stop, thoughts counted as reasoning tokens", () => {
    const { completion, usage } = convert(fixture("google-text.json"));
    expect(completion.id).toBe("chatcmpl-Un6LacrVMcjUxs0PmJfWoQc");
    expect(completion.model).toBe("gemini-3-pro-preview");
    expect(completion.created).toBe(context.created);
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: {
          role: "assistant",
          content: "There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.",
          refusal: null,
          // The thought signature, marked as Gemini's, for the client to send back.
          thinking_blocks: [{ type: "thinking", thinking: "", signature: `gemini:${(fixture("google-text.json") as { candidates: Array<{ content: { parts: Array<{ thoughtSignature?: string }> } }> }).candidates[0]!.content.parts.find((part) => part.thoughtSignature)!.thoughtSignature}` }],
        },
        finish_reason: "stop",
        logprobs: null,
      },
    ]);
    expect(completion.usage).toEqual({
      prompt_tokens: 9,
      completion_tokens: 28 + 244,
      total_tokens: 281,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 244 },
    });
    expect(usage).toEqual({ inputTokens: 9, outputTokens: 272, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 244 });
  });

  it("google-tool-call: a functionCall becomes a tool call with a stable id, finish_reason tool_calls", () => {
    const { completion } = convert(fixture("google-tool-call.json"));
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: "call_req_1_0_0", type: "function", function: { name: "weather", arguments: '{"location":"San Francisco"}' } },
    ]);
    expect(completion.usage?.total_tokens).toBe(937);
  });

  it("google-reasoning: the answer, its thought signature in thinking_blocks (marked gemini:); reasoning tokens reported", () => {
    const { completion, usage } = convert(fixture("google-reasoning.json"));
    expect(completion.choices[0]?.message.content).toBe('There are **3** "r"s in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.');
    expect(JSON.stringify(completion)).not.toContain("thoughtSignature");
    const blocks = (completion.choices[0]?.message as { thinking_blocks?: Array<{ signature: string }> }).thinking_blocks;
    expect(blocks?.[0]?.signature).toMatch(/^gemini:Ev/);
    expect(usage.reasoningTokens).toBe(282);
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(282);
  });
});

describe("gemini convertResponse", () => {
  it("returns thought parts as reasoning_content, never in the content, with the signature in thinking_blocks", () => {
    const { completion } = convert(candidate([{ text: "Let me think...", thought: true }, { text: "42", thoughtSignature: "c2ln" }], "STOP"));
    const message = completion.choices[0]?.message as Record<string, unknown>;
    expect(message.content).toBe("42");
    expect(message.reasoning_content).toBe("Let me think...");
    expect(message.thinking_blocks).toEqual([{ type: "thinking", thinking: "Let me think...", signature: "gemini:c2ln" }]);
    expect(validateChatCompletion(JSON.parse(JSON.stringify(completion)))).toEqual([]);
  });

  it("maps finish reasons: MAX_TOKENS -> length, safety family -> content_filter", () => {
    expect(convert(candidate([{ text: "cut" }], "MAX_TOKENS")).completion.choices[0]?.finish_reason).toBe("length");
    for (const reason of ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"]) {
      expect(convert(candidate([], reason)).completion.choices[0]?.finish_reason).toBe("content_filter");
    }
    expect(convert(candidate([{ text: "x" }], "SOMETHING_NEW")).completion.choices[0]?.finish_reason).toBe("stop");
  });

  it("answers a blocked prompt with a refusal and content_filter", () => {
    const { completion } = convert({ promptFeedback: { blockReason: "PROHIBITED_CONTENT" }, usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 } });
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: { role: "assistant", content: null, refusal: "The gemini upstream blocked the prompt (PROHIBITED_CONTENT)." },
        finish_reason: "content_filter",
        logprobs: null,
      },
    ]);
    expect(completion.usage?.prompt_tokens).toBe(8);
  });

  it("turns a malformed function call with nothing usable into a retryable 502", () => {
    let error: unknown;
    try {
      gemini.convertResponse(candidate([], "MALFORMED_FUNCTION_CALL", { finishMessage: "Malformed function call: weather(" }), context);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 502, retryable: true, code: "malformed_function_call" });
  });

  it("returns several candidates as several choices, each with its own tool call ids", () => {
    const { completion } = convert({
      candidates: [
        { content: { role: "model", parts: [{ text: "A" }] }, finishReason: "STOP", index: 0 },
        { content: { role: "model", parts: [{ functionCall: { name: "f", args: { x: 1 } } }] }, finishReason: "STOP", index: 1 },
      ],
    });
    expect(completion.choices.map((choice) => choice.finish_reason)).toEqual(["stop", "tool_calls"]);
    expect(completion.choices[1]?.message.tool_calls?.[0]?.id).toBe("call_req_1_1_0");
    expect(completion.usage).toMatchObject({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it("counts cached content as cached prompt tokens", () => {
    const { completion, usage } = convert({
      ...candidate([{ text: "ok" }], "STOP"),
      usageMetadata: { promptTokenCount: 1000, cachedContentTokenCount: 800, candidatesTokenCount: 3, totalTokenCount: 1003 },
    });
    expect(usage).toEqual({ inputTokens: 200, outputTokens: 3, cacheReadTokens: 800, cacheWriteTokens: 0, reasoningTokens: 0 });
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(800);
  });

  it("refuses shapes it cannot read with a 502", () => {
    for (const body of [null, "text", { candidates: "x" }, { candidates: [] }, { candidates: [{ content: { parts: [{ functionCall: {} }] } }] }]) {
      expect(() => gemini.convertResponse(body, context)).toThrow(expect.objectContaining({ status: 502 }) as Error);
    }
  });
});

describe("gemini logprobs", () => {
  // Field names as documented for LogprobsResult (https://ai.google.dev/api/generate-content#LogprobsResult).
  const logprobsResult = {
    chosenCandidates: [
      { token: "Hi", tokenId: 1, logProbability: -0.01 },
      { token: " é", tokenId: 2, logProbability: -0.5 },
    ],
    topCandidates: [
      { candidates: [{ token: "Hi", tokenId: 1, logProbability: -0.01 }, { token: "Hello", tokenId: 3, logProbability: -4.6 }] },
      { candidates: [{ token: " é", tokenId: 2, logProbability: -0.5 }] },
    ],
    logProbabilitySum: -0.51,
  };

  it("asks for responseLogprobs and top logprobs when the client sends logprobs and top_logprobs", () => {
    const converted = gemini.buildRequest(
      { model: "gemini", messages: [{ role: "user", content: "Hi" }], logprobs: true, top_logprobs: 2 },
      { provider: "gemini", model: "gemini-2.5-flash", baseUrl: "https://generativelanguage.googleapis.com/v1beta", apiKey: "k" } as never,
      false,
    );
    if (converted instanceof Promise) throw new Error("synchronous");
    expect(JSON.parse(converted.upstream.body).generationConfig).toEqual({ responseLogprobs: true, logprobs: 2 });
    expect(converted.warnings).toEqual([]);
  });

  it("maps logprobsResult to choices[].logprobs.content with bytes and top_logprobs", () => {
    const { completion } = convert(candidate([{ text: "Hi é" }], "STOP", { logprobsResult }));
    expect(completion.choices[0]!.logprobs).toEqual({
      content: [
        {
          token: "Hi",
          logprob: -0.01,
          bytes: [72, 105],
          top_logprobs: [
            { token: "Hi", logprob: -0.01, bytes: [72, 105] },
            { token: "Hello", logprob: -4.6, bytes: [72, 101, 108, 108, 111] },
          ],
        },
        { token: " é", logprob: -0.5, bytes: [32, 195, 169], top_logprobs: [{ token: " é", logprob: -0.5, bytes: [32, 195, 169] }] },
      ],
      refusal: null,
    });
  });

  it("streams each event's logprobs with its text delta", async () => {
    const { replaySse } = await import("../../../test/support/replay-stream.ts");
    const events = [
      { candidates: [{ content: { role: "model", parts: [{ text: "Hi" }] }, index: 0, logprobsResult: { chosenCandidates: [logprobsResult.chosenCandidates[0]], topCandidates: [logprobsResult.topCandidates[0]] } }] },
      { candidates: [{ content: { role: "model", parts: [{ text: " é" }] }, finishReason: "STOP", index: 0, logprobsResult: { chosenCandidates: [logprobsResult.chosenCandidates[1]], topCandidates: [] } }] },
    ];
    const converter = gemini.createStreamConverter(context, { model: "gemini", messages: [{ role: "user", content: "Hi" }], stream: true, logprobs: true });
    const chunks = await replaySse(events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`).join(""), converter);
    const withLogprobs = chunks.filter((chunk) => chunk.choices[0]?.logprobs);
    expect(withLogprobs.map((chunk) => chunk.choices[0]!.delta.content)).toEqual(["Hi", " é"]);
    expect(withLogprobs.map((chunk) => chunk.choices[0]!.logprobs!.content!.map((entry) => [entry.token, entry.logprob, entry.top_logprobs.length]))).toEqual([
      [["Hi", -0.01, 2]],
      [[" é", -0.5, 0]],
    ]);
  });
});
