/**
 * End to end: the Responses API (`POST /v1/responses`) through the real `gw serve`, driven by the
 * official `openai` SDK (`client.responses.create`, `.stream`, `.retrieve`, `.delete`), in front of
 * a fake OpenAI upstream (its chat wire format and its Responses API) and a fake Anthropic one:
 * - translated: an OpenAI-compatible deployment (vLLM) and Anthropic get the chat request gw maps
 *   each request onto, and gw answers Response objects and Responses stream events;
 * - native: an OpenAI deployment gets the Responses request itself, and its answer and stream
 *   events are relayed as OpenAI sent them, priced from their usage; gw's store keeps them, so a
 *   conversation continues across a fallback to Anthropic.
 * The Vercel AI SDK's OpenAI provider, which calls the Responses API by default, is driven too.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { startAnthropicUpstream } from "../fakes/anthropic-upstream.ts";
import { readFixture, readFixtureLines, type FakeUpstream, type RecordedRequest } from "../fakes/fake-server.ts";
import { fixtureStreamText, fixtureText, fixtureUsage } from "../fakes/fixture-text.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { lastRecorded } from "../support/last-request.ts";
import { validateRelayedResponse, validateRelayedStreamEvent, validateResponse } from "../support/openai-schema.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";

const openAIKey = "sk-upstream-openai-responses-test";
const anthropicKey = "sk-ant-upstream-responses-test";
const masterKey = "gw-master-responses-test";
/** USD per million tokens of the "gpt" model: large, so every token shows in the cost. */
const gptPrice = { inputPerMTok: 1000, outputPerMTok: 2000 };

/** The tool the fixtures call: OpenAI's recording calls "weather", Anthropic's "json". */
const weatherTool = { type: "function" as const, name: "weather", description: "Get the weather in a location", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] }, strict: false };
const jsonTool = { type: "function" as const, name: "json", description: "Respond with JSON", parameters: { type: "object", properties: { elements: { type: "array" } } }, strict: false };

let openAIUpstream: FakeUpstream;
let anthropicUpstream: FakeUpstream;
let gateway: GatewayProcess;
let client: OpenAI;
let stop: () => Promise<void>;

beforeAll(async () => {
  openAIUpstream = await startOpenAIUpstream({ apiKey: openAIKey });
  anthropicUpstream = await startAnthropicUpstream({ apiKey: anthropicKey });
  ({ gateway, client, stop } = await serveTestConfig({
    name: "e2e-responses",
    upstreams: [openAIUpstream, anthropicUpstream],
    env: { OPENAI_API_KEY: openAIKey, ANTHROPIC_API_KEY: anthropicKey, GW_MASTER_KEY: masterKey },
    masterKey,
    config: {
      models: [
        // An OpenAI-compatible server: translated onto its chat completions.
        { name: "gpt", deployments: [{ provider: "vllm", model: "gpt-4.1-nano", baseUrl: openAIUpstream.baseUrl, apiKey: { $env: "OPENAI_API_KEY" }, price: gptPrice }] },
        // OpenAI itself: passed through to its Responses API.
        { name: "gpt-native", deployments: [{ provider: "openai", model: "gpt-4.1-nano", baseUrl: openAIUpstream.baseUrl, apiKey: { $env: "OPENAI_API_KEY" }, price: gptPrice }] },
        {
          name: "claude",
          deployments: [{ provider: "anthropic", model: "claude-sonnet-4-5", baseUrl: anthropicUpstream.baseUrl, apiKey: { $env: "ANTHROPIC_API_KEY" }, price: { inputPerMTok: 3, outputPerMTok: 15 } }],
        },
      ],
      masterKey: { $env: "GW_MASTER_KEY" },
      responses: { store: true },
      // A failed attempt goes straight to the fallback.
      retries: { attempts: 0, initialBackoffMs: 10, maxBackoffMs: 50 },
      fallbacks: { "gpt-native": ["claude"] },
    },
  }));
});

afterAll(() => stop?.());

beforeEach(() => {
  openAIUpstream.reset();
  anthropicUpstream.reset();
});

/** gw's log line of a request (written once the request is settled, so it may come a moment after the answer). */
async function logLine(requestId: string): Promise<string> {
  for (let waited = 0; waited < 2000; waited += 20) {
    const line = gateway.stdout().split("\n").find((entry) => entry.includes(requestId));
    if (line !== undefined) return line;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return "";
}

function functionCalls(response: OpenAI.Responses.Response): OpenAI.Responses.ResponseFunctionToolCall[] {
  return response.output.filter((item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === "function_call");
}

describe("POST /v1/responses over an OpenAI-compatible upstream, translated onto chat", () => {
  test("a text response: the chat answer as a message item, usage renamed, priced like chat", async () => {
    const { data: response, response: raw } = await client.responses.create({ model: "gpt", input: "Invent a new holiday.", instructions: "Be creative." }).withResponse();
    expect(validateResponse(response)).toEqual([]);
    expect(response.object).toBe("response");
    expect(response.id).toMatch(/^resp_/);
    expect(response.status).toBe("completed");
    expect(response.output_text).toBe(fixtureText("openai-text"));
    const recorded = fixtureUsage("openai-text");
    expect(response.usage).toMatchObject({ input_tokens: recorded.promptTokens, output_tokens: recorded.completionTokens, total_tokens: recorded.promptTokens + recorded.completionTokens });
    // Spend: priced and recorded as chat would be (the cost header, and the request's log line).
    const cost = (recorded.promptTokens * gptPrice.inputPerMTok + recorded.completionTokens * gptPrice.outputPerMTok) / 1e6;
    expect(Number(raw.headers.get("x-gw-cost-usd"))).toBeCloseTo(cost, 6);
    const line = await logLine(raw.headers.get("x-request-id") as string);
    expect(line).toContain("POST /v1/responses 200");
    expect(line).toContain(`cost=$${cost.toFixed(6)}`);
    expect(lastRecorded(openAIUpstream.chatRequests()).body).toMatchObject({
      model: "gpt-4.1-nano",
      messages: [
        { role: "system", content: "Be creative." },
        { role: "user", content: "Invent a new holiday." },
      ],
    });
  });

  test("function calls, then a function_call_output round trip: the upstream sees the assistant's tool call and the tool's result", async () => {
    const input: OpenAI.Responses.ResponseInput = [{ role: "user", content: "What is the weather in San Francisco?" }];
    const first = await client.responses.create({ model: "gpt", input, tools: [weatherTool] });
    expect(validateResponse(first)).toEqual([]);
    const [call] = functionCalls(first);
    expect(call).toMatchObject({ type: "function_call", name: "weather", status: "completed" });
    expect(JSON.parse(call?.arguments ?? "")).toEqual({ location: "San Francisco" });
    expect(first.output[0]?.type).toBe("reasoning");
    expect(lastRecorded(openAIUpstream.chatRequests()).body).toMatchObject({
      tools: [{ type: "function", function: { name: "weather", parameters: weatherTool.parameters, strict: false } }],
    });

    const second = await client.responses.create({
      model: "gpt",
      input: [...input, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { type: "function_call_output", call_id: call?.call_id as string, output: '{"temperature":"18C"}' }],
      tools: [weatherTool],
    });
    expect(validateResponse(second)).toEqual([]);
    const messages = (lastRecorded(openAIUpstream.chatRequests()).body as { messages: unknown[] }).messages;
    expect(messages.slice(1)).toEqual([
      expect.objectContaining({ role: "assistant", tool_calls: [{ id: call?.call_id, type: "function", function: { name: "weather", arguments: call?.arguments } }] }),
      { role: "tool", tool_call_id: call?.call_id, content: '{"temperature":"18C"}' },
    ]);
  });

  test("text.format json_schema becomes chat's response_format", async () => {
    const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"], additionalProperties: false };
    const response = await client.responses.create({ model: "gpt", input: "Name a holiday.", text: { format: { type: "json_schema", name: "holiday", schema, strict: true } } });
    expect(validateResponse(response)).toEqual([]);
    expect(response.text?.format).toMatchObject({ type: "json_schema", name: "holiday" });
    expect(lastRecorded(openAIUpstream.chatRequests()).body).toMatchObject({ response_format: { type: "json_schema", json_schema: { name: "holiday", schema, strict: true } } });
  });

  test("responses.stream: function-call argument deltas, then finalResponse() with the whole call", async () => {
    const deltas: string[] = [];
    const stream = client.responses.stream({ model: "gpt", input: "What is the weather in San Francisco?", tools: [weatherTool] });
    stream.on("response.function_call_arguments.delta", (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(validateResponse(final)).toEqual([]);
    const [call] = functionCalls(final);
    expect(call?.arguments).toBe(deltas.join(""));
    expect(JSON.parse(call?.arguments ?? "")).toEqual({ location: "San Francisco" });
    expect(final.usage?.output_tokens).toBeGreaterThan(0);
  });

  test("create({ stream: true }): text deltas in order with increasing sequence numbers, response.completed last, no [DONE]", async () => {
    const stream = await client.responses.create({ model: "gpt", input: "Invent a new holiday.", stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events[0]?.type).toBe("response.created");
    expect(events.at(-1)?.type).toBe("response.completed");
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const text = events.flatMap((event) => (event.type === "response.output_text.delta" ? [event.delta] : [])).join("");
    expect(text).toBe(fixtureStreamText("openai-text"));
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(completed.response.usage).toMatchObject({ input_tokens: 16, output_tokens: 300 });
    const log = gateway.stdout();
    expect(log).not.toContain("[DONE]");
  });

  test("an upstream error mid-stream reaches the SDK as an APIError", async () => {
    openAIUpstream.failNext([{ streamErrorAfter: 3 }]);
    const stream = await client.responses.create({ model: "gpt", input: "Invent a new holiday.", stream: true });
    const failed = await (async () => {
      for await (const _event of stream) {
        // drain until the error event
      }
    })().catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
  });
});

describe("POST /v1/responses over an Anthropic upstream", () => {
  test("a text response and a streamed function call", async () => {
    const response = await client.responses.create({ model: "claude", input: "Invent a new holiday." });
    expect(validateResponse(response)).toEqual([]);
    expect(response.output_text).toBe(fixtureText("anthropic-text"));

    const deltas: string[] = [];
    const stream = client.responses.stream({ model: "claude", input: "Weather in four cities, as JSON.", tools: [jsonTool] });
    stream.on("response.function_call_arguments.delta", (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(validateResponse(final)).toEqual([]);
    const [call] = functionCalls(final);
    expect(call?.name).toBe("json");
    expect(deltas.length).toBeGreaterThan(1);
    // The recording's input, as its input_json_delta events spell it.
    const recorded = readFixtureLines("anthropic-json-tool.1")
      .map((line) => JSON.parse(line) as { delta?: { type?: string; partial_json?: string } })
      .map((event) => (event.delta?.type === "input_json_delta" ? (event.delta.partial_json ?? "") : ""))
      .join("");
    expect(JSON.parse(call?.arguments ?? "")).toEqual(JSON.parse(recorded));
  });

  test("extended thinking: the reasoning item carries the signature, and sent back it reaches Anthropic as the signed thinking block", async () => {
    anthropicUpstream.failNext([{ fixture: "anthropic-clear-thinking.1" }]);
    const input: OpenAI.Responses.ResponseInput = [{ role: "user", content: "What is 925 divided by 5?" }];
    const first = await client.responses.create({ model: "claude", input, reasoning: { effort: "low" } });
    expect(validateResponse(first)).toEqual([]);
    const reasoning = first.output[0] as OpenAI.Responses.ResponseReasoningItem;
    expect(reasoning.type).toBe("reasoning");
    expect(reasoning.summary[0]?.text).toBe("925 divided by 5 = 185");
    expect(reasoning.encrypted_content).toEqual(expect.any(String));
    expect(first.output_text).toBe("925 ÷ 5 = 185");

    await client.responses.create({ model: "claude", input: [...input, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { role: "user", content: "And by 37?" }], reasoning: { effort: "low" } });
    const recording = JSON.parse(readFixture("anthropic-clear-thinking.1.json")) as { content: Array<Record<string, unknown>> };
    const sent = lastRecorded(anthropicUpstream.chatRequests()).body as { messages: Array<{ role: string; content: unknown }> };
    expect(sent.messages[1]).toEqual({ role: "assistant", content: [recording.content[0], { type: "text", text: "925 ÷ 5 = 185" }] });
  });
});

describe("stored responses", () => {
  test("previous_response_id continues the conversation; retrieve returns the stored response; delete removes it", async () => {
    const first = await client.responses.create({ model: "gpt", input: "Invent a new holiday." });
    expect((first as unknown as { store: boolean }).store).toBe(true);
    const second = await client.responses.create({ model: "gpt", input: "Now a shorter one.", previous_response_id: first.id });
    expect(second.previous_response_id).toBe(first.id);
    expect((lastRecorded(openAIUpstream.chatRequests()).body as { messages: unknown[] }).messages).toEqual([
      { role: "user", content: "Invent a new holiday." },
      { role: "assistant", content: fixtureText("openai-text") },
      { role: "user", content: "Now a shorter one." },
    ]);

    const retrieved = await client.responses.retrieve(first.id);
    expect(validateResponse(retrieved)).toEqual([]);
    expect(retrieved.id).toBe(first.id);
    expect(retrieved.output).toEqual(first.output);

    await client.responses.delete(first.id);
    const gone = await client.responses.retrieve(first.id).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    const orphan = await client.responses.create({ model: "gpt", input: "x", previous_response_id: first.id }).catch((error: unknown) => error);
    expect(orphan).toBeInstanceOf(OpenAI.BadRequestError);
    expect((orphan as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("previous_response_id");
  });
});

describe("the Vercel AI SDK (its OpenAI provider calls the Responses API)", () => {
  const provider = () => createOpenAI({ baseURL: gateway.baseURL, apiKey: masterKey });

  test("generateText and streamText over the OpenAI-wire and Anthropic upstreams", async () => {
    const generated = await generateText({ model: provider()("gpt"), prompt: "Invent a new holiday." });
    expect(generated.text).toBe(fixtureText("openai-text"));
    expect(generated.usage.inputTokens).toBe(fixtureUsage("openai-text").promptTokens);
    expect(lastRecorded(openAIUpstream.chatRequests()).body).toMatchObject({ messages: [{ role: "user", content: [{ type: "text", text: "Invent a new holiday." }] }] });

    const streamed = streamText({ model: provider()("gpt"), prompt: "Invent a new holiday." });
    let text = "";
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe(fixtureStreamText("openai-text"));
    expect((await streamed.usage).outputTokens).toBe(300);

    const claude = await generateText({ model: provider()("claude"), prompt: "Invent a new holiday." });
    expect(claude.text).toBe(fixtureText("anthropic-text"));
  });

  test("generateText and streamText passed through to the OpenAI deployment: the relayed Response and events read as OpenAI's", async () => {
    const generated = await generateText({ model: provider()("gpt-native"), prompt: "Say OK" });
    expect(generated.text).toBe("OK");
    expect(generated.usage).toMatchObject({ inputTokens: 12, outputTokens: 2 });
    const streamed = streamText({ model: provider()("gpt-native"), prompt: "Say OK" });
    let text = "";
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe("OK");
    expect((await streamed.usage).outputTokens).toBe(2);
    expect(responsesRequests().map((request) => (request.body as { model: string }).model)).toEqual(["gpt-4.1-nano", "gpt-4.1-nano"]);
  });

  test("a tool loop: the call and the tool's result reach the upstream; the earlier reasoning (an item_reference, store on) is resolved, and kept from the OpenAI-wire upstream, which does not take it back", async () => {
    const result = await generateText({
      model: provider()("gpt"),
      prompt: "What is the weather in San Francisco?",
      tools: {
        weather: tool({
          description: "Get the weather in a location",
          inputSchema: jsonSchema<{ location: string }>({ type: "object", properties: { location: { type: "string" } }, required: ["location"] }),
          execute: async ({ location }) => ({ location, temperature: "18C" }),
        }),
      },
      stopWhen: stepCountIs(2),
    });
    expect(result.steps[0]?.toolCalls[0]).toMatchObject({ toolName: "weather", input: { location: "San Francisco" } });
    const requests = openAIUpstream.chatRequests();
    const messages = (requests.at(-1)?.body as { messages: Array<Record<string, unknown>> }).messages;
    const call = result.steps[0]?.toolCalls[0]?.toolCallId;
    expect(messages[1]).toMatchObject({ role: "assistant", tool_calls: [{ id: call, function: { name: "weather" } }] });
    expect(messages[1]).not.toHaveProperty("reasoning_content");
    expect(messages[1]).not.toHaveProperty("thinking_blocks");
    expect(messages[2]).toEqual({ role: "tool", tool_call_id: call, content: JSON.stringify({ location: "San Francisco", temperature: "18C" }) });
  });
});

/** The requests the fake OpenAI upstream got at its Responses API. */
function responsesRequests(): RecordedRequest[] {
  return openAIUpstream.requests.filter((request) => request.path === "/v1/responses");
}

const recordedText = JSON.parse(readFixture("issue-20047-openai-responses.json")) as { usage: { input_tokens: number; output_tokens: number } };
/** What the recorded text answer (12 tokens in, 2 out) costs at gptPrice. */
const recordedCost = (recordedText.usage.input_tokens * gptPrice.inputPerMTok + recordedText.usage.output_tokens * gptPrice.outputPerMTok) / 1e6;

describe("POST /v1/responses passed through to an OpenAI deployment", () => {
  test("create: the request goes to OpenAI's /v1/responses as sent, the Response comes back as OpenAI sent it, priced from its usage", async () => {
    const { data: response, response: raw } = await client.responses.create({ model: "gpt-native", input: "Say OK", truncation: "auto", store: false }).withResponse();
    expect(validateRelayedResponse(response)).toEqual([]);
    expect(response.id).toMatch(/^resp_sanitized_normal/);
    expect(response.output_text).toBe("OK");
    expect(response.usage).toEqual(expect.objectContaining({ input_tokens: 12, output_tokens: 2 }));
    expect(lastRecorded(responsesRequests()).body).toEqual({ model: "gpt-4.1-nano", input: "Say OK", truncation: "auto", store: false });
    expect(lastRecorded(responsesRequests()).headers.authorization).toBe(`Bearer ${openAIKey}`);
    expect(openAIUpstream.requests.filter((request) => request.path.endsWith("/chat/completions"))).toEqual([]);
    expect(Number(raw.headers.get("x-gw-cost-usd"))).toBeCloseTo(recordedCost, 6);
    expect(await logLine(raw.headers.get("x-request-id") as string)).toContain(`cost=$${recordedCost.toFixed(6)}`);
  });

  test("stream: every event relayed as OpenAI sent it (valid stream events, in order), the usage priced once it completes", async () => {
    const { data: stream, response: raw } = await client.responses.create({ model: "gpt-native", input: "Say OK", stream: true, store: false }).withResponse();
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const recorded = readFixtureLines("issue-20047-openai-responses").map((line) => JSON.parse(line) as { type: string; sequence_number: number });
    expect(events.map((event) => event.type)).toEqual(recorded.map((event) => event.type));
    expect(events.map((event) => event.sequence_number)).toEqual(recorded.map((event) => event.sequence_number));
    for (const event of events) expect(validateRelayedStreamEvent(event)).toEqual([]);
    expect(events.flatMap((event) => (event.type === "response.output_text.delta" ? [event.delta] : [])).join("")).toBe("OK");
    expect(lastRecorded(responsesRequests()).body).toMatchObject({ model: "gpt-4.1-nano", stream: true });
    const line = await logLine(raw.headers.get("x-request-id") as string);
    expect(line).toContain("POST /v1/responses 200");
    expect(line).toContain(`cost=$${recordedCost.toFixed(6)}`);
  });

  test("a built-in tool (web_search) passes to OpenAI, and its output items come back; translated to Anthropic it is a 400", async () => {
    const response = await client.responses.create({ model: "gpt-native", input: "What happened in San Francisco last week?", tools: [{ type: "web_search" }], include: ["web_search_call.action.sources"], store: false });
    expect(response.output.map((item) => item.type)).toEqual(["web_search_call", "web_search_call", "message"]);
    expect(response.output_text).toContain("Bruce Lee");
    expect(lastRecorded(responsesRequests()).body).toMatchObject({ tools: [{ type: "web_search" }], include: ["web_search_call.action.sources"] });

    const refused = await client.responses.create({ model: "claude", input: "x", tools: [{ type: "web_search" }] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("tools[0].type");
    expect(anthropicUpstream.requests).toEqual([]);
  });

  test("previous_response_id with gw's store: OpenAI gets the stored conversation as input items; retrieve answers the native Response", async () => {
    const first = await client.responses.create({ model: "gpt-native", input: "Say OK" });
    const second = await client.responses.create({ model: "gpt-native", input: "Again", previous_response_id: first.id });
    expect(second.id).not.toBe(first.id);
    const sent = lastRecorded(responsesRequests()).body as Record<string, unknown>;
    expect(sent).not.toHaveProperty("previous_response_id");
    expect(sent.input).toEqual([{ type: "message", role: "user", content: "Say OK" }, ...first.output, { type: "message", role: "user", content: "Again" }]);
    const retrieved = await client.responses.retrieve(first.id);
    expect(retrieved).toEqual(first);
  });

  test("a conversation across a fallback: the failing OpenAI turn goes to Anthropic with the stored turns, and OpenAI later gets Anthropic's answer as items", async () => {
    const first = await client.responses.create({ model: "gpt-native", input: "Say OK" });
    openAIUpstream.failNext([{ status: 500 }]);
    const second = await client.responses.create({ model: "gpt-native", input: "Invent a new holiday.", previous_response_id: first.id });
    expect(second.output_text).toBe(fixtureText("anthropic-text"));
    const toAnthropic = lastRecorded(anthropicUpstream.chatRequests()).body as { messages: Array<{ role: string; content: unknown }> };
    expect(toAnthropic.messages.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
    expect(JSON.stringify(toAnthropic.messages[1]?.content)).toContain('"OK"');

    const third = await client.responses.create({ model: "gpt-native", input: "Shorter.", previous_response_id: second.id });
    expect(third.output_text).toBe("OK");
    const toOpenAI = (lastRecorded(responsesRequests()).body as { input: Array<Record<string, unknown>> }).input;
    expect(toOpenAI.map((item) => item.role ?? item.type)).toEqual(["user", "assistant", "user", "assistant", "user"]);
    // gw's own item ids name nothing at OpenAI: Anthropic's answer goes as an input message with its text.
    expect(toOpenAI[3]).toEqual({ type: "message", role: "assistant", content: fixtureText("anthropic-text") });
    expect(validateResponse(await client.responses.retrieve(second.id))).toEqual([]);
  });
});
