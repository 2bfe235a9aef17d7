/**
 * End to end through Cohere v2: the real `gw serve`, the official `openai` SDK as client, and a
 * fake Cohere (test/fakes/cohere-upstream.ts) that checks the bearer key and refuses fields
 * Cohere does not know, answers /v2/chat from recorded responses (SSE with named events when
 * streaming) and computes /v2/embed answers.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { startCohereUpstream, type FakeUpstream } from "../fakes/cohere-upstream.ts";
import { readFixture, readFixtureLines, type RecordedRequest } from "../fakes/fake-server.ts";
import { assembleContent, assembleToolCalls, collectStream, finalFinishReason, postRaw } from "../support/gateway-client.ts";
import { lastRecorded } from "../support/last-request.ts";
import { validateChatCompletion, validateChatCompletionChunk, validateEmbeddingsResponse, validateErrorResponse } from "../support/openai-schema.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";
import { weatherTool } from "../support/weather-tool.ts";

const cohereKey = "co-upstream-key-e2e";
const masterKey = "gw-master-cohere-test";

interface CohereChatFixture {
  message: { content?: Array<{ text: string }>; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> };
  usage: { billed_units: { input_tokens: number; output_tokens: number } };
}

function chatFixture(name: string): CohereChatFixture {
  return JSON.parse(readFixture(`${name}.json`)) as CohereChatFixture;
}

function streamedText(name: string): string {
  return readFixtureLines(name)
    .map((line) => {
      const event = JSON.parse(line) as { type: string; delta?: { message?: { content?: { text?: string } } } };
      return event.type === "content-delta" ? (event.delta?.message?.content?.text ?? "") : "";
    })
    .join("");
}

let upstream: FakeUpstream;
let gateway: GatewayProcess;
let client: OpenAI;
let stop: () => Promise<void>;

beforeAll(async () => {
  upstream = await startCohereUpstream({ apiKey: cohereKey });
  const price = { inputPerMTok: 2.5, outputPerMTok: 10 };
  ({ gateway, client, stop } = await serveTestConfig({
    name: "e2e-cohere",
    upstreams: [upstream],
    env: { COHERE_API_KEY: cohereKey, WRONG_COHERE_KEY: "co-not-the-key", GW_MASTER_KEY: masterKey },
    masterKey,
    config: {
      models: [
        { name: "command", deployments: [{ provider: "cohere", model: "command-a-03-2025", baseUrl: upstream.url, price }] },
        { name: "command-bad-key", deployments: [{ provider: "cohere", model: "command-a-03-2025", baseUrl: upstream.url, apiKey: { $env: "WRONG_COHERE_KEY" }, price }] },
        { name: "cohere-embed", deployments: [{ model: "cohere/embed-v4.0", baseUrl: upstream.url, price: { inputPerMTok: 0.12, outputPerMTok: 0 } }] },
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

function lastChatRequest(): RecordedRequest {
  return lastRecorded(upstream.chatRequests());
}

describe("chat through cohere v2", () => {
  test("a chat reaches /v2/chat with the bearer key in Cohere's shape, and returns the completion with billed usage", async () => {
    const recorded = chatFixture("cohere-text");
    const completion = await client.chat.completions.create({
      model: "command",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "What is the capital of France?" },
      ],
      max_tokens: 100,
      top_p: 0.9,
      seed: 3,
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.message.content).toBe(recorded.message.content?.[0]?.text);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage).toMatchObject({ prompt_tokens: recorded.usage.billed_units.input_tokens, completion_tokens: recorded.usage.billed_units.output_tokens });

    const sent = lastChatRequest();
    expect(sent.path).toBe("/v2/chat");
    expect(sent.headers.authorization).toBe(`Bearer ${cohereKey}`);
    expect(sent.body).toEqual({
      model: "command-a-03-2025",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "What is the capital of France?" },
      ],
      stream: false,
      max_tokens: 100,
      p: 0.9,
      seed: 3,
    });
  });

  test("a stream of named events reaches the client as valid chunks, usage last", async () => {
    const stream = await client.chat.completions.create({
      model: "command",
      messages: [{ role: "user", content: "What is the capital of France?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collectStream(stream);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    expect(assembleContent(chunks)).toBe(streamedText("cohere-text"));
    expect(finalFinishReason(chunks)).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 7 } });
    expect(lastChatRequest().body).toMatchObject({ stream: true });
  });

  test("tools: two tool calls come back, and the streamed ones reassemble", async () => {
    const recorded = chatFixture("cohere-tool-call");
    const completion = await client.chat.completions.create({
      model: "command",
      messages: [{ role: "user", content: "Weather and attractions in San Francisco?" }],
      tools: [weatherTool],
      tool_choice: "required",
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    const calls = (completion.choices[0]?.message.tool_calls ?? []).map((call) => (call.type === "function" ? { id: call.id, name: call.function.name, arguments: call.function.arguments } : call));
    expect(calls).toEqual(
      recorded.message.tool_calls?.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })),
    );
    expect(lastChatRequest().body).toMatchObject({ tools: [weatherTool], tool_choice: "REQUIRED" });

    const stream = await client.chat.completions.create({
      model: "command",
      messages: [{ role: "user", content: "Weather and attractions in San Francisco?" }],
      tools: [weatherTool],
      stream: true,
    });
    const chunks = await collectStream(stream);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    expect(assembleToolCalls(chunks)).toEqual([
      { id: "weather_e8p4pn45zt0t", name: "weather", arguments: '{"location": "San Francisco"}' },
      { id: "cityAttractions_pyxssbwnq9fq", name: "cityAttractions", arguments: '{"city": "San Francisco"}' },
    ]);
    expect(finalFinishReason(chunks)).toBe("tool_calls");
  });

  test("a tool result goes back as a tool message and the model answers", async () => {
    const completion = await client.chat.completions.create({
      model: "command",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [{ id: "weather_1", type: "function", function: { name: "weather", arguments: '{"location":"Paris"}' } }] },
        { role: "tool", tool_call_id: "weather_1", content: "18C" },
      ],
      tools: [weatherTool],
    });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect((lastChatRequest().body as { messages: unknown[] }).messages.slice(1)).toEqual([
      { role: "assistant", tool_calls: [{ id: "weather_1", type: "function", function: { name: "weather", arguments: '{"location":"Paris"}' } }] },
      { role: "tool", tool_call_id: "weather_1", content: "18C" },
    ]);
  });

  test("documents sent as an extra field are dropped with a warning header, not forwarded", async () => {
    const response = await postRaw(
      gateway,
      { model: "command", messages: [{ role: "user", content: "Summarize." }], documents: [{ data: { text: "gw is a gateway." } }] },
      { apiKey: masterKey },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-warnings")).toContain("documents dropped");
    expect(lastChatRequest().body).not.toHaveProperty("documents");
  });

  test("Cohere's 429 reaches the client as a rate-limit error with Cohere's explanation, after gw's retry", async () => {
    upstream.failNext([{ status: 429 }, { status: 429 }]);
    const response = await postRaw(gateway, { model: "command", messages: [{ role: "user", content: "Hi" }] }, { apiKey: masterKey });
    expect(response.status).toBe(429);
    expect(validateErrorResponse(response.json)).toEqual([]);
    expect(response.json).toMatchObject({ error: { type: "rate_limit_error" } });
    expect((response.json as { error: { message: string } }).error.message).toContain("Trial key");
    expect(upstream.chatRequests()).toHaveLength(2);
  });

  test("a wrong Cohere key is a 401 that says gw's provider key was rejected", async () => {
    const response = await postRaw(gateway, { model: "command-bad-key", messages: [{ role: "user", content: "Hi" }] }, { apiKey: masterKey });
    expect(response.status).toBe(401);
    expect(response.json).toMatchObject({ error: { code: "upstream_authentication_failed" } });
    expect(response.text).not.toContain("co-not-the-key");
  });
});

describe("embeddings through cohere /v2/embed", () => {
  test("texts are embedded as search documents; usage is Cohere's billed input", async () => {
    const input = ["sunny day at the beach", "rainy day in the city"];
    const response = await client.embeddings.create({ model: "cohere-embed", input, encoding_format: "float" });
    expect(validateEmbeddingsResponse(response)).toEqual([]);
    expect(response.data).toHaveLength(2);
    expect(response.data.every((item) => Array.isArray(item.embedding) && item.embedding.length === 5)).toBe(true);
    expect(response.usage).toEqual({ prompt_tokens: 10, total_tokens: 10 });
    const sent = upstream.requests.filter((request) => request.path === "/v2/embed");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers.authorization).toBe(`Bearer ${cohereKey}`);
    expect(sent[0]?.body).toEqual({ model: "embed-v4.0", texts: input, input_type: "search_document", embedding_types: ["float"] });

    const base64 = await client.embeddings.create({ model: "cohere-embed", input: "sunny day at the beach" });
    (base64.data[0]?.embedding as number[]).forEach((value, index) => expect(value).toBeCloseTo((response.data[0]?.embedding as number[])[index]!, 5));
  });
});
