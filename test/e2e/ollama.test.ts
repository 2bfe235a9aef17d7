/**
 * End to end through Ollama's native API: the real `gw serve`, the official `openai` SDK as
 * client, and a fake Ollama server (test/fakes/ollama-upstream.ts) that streams NDJSON and
 * reads bodies as Ollama's decoder does. Its answers are built from Ollama's API reference
 * (no recorded Ollama responses exist), see runtime/providers/ollama/__fixtures__/README.md.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { readFixtureLines } from "../fakes/fake-server.ts";
import { startOllamaUpstream, type FakeUpstream } from "../fakes/ollama-upstream.ts";
import { assembleContent, assembleToolCalls, collectStream, finalFinishReason } from "../support/gateway-client.ts";
import { lastRecorded } from "../support/last-request.ts";
import { validateChatCompletion, validateChatCompletionChunk, validateEmbeddingsResponse } from "../support/openai-schema.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";

const masterKey = "gw-master-ollama-test";
const pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_current_weather",
    description: "Get the current weather for a location",
    parameters: { type: "object", properties: { location: { type: "string" }, format: { type: "string", enum: ["celsius", "fahrenheit"] } }, required: ["location", "format"] },
  },
};

let upstream: FakeUpstream;
let client: OpenAI;
let stop: () => Promise<void>;

beforeAll(async () => {
  upstream = await startOllamaUpstream();
  ({ client, stop } = await serveTestConfig({
    name: "e2e-ollama",
    upstreams: [upstream],
    env: { GW_MASTER_KEY: masterKey },
    masterKey,
    config: {
      models: [
        { name: "llama", deployments: [{ provider: "ollama", model: "llama3.2", baseUrl: upstream.url }] },
        { name: "llama-not-pulled", deployments: [{ provider: "ollama", model: "llama9", baseUrl: upstream.url }] },
        { name: "minilm", deployments: [{ provider: "ollama", model: "all-minilm", baseUrl: upstream.url }] },
      ],
      masterKey: { $env: "GW_MASTER_KEY" },
    },
  }));
});

afterAll(() => stop?.());

beforeEach(() => upstream.reset());

function lastRequest(): { path: string; headers: Record<string, string>; body: Record<string, unknown> } {
  const last = lastRecorded(upstream.chatRequests());
  return { path: last.path, headers: last.headers, body: last.body as Record<string, unknown> };
}

/** The text the NDJSON fixture spells out. */
function streamedText(name: string): string {
  return readFixtureLines(name)
    .map((line) => (JSON.parse(line) as { message?: { content?: string } }).message?.content ?? "")
    .join("");
}

describe("through ollama's native API", () => {
  test("a chat posts to /api/chat with stream false and options, and returns a chat.completion", async () => {
    const completion = await client.chat.completions.create({
      model: "llama",
      messages: [{ role: "user", content: "Hello!" }],
      temperature: 0,
      seed: 101,
      max_tokens: 50,
      stop: ["\n\n"],
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.message.content).toBe("Hello! How are you today?");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage).toEqual({ prompt_tokens: 26, completion_tokens: 298, total_tokens: 324 });
    const sent = lastRequest();
    expect(sent.path).toBe("/api/chat");
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      model: "llama3.2",
      messages: [{ role: "user", content: "Hello!" }],
      stream: false,
      options: { temperature: 0, seed: 101, stop: ["\n\n"], num_predict: 50 },
    });
  });

  test("a stream is decoded from NDJSON into valid chunks, with usage from the done line", async () => {
    const stream = await client.chat.completions.create({
      model: "llama",
      messages: [{ role: "user", content: "why is the sky blue?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collectStream(stream);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    expect(assembleContent(chunks)).toBe(streamedText("ollama-text"));
    expect(finalFinishReason(chunks)).toBe("stop");
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 26, completion_tokens: 282, total_tokens: 308 });
    expect(lastRequest().body.stream).toBe(true);
  });

  test("tools: Ollama's object arguments come back as an OpenAI tool call with an id, streamed or not", async () => {
    const completion = await client.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "What is the weather today in Paris?" }], tools: [weatherTool] });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.id).toMatch(/^call_/);
    expect(call?.type === "function" ? JSON.parse(call.function.arguments) : null).toEqual({ format: "celsius", location: "Paris, FR" });
    expect(lastRequest().body.tools).toEqual([weatherTool]);

    const chunks = await collectStream(
      await client.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "Weather in Paris?" }], tools: [weatherTool], stream: true }),
    );
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    const calls = assembleToolCalls(chunks);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.name).toBe("get_current_weather");
    expect(JSON.parse(calls[0]!.arguments)).toEqual({ format: "celsius", location: "Paris, FR" });
    expect(finalFinishReason(chunks)).toBe("tool_calls");
  });

  test("a tool result goes back with tool_name, the call's arguments as an object", async () => {
    const completion = await client.chat.completions.create({
      model: "llama",
      messages: [
        { role: "user", content: "What is the weather today in Paris?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_current_weather", arguments: '{"location":"Paris, FR","format":"celsius"}' } }] },
        { role: "tool", tool_call_id: "call_1", content: "22 degrees celsius" },
      ],
      tools: [weatherTool],
    });
    expect(completion.choices[0]?.message.content).toBe("Hello! How are you today?");
    const messages = lastRequest().body.messages as unknown[];
    expect(messages.slice(1)).toEqual([
      { role: "assistant", content: "", tool_calls: [{ function: { name: "get_current_weather", arguments: { location: "Paris, FR", format: "celsius" } } }] },
      { role: "tool", content: "22 degrees celsius", tool_name: "get_current_weather" },
    ]);
  });

  test("an image as a data: URL reaches Ollama as base64 in images; JSON mode is format json", async () => {
    await client.chat.completions.create({
      model: "llama",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this image? Answer in JSON." },
            { type: "image_url", image_url: { url: `data:image/png;base64,${pixel}` } },
          ],
        },
      ],
      response_format: { type: "json_object" },
    });
    const body = lastRequest().body;
    expect(body.messages).toEqual([{ role: "user", content: "What is in this image? Answer in JSON.", images: [pixel] }]);
    expect(body.format).toBe("json");
  });

  test("a model that was not pulled is a 404 that says to pull it", async () => {
    const error = await client.chat.completions.create({ model: "llama-not-pulled", messages: [{ role: "user", content: "Hi" }] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 404, code: "model_not_found" });
    expect((error as Error).message).toContain("ollama pull");
  });

  test("an image URL Ollama cannot fetch is a 400 before anything is sent", async () => {
    const error = await client.chat.completions
      .create({ model: "llama", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }] })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, param: "messages[0].content[0].image_url" });
    expect(upstream.chatRequests()).toHaveLength(0);
  });

  test("embeddings through /api/embed, with prompt_eval_count as usage", async () => {
    const response = await client.embeddings.create({ model: "minilm", input: ["Why is the sky blue?", "Why is the grass green?"] });
    expect(response.data).toHaveLength(2);
    expect(response.data[0]?.embedding).toHaveLength(5);
    expect(response.usage).toEqual({ prompt_tokens: 10, total_tokens: 10 });
    const sent = lastRequest();
    expect(sent.path).toBe("/api/embed");
    expect(sent.body).toEqual({ model: "all-minilm", input: ["Why is the sky blue?", "Why is the grass green?"] });

    const floats = await client.embeddings.create({ model: "minilm", input: "Why is the sky blue?", encoding_format: "float" });
    expect(validateEmbeddingsResponse(floats)).toEqual([]);
    expect(floats.data[0]?.embedding[4]).toBeCloseTo(response.data[0]!.embedding[4]!, 6);
  });
});
