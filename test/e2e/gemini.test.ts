/**
 * End to end through the gemini provider: the real `gw serve` process, driven by the official
 * `openai` SDK, in front of a fake Gemini API that replays recorded responses on Google's wire
 * format and checks requests as Google does (key, fields, schemas, thought signatures).
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { readFixture, readFixtureLines, type FakeUpstream } from "../fakes/fake-server.ts";
import { fakeVector, startGeminiUpstream } from "../fakes/gemini-upstream.ts";
import { assembleContent, assembleToolCalls, collectStream, finalFinishReason } from "../support/gateway-client.ts";
import { lastRecorded } from "../support/last-request.ts";
import { validateChatCompletion, validateChatCompletionChunk, validateErrorResponse } from "../support/openai-schema.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";

const geminiKey = "AIza-upstream-gemini-e2e";
const masterKey = "gw-master-gemini-test";
const price = { inputPerMTok: 1.25, outputPerMTok: 10 };

const weatherTool = {
  type: "function" as const,
  function: {
    name: "weather",
    description: "Get the weather in a location",
    parameters: {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: { location: { type: "string" }, unit: { type: ["string", "null"], enum: ["celsius", "fahrenheit", null] } },
      required: ["location", "unit"],
      additionalProperties: false,
    },
    strict: true,
  },
};

interface GeminiLine {
  candidates?: Array<{ content?: { parts?: Array<{ text?: string; thought?: boolean }> } }>;
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number; thoughtsTokenCount?: number };
}

function recordedText(name: string): string {
  const body = JSON.parse(readFixture(`${name}.json`)) as GeminiLine;
  return (body.candidates?.[0]?.content?.parts ?? []).map((part) => (part.thought ? "" : (part.text ?? ""))).join("");
}

function recordedStreamText(name: string): string {
  return readFixtureLines(name)
    .map((line) => (JSON.parse(line) as GeminiLine).candidates?.[0]?.content?.parts?.map((part) => part.text ?? "").join("") ?? "")
    .join("");
}

function recordedUsage(name: string, stream = false): { prompt: number; completion: number; reasoning: number } {
  const usage = stream ? (JSON.parse(readFixtureLines(name).at(-1)!) as GeminiLine).usageMetadata : (JSON.parse(readFixture(`${name}.json`)) as GeminiLine).usageMetadata;
  const reasoning = usage?.thoughtsTokenCount ?? 0;
  return { prompt: usage?.promptTokenCount ?? 0, completion: (usage?.candidatesTokenCount ?? 0) + reasoning, reasoning };
}

let upstream: FakeUpstream;
let client: OpenAI;
let stop: () => Promise<void>;

beforeAll(async () => {
  upstream = await startGeminiUpstream({ apiKey: geminiKey });
  ({ client, stop } = await serveTestConfig({
    name: "e2e-gemini",
    upstreams: [upstream],
    env: { GEMINI_API_KEY: geminiKey, GEMINI_WRONG_KEY: "AIza-not-the-right-key", GW_MASTER_KEY: masterKey },
    masterKey,
    config: {
      models: [
        {
          name: "gemini-fake",
          deployments: [
            { name: "gemini-main", provider: "gemini", model: "gemini-3-pro-preview", baseUrl: upstream.baseUrl, apiKey: { $env: "GEMINI_API_KEY" }, price },
          ],
        },
        {
          name: "gemini-wrong-key",
          deployments: [{ provider: "gemini", model: "gemini-2.5-flash", baseUrl: upstream.baseUrl, apiKey: { $env: "GEMINI_WRONG_KEY" }, price }],
        },
        {
          name: "gemini-embed",
          deployments: [{ provider: "gemini", model: "gemini-embedding-001", baseUrl: upstream.baseUrl, apiKey: { $env: "GEMINI_API_KEY" }, price: { inputPerMTok: 0.15, outputPerMTok: 0 } }],
        },
      ],
      retries: { attempts: 1, initialBackoffMs: 1, maxBackoffMs: 20 },
      masterKey: { $env: "GW_MASTER_KEY" },
    },
  }));
});

afterAll(() => stop?.());

beforeEach(() => {
  upstream.reset();
});

function lastRequest() {
  return lastRecorded(upstream.chatRequests());
}

describe("through the gemini provider", () => {
  test("a chat becomes a generateContent request and its answer a valid chat.completion with usage", async () => {
    const completion = await client.chat.completions.create({
      model: "gemini-fake",
      messages: [
        { role: "system", content: "Answer briefly." },
        { role: "user", content: "How many r's are in strawberry?" },
      ],
      max_tokens: 500,
      temperature: 0.2,
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.message.content).toBe(recordedText("google-text"));
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const usage = recordedUsage("google-text");
    expect(completion.usage).toMatchObject({ prompt_tokens: usage.prompt, completion_tokens: usage.completion });
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(usage.reasoning);

    const request = lastRequest();
    expect(request.path).toBe("/v1beta/models/gemini-3-pro-preview:generateContent");
    expect(request.headers["x-goog-api-key"]).toBe(geminiKey);
    expect(request.body).toEqual({
      contents: [{ role: "user", parts: [{ text: "How many r's are in strawberry?" }] }],
      systemInstruction: { parts: [{ text: "Answer briefly." }] },
      generationConfig: { maxOutputTokens: 500, temperature: 0.2 },
    });
  });

  test("logprobs become responseLogprobs/logprobs and a later system message stays in place, accepted by Google's field checks", async () => {
    const completion = await client.chat.completions.create({
      model: "gemini-fake",
      messages: [
        { role: "system", content: "Answer briefly." },
        { role: "user", content: "How many r's are in strawberry?" },
        { role: "assistant", content: "Three." },
        { role: "system", content: "Now answer in French." },
        { role: "user", content: "Again?" },
      ],
      logprobs: true,
      top_logprobs: 3,
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    const request = lastRequest();
    expect(request.body).toMatchObject({
      systemInstruction: { parts: [{ text: "Answer briefly." }] },
      contents: [
        { role: "user", parts: [{ text: "How many r's are in strawberry?" }] },
        { role: "model", parts: [{ text: "Three." }] },
        { role: "user", parts: [{ text: "System: Now answer in French." }, { text: "Again?" }] },
      ],
      generationConfig: { responseLogprobs: true, logprobs: 3 },
    });
  });

  test("a streaming chat reads streamGenerateContent?alt=sse and ends with usage when asked", async () => {
    const stream = await client.chat.completions.create({
      model: "gemini-fake",
      messages: [{ role: "user", content: "How many r's are in strawberry?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collectStream(stream);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    expect(assembleContent(chunks)).toBe(recordedStreamText("google-text"));
    expect(finalFinishReason(chunks)).toBe("stop");
    const usage = recordedUsage("google-text", true);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: usage.prompt, completion_tokens: usage.completion });
    expect(lastRequest().path).toBe("/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse");
  });

  test("tools are declared in Google's schema subset and a function call comes back as tool_calls", async () => {
    const completion = await client.chat.completions.create({
      model: "gemini-fake",
      messages: [{ role: "user", content: "What is the weather in San Francisco?" }],
      tools: [weatherTool],
      tool_choice: "required",
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    const call = choice.message.tool_calls?.[0];
    expect(call?.type === "function" ? call.function.name : undefined).toBe("weather");
    expect(JSON.parse(call?.type === "function" ? call.function.arguments : "null")).toEqual({ location: "San Francisco" });
    expect(call?.id).toMatch(/^call_/);

    const body = lastRequest().body as Record<string, unknown>;
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: "weather",
            description: "Get the weather in a location",
            parameters: {
              type: "OBJECT",
              properties: { location: { type: "STRING" }, unit: { type: "STRING", nullable: true, enum: ["celsius", "fahrenheit"] } },
              required: ["location", "unit"],
            },
          },
        ],
      },
    ]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: "ANY" } });
  });

  test("a streamed function call reassembles into one tool call", async () => {
    const stream = await client.chat.completions.create({
      model: "gemini-fake",
      messages: [{ role: "user", content: "What is the weather in San Francisco?" }],
      tools: [weatherTool],
      stream: true,
    });
    const chunks = await collectStream(stream);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    const calls = assembleToolCalls(chunks);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.name).toBe("weather");
    expect(JSON.parse(calls[0]!.arguments)).toEqual({ location: "San Francisco" });
    expect(finalFinishReason(chunks)).toBe("tool_calls");
  });

  test("a tool result goes back as a functionResponse named after the call, which Gemini 3 accepts", async () => {
    const first = await client.chat.completions.create({
      model: "gemini-fake",
      messages: [{ role: "user", content: "What is the weather in San Francisco?" }],
      tools: [weatherTool],
    });
    const assistant = first.choices[0]!.message;
    const call = assistant.tool_calls![0]!;
    const second = await client.chat.completions.create({
      model: "gemini-fake",
      messages: [
        { role: "user", content: "What is the weather in San Francisco?" },
        { role: "assistant", content: assistant.content, tool_calls: assistant.tool_calls },
        { role: "tool", tool_call_id: call.id, content: '{"temperature": 18, "sky": "fog"}' },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]?.message).toBeDefined();
    const contents = (lastRequest().body as { contents: Array<{ role: string; parts: Array<Record<string, unknown>> }> }).contents;
    expect(contents[1]?.role).toBe("model");
    expect(contents[1]?.parts[0]).toMatchObject({ functionCall: { name: "weather", args: { location: "San Francisco" } } });
    expect(typeof contents[1]?.parts[0]?.thoughtSignature).toBe("string");
    expect(contents[2]).toEqual({ role: "user", parts: [{ functionResponse: { name: "weather", response: { temperature: 18, sky: "fog" } } }] });
  });

  test("Google's 400 reaches the client as an OpenAI error with Google's explanation", async () => {
    const explanation = "* GenerateContentRequest.generation_config.candidate_count: must be at most 8";
    upstream.failNext([{ status: 400, body: { error: { code: 400, message: explanation, status: "INVALID_ARGUMENT" } } }]);
    const error = await client.chat.completions.create({ model: "gemini-fake", messages: [{ role: "user", content: "hi" }] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400 });
    expect((error as { error?: unknown }).error).toMatchObject({ type: "invalid_request_error", code: "INVALID_ARGUMENT", message: explanation });
    expect(upstream.chatRequests()).toHaveLength(1);
    expect(validateErrorResponse({ error: (error as { error: unknown }).error })).toEqual([]);
  });

  test("a rate limit with RetryInfo is retried, and the client gets the answer", async () => {
    upstream.failNext([{ status: 429 }]);
    const completion = await client.chat.completions.create({ model: "gemini-fake", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]?.message.content).toBe(recordedText("google-text"));
    expect(upstream.chatRequests()).toHaveLength(2);
  });

  test("a key Google rejects is a 401 that does not echo it", async () => {
    const error = await client.chat.completions.create({ model: "gemini-wrong-key", messages: [{ role: "user", content: "hi" }] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 401 });
    expect(JSON.stringify((error as { error?: unknown }).error)).not.toContain("AIza");
    expect(upstream.chatRequests()).toHaveLength(1);
  });

  test("embeddings go through one batchEmbedContents call", async () => {
    const response = await client.embeddings.create({ model: "gemini-embed", input: ["first text", "second text"] });
    expect(response.data.map((item) => item.index)).toEqual([0, 1]);
    expect(response.data[0]!.embedding.map((value) => Math.fround(value))).toEqual(fakeVector("first text").map((value) => Math.fround(value)));
    expect(response.data[1]!.embedding.map((value) => Math.fround(value))).toEqual(fakeVector("second text").map((value) => Math.fround(value)));
    expect(response.usage.prompt_tokens).toBeGreaterThan(0);
    const embedRequests = upstream.requests.filter((request) => request.path.endsWith(":batchEmbedContents"));
    expect(embedRequests).toHaveLength(1);
    expect((embedRequests[0]!.body as { requests: unknown[] }).requests).toHaveLength(2);
  });
});
