/**
 * End to end through the vertex provider: the real `gw serve` process, driven by the official
 * `openai` SDK, in front of a fake Vertex AI (Gemini and Claude models, on their own wire
 * formats) and a fake Google token endpoint. gw gets its access token by signing a JWT with the
 * service-account key from the environment; the fake upstream accepts only tokens that the
 * fake token endpoint issued.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { readFixture, readFixtureLines, type FakeUpstream } from "../fakes/fake-server.ts";
import { fixtureStreamText, fixtureText } from "../fakes/fixture-text.ts";
import { createServiceAccountKey, startFakeTokenEndpoint, type FakeTokenEndpoint } from "../fakes/google-token-endpoint.ts";
import { startVertexUpstream } from "../fakes/vertex-upstream.ts";
import { assembleContent, assembleToolCalls, collectStream, finalFinishReason } from "../support/gateway-client.ts";
import { lastRecorded } from "../support/last-request.ts";
import { validateChatCompletion, validateChatCompletionChunk } from "../support/openai-schema.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";

const masterKey = "gw-master-vertex-test";
const project = "gw-e2e-project";
const region = "us-east5";
const price = { inputPerMTok: 3, outputPerMTok: 15 };

const weatherTool = {
  type: "function" as const,
  function: {
    name: "weather",
    description: "Get the weather in a location",
    parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"], additionalProperties: false },
  },
};

interface GeminiLine {
  candidates?: Array<{ content?: { parts?: Array<{ text?: string }> } }>;
}

function recordedGeminiText(name: string): string {
  const body = JSON.parse(readFixture(`${name}.json`)) as GeminiLine;
  return (body.candidates?.[0]?.content?.parts ?? []).map((part) => part.text ?? "").join("");
}

function recordedGeminiStreamText(name: string): string {
  return readFixtureLines(name)
    .map((line) => (JSON.parse(line) as GeminiLine).candidates?.[0]?.content?.parts?.map((part) => part.text ?? "").join("") ?? "")
    .join("");
}

let tokens: FakeTokenEndpoint;
let upstream: FakeUpstream;
let client: OpenAI;
let stop: () => Promise<void>;

function deployment(model: string, credentials = "VERTEX_SERVICE_ACCOUNT") {
  return { provider: "vertex" as const, model, project, region, baseUrl: upstream.url, credentials: { $env: credentials }, price };
}

beforeAll(async () => {
  const endpoint = await startFakeTokenEndpoint();
  tokens = endpoint;
  const key = createServiceAccountKey({ tokenUri: endpoint.tokenUri, projectId: project });
  endpoint.setAccount(key);
  // Same account and key id, but signed with another private key: Google refuses its JWT.
  const impostor = JSON.parse(createServiceAccountKey({ tokenUri: endpoint.tokenUri, projectId: project }).json) as Record<string, unknown>;
  const forged = JSON.stringify({ ...(JSON.parse(key.json) as Record<string, unknown>), private_key: impostor.private_key });

  upstream = await startVertexUpstream({ project, region, isIssuedToken: (token) => endpoint.isIssued(token) });
  ({ client, stop } = await serveTestConfig({
    name: "e2e-vertex",
    upstreams: [upstream, tokens],
    env: { VERTEX_SERVICE_ACCOUNT: key.json, GOOGLE_SERVICE_ACCOUNT_JSON: key.json, VERTEX_FORGED_ACCOUNT: forged, GW_MASTER_KEY: masterKey },
    masterKey,
    config: {
      models: [
        { name: "vertex-gemini", deployments: [{ name: "vertex-gemini-main", ...deployment("gemini-2.5-flash") }] },
        { name: "vertex-claude", deployments: [{ name: "vertex-claude-main", ...deployment("claude-sonnet-4-5@20250929") }] },
        { name: "vertex-embed", deployments: [{ ...deployment("text-embedding-005", "GOOGLE_SERVICE_ACCOUNT_JSON"), price: { inputPerMTok: 0.025, outputPerMTok: 0 } }] },
        { name: "vertex-forged", deployments: [deployment("gemini-2.5-flash", "VERTEX_FORGED_ACCOUNT")] },
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

function issuedTokenOf(headers: Record<string, string>): string {
  const token = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1] ?? "";
  expect(tokens.isIssued(token)).toBe(true);
  return token;
}

describe("a Gemini model on Vertex AI", () => {
  test("a chat goes to the project's generateContent with an access token from the service account", async () => {
    const completion = await client.chat.completions.create({
      model: "vertex-gemini",
      messages: [
        { role: "system", content: "Answer briefly." },
        { role: "user", content: "How many r's are in strawberry?" },
      ],
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.message.content).toBe(recordedGeminiText("google-text"));
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const request = lastRequest();
    expect(request.path).toBe(`/v1/projects/${project}/locations/${region}/publishers/google/models/gemini-2.5-flash:generateContent`);
    issuedTokenOf(request.headers);
    expect(request.body).toEqual({
      contents: [{ role: "user", parts: [{ text: "How many r's are in strawberry?" }] }],
      systemInstruction: { parts: [{ text: "Answer briefly." }] },
    });
  });

  test("a streaming chat with usage", async () => {
    const stream = await client.chat.completions.create({
      model: "vertex-gemini",
      messages: [{ role: "user", content: "How many r's are in strawberry?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collectStream(stream);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    expect(assembleContent(chunks)).toBe(recordedGeminiStreamText("google-text"));
    expect(finalFinishReason(chunks)).toBe("stop");
    expect(chunks.at(-1)?.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
    expect(lastRequest().path).toMatch(/:streamGenerateContent\?alt=sse$/);
  });

  test("a streamed tool call", async () => {
    const stream = await client.chat.completions.create({
      model: "vertex-gemini",
      messages: [{ role: "user", content: "What is the weather in San Francisco?" }],
      tools: [weatherTool],
      stream: true,
    });
    const chunks = await collectStream(stream);
    const calls = assembleToolCalls(chunks);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.name).toBe("weather");
    expect(JSON.parse(calls[0]!.arguments)).toEqual({ location: "San Francisco" });
    expect(finalFinishReason(chunks)).toBe("tool_calls");
  });
});

describe("a Claude model on Vertex AI", () => {
  test("a chat goes to rawPredict with the Messages body Vertex wants", async () => {
    const completion = await client.chat.completions.create({
      model: "vertex-claude",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Hello, how are you?" },
      ],
      max_tokens: 100,
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.message.content).toBe(fixtureText("anthropic-text"));
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const request = lastRequest();
    expect(request.path).toBe(`/v1/projects/${project}/locations/${region}/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict`);
    issuedTokenOf(request.headers);
    expect(request.body).toEqual({
      anthropic_version: "vertex-2023-10-16",
      messages: [{ role: "user", content: [{ type: "text", text: "Hello, how are you?" }] }],
      system: [{ type: "text", text: "You are terse." }],
      max_tokens: 100,
    });
  });

  test("a streaming chat goes to streamRawPredict", async () => {
    const stream = await client.chat.completions.create({
      model: "vertex-claude",
      messages: [{ role: "user", content: "Hello, how are you?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collectStream(stream);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    expect(assembleContent(chunks)).toBe(fixtureStreamText("anthropic-text"));
    expect(finalFinishReason(chunks)).toBe("stop");
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
    expect(lastRequest().path).toMatch(/\/publishers\/anthropic\/models\/claude-sonnet-4-5@20250929:streamRawPredict$/);
  });

  test("a tool call", async () => {
    const completion = await client.chat.completions.create({
      model: "vertex-claude",
      messages: [{ role: "user", content: "What is the weather in San Francisco?" }],
      tools: [weatherTool],
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" ? call.function.name : undefined).toBeTruthy();
    expect((lastRequest().body as { tools?: unknown[] }).tools).toHaveLength(1);
  });
});

describe("Vertex AI credentials and embeddings", () => {
  test("the access token is exchanged once per deployment and reused", async () => {
    await client.chat.completions.create({ model: "vertex-gemini", messages: [{ role: "user", content: "again" }] });
    const exchanged = tokens.exchanges.length;
    await client.chat.completions.create({ model: "vertex-gemini", messages: [{ role: "user", content: "and again" }] });
    await client.chat.completions.create({ model: "vertex-claude", messages: [{ role: "user", content: "hi" }], max_tokens: 10 });
    expect(tokens.exchanges.length).toBe(exchanged);
    const used = new Set(upstream.chatRequests().map((request) => issuedTokenOf(request.headers)));
    expect(used.size).toBe(2);
  });

  test("credentials Google refuses are a 401 that names the deployment and not the key", async () => {
    const error = await client.chat.completions.create({ model: "vertex-forged", messages: [{ role: "user", content: "hi" }] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 401 });
    const body = JSON.stringify((error as { error?: unknown }).error);
    expect(body).toContain("invalid_grant");
    expect(body).not.toContain("PRIVATE KEY");
    expect(upstream.chatRequests()).toHaveLength(0);
  });

  test("embeddings through predict, with the token counts Vertex reports", async () => {
    const recorded = JSON.parse(readFixture("google-vertex-embedding.json")) as {
      predictions: Array<{ embeddings: { values: number[]; statistics: { token_count: number } } }>;
    };
    const response = await client.embeddings.create({ model: "vertex-embed", input: ["sunny day at the beach", "rainy day in the city"] });
    expect(response.data).toHaveLength(2);
    expect(response.data[1]!.embedding.map((value) => Math.fround(value))).toEqual(recorded.predictions[1]!.embeddings.values.map((value) => Math.fround(value)));
    expect(response.usage.prompt_tokens).toBe(recorded.predictions[0]!.embeddings.statistics.token_count + recorded.predictions[1]!.embeddings.statistics.token_count);
    const predict = upstream.requests.filter((request) => request.path.endsWith(":predict"));
    expect(predict).toHaveLength(1);
    expect(predict[0]!.path).toBe(`/v1/projects/${project}/locations/${region}/publishers/google/models/text-embedding-005:predict`);
    issuedTokenOf(predict[0]!.headers);
  });
});
