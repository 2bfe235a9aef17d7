/**
 * End to end: the real `gw serve` process, driven by the official `openai` SDK, in front of
 * fake OpenAI and Anthropic upstreams that replay recorded responses on the real wire formats.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { startAnthropicUpstream } from "../fakes/anthropic-upstream.ts";
import { readFixture, type FakeUpstream } from "../fakes/fake-server.ts";
import { fixtureStreamText, fixtureText, fixtureUsage } from "../fakes/fixture-text.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import {
  assembleContent,
  assembleToolCalls,
  collectStream,
  finalFinishReason,
  getRaw,
  postRaw,
} from "../support/gateway-client.ts";
import { lastRecorded } from "../support/last-request.ts";
import { validateChatCompletion, validateChatCompletionChunk, validateErrorResponse } from "../support/openai-schema.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";
import { weatherTool } from "../support/weather-tool.ts";

const openAIKey = "sk-upstream-openai-chat-test";
const anthropicKey = "sk-ant-upstream-chat-test";
const masterKey = "gw-master-chat-test";

let openAIUpstream: FakeUpstream;
let anthropicUpstream: FakeUpstream;
let gateway: GatewayProcess;
let client: OpenAI;
let stop: () => Promise<void>;

beforeAll(async () => {
  openAIUpstream = await startOpenAIUpstream({ apiKey: openAIKey });
  anthropicUpstream = await startAnthropicUpstream({ apiKey: anthropicKey });
  ({ gateway, client, stop } = await serveTestConfig({
    name: "e2e-chat",
    upstreams: [openAIUpstream, anthropicUpstream],
    env: { OPENAI_API_KEY: openAIKey, ANTHROPIC_API_KEY: anthropicKey, GW_MASTER_KEY: masterKey },
    masterKey,
    config: {
      models: [
        {
          name: "gpt-fake",
          deployments: [
            {
              name: "openai-main",
              provider: "openai",
              model: "gpt-4.1-nano",
              baseUrl: openAIUpstream.baseUrl,
              apiKey: { $env: "OPENAI_API_KEY" },
              price: { inputPerMTok: 0.1, outputPerMTok: 0.4 },
            },
          ],
        },
        {
          name: "claude-fake",
          deployments: [
            {
              name: "anthropic-main",
              provider: "anthropic",
              model: "claude-sonnet-4-5",
              baseUrl: anthropicUpstream.baseUrl,
              apiKey: { $env: "ANTHROPIC_API_KEY" },
              price: { inputPerMTok: 3, outputPerMTok: 15 },
            },
          ],
        },
      ],
      masterKey: { $env: "GW_MASTER_KEY" },
    },
  }));
});

afterAll(() => stop?.());

beforeEach(() => {
  openAIUpstream.reset();
  anthropicUpstream.reset();
});

function lastChatBody(upstream: FakeUpstream): Record<string, unknown> {
  return lastRecorded(upstream.chatRequests()).body as Record<string, unknown>;
}

describe("through the openai provider", () => {
  test("a non-streaming chat returns the upstream's completion with usage, and validates", async () => {
    const recorded = fixtureUsage("openai-text");
    const completion = await client.chat.completions.create({
      model: "gpt-fake",
      messages: [{ role: "user", content: "Invent a new holiday and describe its traditions." }],
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.message.content).toBe(fixtureText("openai-text"));
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.prompt_tokens).toBe(recorded.promptTokens);
    expect(completion.usage?.completion_tokens).toBe(recorded.completionTokens);

    const upstreamRequest = openAIUpstream.chatRequests()[0]!;
    expect(upstreamRequest.headers.authorization).toBe(`Bearer ${openAIKey}`);
    expect(upstreamRequest.body).toMatchObject({
      model: "gpt-4.1-nano",
      messages: [{ role: "user", content: "Invent a new holiday and describe its traditions." }],
    });
  });

  test("a streaming chat delivers every chunk, valid, ending with usage when asked", async () => {
    const expectedText = fixtureStreamText("openai-text");
    const stream = await client.chat.completions.create({
      model: "gpt-fake",
      messages: [{ role: "user", content: "Invent a new holiday and describe its traditions." }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collectStream(stream);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    expect(assembleContent(chunks)).toBe(expectedText);
    expect(finalFinishReason(chunks)).toBe("stop");
    const usage = chunks.find((chunk) => chunk.usage)?.usage;
    expect(usage?.prompt_tokens).toBe(16);
    expect(usage?.completion_tokens).toBe(300);
    expect(lastChatBody(openAIUpstream).stream).toBe(true);
  });

  test("a tool call comes back as OpenAI tool_calls", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-fake",
      messages: [{ role: "user", content: "What is the weather in San Francisco?" }],
      tools: [weatherTool],
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    const call = choice.message.tool_calls?.[0];
    expect(call?.type).toBe("function");
    expect(call?.type === "function" ? call.function.name : undefined).toBe("weather");
    expect(JSON.parse(call?.type === "function" ? call.function.arguments : "null")).toEqual({ location: "San Francisco" });
    expect(lastChatBody(openAIUpstream).tools).toEqual([weatherTool]);
  });

  test("a streamed tool call reassembles to valid JSON arguments", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-fake",
      messages: [{ role: "user", content: "What is the weather in San Francisco?" }],
      tools: [weatherTool],
      stream: true,
    });
    const chunks = await collectStream(stream);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    const calls = assembleToolCalls(chunks);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.name).toBe("weather");
    expect(calls[0]?.id).not.toBe("");
    expect(JSON.parse(calls[0]!.arguments)).toEqual({ location: "San Francisco" });
    expect(finalFinishReason(chunks)).toBe("tool_calls");
  });
});

describe("through the anthropic provider", () => {
  test("a non-streaming chat is converted to chat.completion with usage, from a correct Messages request", async () => {
    const recorded = fixtureUsage("anthropic-text");
    const completion = await client.chat.completions.create({
      model: "claude-fake",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Hello, how are you?" },
      ],
      max_tokens: 100,
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.role).toBe("assistant");
    expect(completion.choices[0]?.message.content).toBe(fixtureText("anthropic-text"));
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.prompt_tokens).toBe(recorded.promptTokens);
    expect(completion.usage?.completion_tokens).toBe(recorded.completionTokens);
    expect(completion.usage?.total_tokens).toBe(recorded.promptTokens + recorded.completionTokens);

    const upstreamRequest = anthropicUpstream.chatRequests()[0]!;
    expect(upstreamRequest.headers["x-api-key"]).toBe(anthropicKey);
    expect(upstreamRequest.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(upstreamRequest.headers.authorization).toBeUndefined();
    const body = upstreamRequest.body as Record<string, unknown>;
    expect(body.model).toBe("claude-sonnet-4-5");
    expect(body.max_tokens).toBe(100);
    const system = body.system;
    const systemText = typeof system === "string" ? system : (system as Array<{ text: string }>).map((block) => block.text).join("");
    expect(systemText).toBe("You are terse.");
    const messages = body.messages as Array<{ role: string; content: unknown }>;
    expect(messages.map((message) => message.role)).toEqual(["user"]);
    expect(JSON.stringify(messages[0]?.content)).toContain("Hello, how are you?");
  });

  test("a request without max_tokens still sends Anthropic the max_tokens it requires", async () => {
    await client.chat.completions.create({ model: "claude-fake", messages: [{ role: "user", content: "Hi" }] });
    const maxTokens = lastChatBody(anthropicUpstream).max_tokens;
    expect(Number.isInteger(maxTokens)).toBe(true);
    expect(maxTokens as number).toBeGreaterThan(0);
  });

  test("a streaming chat is converted to valid chat.completion.chunk events", async () => {
    const expectedText = fixtureStreamText("anthropic-text");
    const stream = await client.chat.completions.create({
      model: "claude-fake",
      messages: [{ role: "user", content: "Hello, how are you?" }],
      max_tokens: 100,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collectStream(stream);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    expect(assembleContent(chunks)).toBe(expectedText);
    expect(finalFinishReason(chunks)).toBe("stop");
    const usage = chunks.find((chunk) => chunk.usage)?.usage;
    expect(usage?.prompt_tokens).toBe(12);
    expect(usage?.completion_tokens).toBe(30);
    expect(lastChatBody(anthropicUpstream).stream).toBe(true);
  });

  test("tools are sent as Anthropic tools and the tool_use comes back as tool_calls", async () => {
    const completion = await client.chat.completions.create({
      model: "claude-fake",
      messages: [{ role: "user", content: "What is the weather in San Francisco?" }],
      tools: [weatherTool],
      max_tokens: 200,
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    const call = choice.message.tool_calls?.[0];
    expect(call?.type === "function" ? call.function.name : undefined).toBe("json");
    expect(call?.id).toBe("toolu_01Q9ExVZnzZj7E2QQYHYtNUa");
    const recorded = JSON.parse(readFixture("anthropic-json-tool.1.json")) as { content: Array<{ input: unknown }> };
    expect(JSON.parse(call?.type === "function" ? call.function.arguments : "null")).toEqual(recorded.content[0]?.input);

    const tools = lastChatBody(anthropicUpstream).tools as Array<Record<string, unknown>>;
    expect(tools).toHaveLength(1);
    expect(tools[0]).toMatchObject({
      name: "weather",
      description: "Get the weather in a location",
      input_schema: weatherTool.function.parameters,
    });
  });

  test("streamed input_json_delta fragments reassemble to valid JSON arguments", async () => {
    const stream = await client.chat.completions.create({
      model: "claude-fake",
      messages: [{ role: "user", content: "What is the weather in San Francisco?" }],
      tools: [weatherTool],
      max_tokens: 200,
      stream: true,
    });
    const chunks = await collectStream(stream);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    const calls = assembleToolCalls(chunks);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ id: "toolu_01KFbKqPYSuAKujiL6mTfzYA", name: "json" });
    expect(JSON.parse(calls[0]!.arguments)).toEqual({
      elements: [{ location: "San Francisco", temperature: 58, condition: "sunny" }],
    });
    expect(finalFinishReason(chunks)).toBe("tool_calls");
  });

  test("a tool result turn is sent as tool_use / tool_result blocks", async () => {
    const completion = await client.chat.completions.create({
      model: "claude-fake",
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        { role: "user", content: "What is the weather in San Francisco?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: '{"location":"San Francisco"}' } }],
        },
        { role: "tool", tool_call_id: "call_1", content: "18 degrees and sunny" },
      ],
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    const messages = lastChatBody(anthropicUpstream).messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
    expect(messages.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
    expect(messages[1]?.content).toContainEqual(
      expect.objectContaining({ type: "tool_use", id: "call_1", name: "weather", input: { location: "San Francisco" } }),
    );
    expect(messages[2]?.content).toContainEqual(expect.objectContaining({ type: "tool_result", tool_use_id: "call_1" }));
    expect(JSON.stringify(messages[2]?.content)).toContain("18 degrees and sunny");
  });
});

describe("service endpoints", () => {
  test("/v1/models lists the configured public models", async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models.map((model) => model.id).sort()).toEqual(["claude-fake", "gpt-fake"]);
    for (const model of models) expect(model.object).toBe("model");
  });

  test("/health/liveness and /health/readiness answer 200", async () => {
    expect((await getRaw(gateway, "/health/liveness")).status).toBe(200);
    expect((await getRaw(gateway, "/health/readiness")).status).toBe(200);
  });
});

describe("bad client input gets an OpenAI-shaped error and the server keeps serving", () => {
  test("an invalid JSON body is a 400 invalid_request_error", async () => {
    const response = await postRaw(gateway, '{"model": "gpt-fake", "messages": [', { apiKey: masterKey });
    expect(response.status).toBe(400);
    expect(validateErrorResponse(response.json)).toEqual([]);
    expect(response.json).toMatchObject({ error: { type: "invalid_request_error" } });
    expect(openAIUpstream.chatRequests()).toHaveLength(0);
  });

  test("a missing model is a 400 naming the model parameter", async () => {
    const response = await postRaw(gateway, { messages: [{ role: "user", content: "hi" }] }, { apiKey: masterKey });
    expect(response.status).toBe(400);
    expect(validateErrorResponse(response.json)).toEqual([]);
    expect(response.json).toMatchObject({ error: { type: "invalid_request_error", param: "model" } });
  });

  test("missing messages is a 400", async () => {
    const response = await postRaw(gateway, { model: "gpt-fake" }, { apiKey: masterKey });
    expect(response.status).toBe(400);
    expect(validateErrorResponse(response.json)).toEqual([]);
    expect(openAIUpstream.chatRequests()).toHaveLength(0);
  });

  test("an unknown model is a 404 that names it", async () => {
    const response = await postRaw(gateway, { model: "no-such-model", messages: [{ role: "user", content: "hi" }] }, { apiKey: masterKey });
    expect(response.status).toBe(404);
    expect(validateErrorResponse(response.json)).toEqual([]);
    expect((response.json as { error: { message: string } }).error.message).toContain("no-such-model");
  });

  test("the SDK surfaces these as typed API errors, and the next request succeeds", async () => {
    await expect(client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] })).rejects.toMatchObject({
      status: 404,
    });
    const completion = await client.chat.completions.create({ model: "gpt-fake", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]?.message.content).toBeTruthy();
  });
});
