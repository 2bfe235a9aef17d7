/**
 * End to end: Anthropic's Messages dialect (`POST /v1/messages`, `/v1/messages/count_tokens`)
 * through the real `gw serve`, driven by the official `@anthropic-ai/sdk`:
 * - to an Anthropic deployment the request passes through as the client sent it (cache_control,
 *   metadata, beta flags kept) and the answer and stream come back as Anthropic sent them;
 * - to an OpenAI deployment it is translated to chat and the answer written back as Messages.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { startAnthropicUpstream } from "../fakes/anthropic-upstream.ts";
import { defaultTestCredentials, startBedrockUpstream } from "../fakes/bedrock-upstream.ts";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { fixtureStreamText, fixtureText, fixtureUsage } from "../fakes/fixture-text.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { lastRecorded } from "../support/last-request.ts";
import { pythonWithSdks, runPython } from "../support/python-sdks.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";

const openAIKey = "sk-upstream-openai-messages";
const anthropicKey = "sk-ant-upstream-messages";
const masterKey = "gw-master-messages-test";

let openAIUpstream: FakeUpstream;
let anthropicUpstream: FakeUpstream;
let bedrockUpstream: FakeUpstream;
let gateway: GatewayProcess;
let client: Anthropic;
let stop: () => Promise<void>;

const weatherTool: Anthropic.Tool = {
  name: "get_weather",
  description: "The weather in a city",
  input_schema: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
};

beforeAll(async () => {
  openAIUpstream = await startOpenAIUpstream({ apiKey: openAIKey });
  anthropicUpstream = await startAnthropicUpstream({ apiKey: anthropicKey });
  bedrockUpstream = await startBedrockUpstream({ region: "us-east-1" });
  ({ gateway, stop } = await serveTestConfig({
    name: "e2e-messages",
    upstreams: [openAIUpstream, anthropicUpstream, bedrockUpstream],
    env: {
      OPENAI_API_KEY: openAIKey,
      ANTHROPIC_API_KEY: anthropicKey,
      GW_MASTER_KEY: masterKey,
      AWS_ACCESS_KEY_ID: defaultTestCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: defaultTestCredentials.secretAccessKey,
    },
    masterKey,
    config: {
      models: [
        {
          name: "claude",
          deployments: [
            { name: "anthropic-main", provider: "anthropic", model: "claude-sonnet-4-5", baseUrl: anthropicUpstream.baseUrl, apiKey: { $env: "ANTHROPIC_API_KEY" }, price: { inputPerMTok: 3, outputPerMTok: 15 } },
          ],
        },
        {
          name: "claude-bedrock",
          deployments: [
            { name: "bedrock-claude", provider: "bedrock", model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", baseUrl: bedrockUpstream.url, region: "us-east-1", price: { inputPerMTok: 3, outputPerMTok: 15 } },
          ],
        },
        {
          name: "gpt",
          deployments: [
            { name: "openai-main", provider: "openai", model: "gpt-4.1-nano", baseUrl: openAIUpstream.baseUrl, apiKey: { $env: "OPENAI_API_KEY" }, price: { inputPerMTok: 0.1, outputPerMTok: 0.4 } },
          ],
        },
      ],
      masterKey: { $env: "GW_MASTER_KEY" },
    },
  }));
  client = new Anthropic({ baseURL: gateway.url, apiKey: masterKey, maxRetries: 0, timeout: 20_000 });
});

afterAll(() => stop?.());

beforeEach(() => {
  openAIUpstream.reset();
  anthropicUpstream.reset();
  bedrockUpstream.reset();
});

const prompt = "Invent a new holiday and describe its traditions.";

describe("to an Anthropic deployment: native pass-through", () => {
  test("messages.create: the body reaches Anthropic as sent (model replaced, cache_control and metadata kept); the answer is Anthropic's", async () => {
    const message = await client.messages.create({
      model: "claude",
      max_tokens: 1024,
      system: [{ type: "text", text: "You are terse.", cache_control: { type: "ephemeral" } }],
      metadata: { user_id: "customer-7" },
      messages: [{ role: "user", content: prompt }],
    });
    expect(message.type).toBe("message");
    expect(message.content[0]).toMatchObject({ type: "text", text: fixtureText("anthropic-text") });
    expect(message.usage.input_tokens).toBe(fixtureUsage("anthropic-text").promptTokens);
    const sent = lastRecorded(anthropicUpstream.chatRequests());
    expect(sent.body).toEqual({
      model: "claude-sonnet-4-5",
      max_tokens: 1024,
      system: [{ type: "text", text: "You are terse.", cache_control: { type: "ephemeral" } }],
      metadata: { user_id: "customer-7" },
      messages: [{ role: "user", content: prompt }],
    });
    expect(sent.headers["x-api-key"]).toBe(anthropicKey);
  });

  test("messages.stream: Anthropic's events relayed as they came; finalMessage assembles the text and usage", async () => {
    const stream = client.messages.stream({ model: "claude", max_tokens: 1024, messages: [{ role: "user", content: prompt }] });
    const types: string[] = [];
    stream.on("streamEvent", (event) => types.push(event.type));
    const message = await stream.finalMessage();
    expect(message.content.map((block) => (block.type === "text" ? block.text : "")).join("")).toBe(fixtureStreamText("anthropic-text"));
    expect(types[0]).toBe("message_start");
    expect(types.at(-1)).toBe("message_stop");
    expect(types).toContain("content_block_delta");
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(lastRecorded(anthropicUpstream.chatRequests()).body).toMatchObject({ stream: true, model: "claude-sonnet-4-5" });
  });

  test("tools: a tool_use block comes back with its input; the beta header is passed on", async () => {
    const message = await client.messages.create(
      { model: "claude", max_tokens: 1024, tools: [weatherTool], messages: [{ role: "user", content: "Weather in Paris?" }] },
      { headers: { "anthropic-beta": "token-efficient-tools-2025-02-19" } },
    );
    expect(message.stop_reason).toBe("tool_use");
    const call = message.content.find((block) => block.type === "tool_use");
    expect(call).toBeDefined();
    const sent = lastRecorded(anthropicUpstream.chatRequests());
    expect(sent.headers["anthropic-beta"]).toBe("token-efficient-tools-2025-02-19");
    expect((sent.body as { tools: unknown }).tools).toEqual([weatherTool]);
  });
});

describe("to Claude on Bedrock: native through InvokeModel", () => {
  test("create and stream: the Messages body goes to /invoke as it came (Bedrock's anthropic_version, no model or stream), signed; the answer and events come back as Anthropic's", async () => {
    const message = await client.messages.create(
      { model: "claude-bedrock", max_tokens: 512, system: [{ type: "text", text: "Be terse.", cache_control: { type: "ephemeral" } }], messages: [{ role: "user", content: prompt }] },
      { headers: { "anthropic-beta": "context-1m-2025-08-07" } },
    );
    expect(message.content[0]).toMatchObject({ type: "text", text: fixtureText("anthropic-text") });
    const sent = lastRecorded(bedrockUpstream.chatRequests());
    expect(sent.path).toBe("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke");
    expect(sent.body).toEqual({
      anthropic_version: "bedrock-2023-05-31",
      anthropic_beta: ["context-1m-2025-08-07"],
      max_tokens: 512,
      system: [{ type: "text", text: "Be terse.", cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: prompt }],
    });
    const stream = client.messages.stream({ model: "claude-bedrock", max_tokens: 512, messages: [{ role: "user", content: prompt }] });
    const final = await stream.finalMessage();
    expect(final.content.map((block) => (block.type === "text" ? block.text : "")).join("")).toBe(fixtureStreamText("anthropic-text"));
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    expect(lastRecorded(bedrockUpstream.chatRequests()).path).toMatch(/\/invoke-with-response-stream$/);
  });
});

describe("to an OpenAI deployment: translated", () => {
  test("messages.create: system, turns and max_tokens become chat; the chat answer comes back as a Message", async () => {
    const message = await client.messages.create({
      model: "gpt",
      max_tokens: 300,
      system: "You are terse.",
      stop_sequences: ["END"],
      messages: [{ role: "user", content: prompt }],
    });
    expect(message.type).toBe("message");
    expect(message.role).toBe("assistant");
    expect(message.id).toMatch(/^msg_/);
    expect(message.content).toEqual([{ type: "text", text: fixtureText("openai-text") }]);
    expect(message.stop_reason).toBe("end_turn");
    const recorded = fixtureUsage("openai-text");
    expect(message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0)).toBe(recorded.promptTokens);
    expect(message.usage.output_tokens).toBe(recorded.completionTokens);
    expect(lastRecorded(openAIUpstream.chatRequests()).body).toMatchObject({
      model: "gpt-4.1-nano",
      max_tokens: 300,
      stop: ["END"],
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: prompt },
      ],
    });
  });

  test("messages.stream: the chat stream as Anthropic's event sequence, usage in message_delta", async () => {
    const stream = client.messages.stream({ model: "gpt", max_tokens: 300, messages: [{ role: "user", content: prompt }] });
    const types: string[] = [];
    stream.on("streamEvent", (event) => types.push(event.type));
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: "text", text: fixtureStreamText("openai-text") }]);
    expect(types.filter((type) => type !== "ping").slice(0, 2)).toEqual(["message_start", "content_block_start"]);
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
  });

  test("tools and a tool_result round trip: tool_use blocks out, tool messages in", async () => {
    const first = await client.messages.create({ model: "gpt", max_tokens: 300, tools: [weatherTool], messages: [{ role: "user", content: "Weather in Paris?" }] });
    expect(first.stop_reason).toBe("tool_use");
    const call = first.content.find((block): block is Anthropic.ToolUseBlock => block.type === "tool_use");
    expect(call).toBeDefined();
    expect(typeof call?.input).toBe("object");
    expect(lastRecorded(openAIUpstream.chatRequests()).body).toMatchObject({
      tools: [{ type: "function", function: { name: "get_weather", description: "The weather in a city", parameters: weatherTool.input_schema } }],
    });
    await client.messages.create({
      model: "gpt",
      max_tokens: 300,
      tools: [weatherTool],
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: call!.id, content: "18°C, clear" }, { type: "text", text: "Thanks!" }] },
      ],
    });
    const messages = (lastRecorded(openAIUpstream.chatRequests()).body as { messages: unknown[] }).messages;
    expect(messages.slice(1)).toEqual([
      { role: "assistant", content: null, tool_calls: [{ id: call!.id, type: "function", function: { name: call!.name, arguments: JSON.stringify(call!.input) } }] },
      { role: "tool", tool_call_id: call!.id, content: "18°C, clear" },
      { role: "user", content: [{ type: "text", text: "Thanks!" }] },
    ]);
  });

  test("a server tool cannot be translated: a 400 in Anthropic's shape, nothing sent upstream", async () => {
    const refused = await client.messages
      .create({ model: "gpt", max_tokens: 300, tools: [{ type: "web_search_20250305", name: "web_search" } as never], messages: [{ role: "user", content: "News?" }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect((refused as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(openAIUpstream.chatRequests()).toHaveLength(0);
  });
});

describe("gw's own answers in Anthropic's dialect", () => {
  test("a wrong key is Anthropic's authentication_error; an unknown model its not_found_error; a missing max_tokens a 400", async () => {
    const wrongKey = new Anthropic({ baseURL: gateway.url, apiKey: "not-a-key", maxRetries: 0 });
    const denied = await wrongKey.messages.create({ model: "claude", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((denied as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const unknown = await client.messages.create({ model: "nope", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    const missing = await client.messages.create({ model: "claude", messages: [{ role: "user", content: "hi" }] } as never).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Anthropic.BadRequestError);
    expect(anthropicUpstream.chatRequests()).toHaveLength(0);
  });

  test("count_tokens answers input_tokens for the prompt, more for a longer one", async () => {
    const short = await client.messages.countTokens({ model: "claude", messages: [{ role: "user", content: "hi" }] });
    const long = await client.messages.countTokens({ model: "gpt", system: "Be brief.", messages: [{ role: "user", content: prompt.repeat(20) }], tools: [weatherTool] });
    expect(short.input_tokens).toBeGreaterThan(0);
    expect(long.input_tokens).toBeGreaterThan(short.input_tokens + 100);
    expect(anthropicUpstream.chatRequests()).toHaveLength(0);
  });
});

describe("the official Python anthropic SDK", () => {
  beforeAll(() => {
    pythonWithSdks();
  }, 300_000);

  for (const model of ["claude", "gpt"]) {
    test(`create, stream, tools, count_tokens and a bad key against ${model === "claude" ? "an Anthropic (native)" : "an OpenAI (translated)"} deployment`, async () => {
      const seen = (await runPython("anthropic_client.py", [gateway.url, masterKey, model])) as Record<string, Record<string, unknown>>;
      const text = model === "claude" ? "anthropic-text" : "openai-text";
      expect(seen.create).toMatchObject({ type: "message", text: fixtureText(text), stop_reason: "end_turn" });
      expect(seen.stream).toMatchObject({ text: fixtureStreamText(text), final_text: fixtureStreamText(text) });
      expect(seen.stream?.output_tokens).toBeGreaterThan(0);
      expect(seen.tools?.stop_reason).toBe("tool_use");
      expect((seen.tools?.calls as unknown[]).length).toBeGreaterThan(0);
      expect(seen.count_tokens).toBeGreaterThan(0);
      expect(seen.bad_key).toEqual({ status: 401, type: "authentication_error" });
    }, 120_000);
  }
});
