/**
 * End to end through Amazon Bedrock: the real `gw serve` with AWS credentials from the usual
 * environment variables (session token included) and the region in the config, the official
 * `openai` SDK as client, and a fake Bedrock Runtime (test/fakes/bedrock-upstream.ts) that
 * verifies every request's SigV4 signature with its own implementation, answers Converse from
 * recorded responses and ConverseStream in AWS's binary event-stream framing.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { defaultTestCredentials, fakeVector, startBedrockUpstream, type FakeUpstream } from "../fakes/bedrock-upstream.ts";
import { readFixture, readFixtureLines, type RecordedRequest } from "../fakes/fake-server.ts";
import { assembleContent, assembleToolCalls, collectStream, finalFinishReason, postRaw } from "../support/gateway-client.ts";
import { lastRecorded } from "../support/last-request.ts";
import { validateChatCompletion, validateChatCompletionChunk, validateEmbeddingsResponse, validateErrorResponse } from "../support/openai-schema.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";
import { weatherTool } from "../support/weather-tool.ts";

const credentials = { ...defaultTestCredentials, sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE-session-token//e2e==" };
const wrongSecret = "this-is-not-the-secret-access-key";
const masterKey = "gw-master-bedrock-test";
const modelId = "anthropic.claude-3-5-sonnet-20240620-v1:0";

interface ConverseFixture {
  output: { message: { content: Array<{ text?: string; toolUse?: { toolUseId: string; name: string; input: unknown } }> } };
  usage: { inputTokens: number; outputTokens: number };
}

function converseFixture(name: string): ConverseFixture {
  return JSON.parse(readFixture(`${name}.json`)) as ConverseFixture;
}

/** The text a ConverseStream fixture spells out. */
function streamedText(name: string): string {
  return readFixtureLines(name)
    .map((line) => (JSON.parse(line) as { contentBlockDelta?: { delta?: { text?: string } } }).contentBlockDelta?.delta?.text ?? "")
    .join("");
}

let upstream: FakeUpstream;
let gateway: GatewayProcess;
let client: OpenAI;
let stop: () => Promise<void>;

beforeAll(async () => {
  upstream = await startBedrockUpstream({ credentials, region: "us-east-1" });
  const bedrock = { provider: "bedrock" as const, baseUrl: upstream.url, region: "us-east-1" };
  ({ gateway, client, stop } = await serveTestConfig({
    name: "e2e-bedrock",
    upstreams: [upstream],
    env: {
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_SESSION_TOKEN: credentials.sessionToken,
        WRONG_AWS_SECRET: wrongSecret,
        GW_MASTER_KEY: masterKey,
      },
    masterKey,
    config: {
      models: [
        { name: "claude-bedrock", deployments: [{ ...bedrock, model: modelId, price: { inputPerMTok: 3, outputPerMTok: 15 } }] },
        {
          name: "claude-wrong-secret",
          deployments: [
            {
              ...bedrock,
              model: modelId,
              aws: { accessKeyId: { $env: "AWS_ACCESS_KEY_ID" }, secretAccessKey: { $env: "WRONG_AWS_SECRET" }, sessionToken: { $env: "AWS_SESSION_TOKEN" } },
              price: { inputPerMTok: 3, outputPerMTok: 15 },
            },
          ],
        },
        { name: "titan-embed", deployments: [{ ...bedrock, model: "amazon.titan-embed-text-v2:0", price: { inputPerMTok: 0.02, outputPerMTok: 0 } }] },
        { name: "cohere-embed-bedrock", deployments: [{ ...bedrock, model: "cohere.embed-english-v3", price: { inputPerMTok: 0.1, outputPerMTok: 0 } }] },
      ],
      retries: { attempts: 2, initialBackoffMs: 1, maxBackoffMs: 20 },
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

function expectSigned(request: RecordedRequest): void {
  expect(request.headers.authorization).toMatch(
    new RegExp(`^AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/\\d{8}/us-east-1/bedrock/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-security-token[a-z0-9;-]*, Signature=[0-9a-f]{64}$`),
  );
  expect(request.headers["x-amz-security-token"]).toBe(credentials.sessionToken);
}

describe("chat through bedrock Converse", () => {
  test("a chat is signed, reaches /model/{id}/converse in Converse's shape, and returns the completion with usage", async () => {
    const recorded = converseFixture("amazon-bedrock-text");
    const completion = await client.chat.completions.create({
      model: "claude-bedrock",
      messages: [
        { role: "system", content: "Answer briefly." },
        { role: "user", content: 'How many "r"s are in strawberry?' },
      ],
      max_tokens: 200,
      temperature: 0.2,
      stop: ["\n\nHuman:"],
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.message.content).toBe(recorded.output.message.content[0]?.text);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage).toMatchObject({ prompt_tokens: recorded.usage.inputTokens, completion_tokens: recorded.usage.outputTokens });

    const sent = lastChatRequest();
    expect(sent.path).toBe("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
    expectSigned(sent);
    expect(sent.body).toEqual({
      system: [{ text: "Answer briefly." }],
      messages: [{ role: "user", content: [{ text: 'How many "r"s are in strawberry?' }] }],
      inferenceConfig: { maxTokens: 200, temperature: 0.2, stopSequences: ["\n\nHuman:"] },
    });
  });

  test("response_format on a model without native structured output is sent as a forced tool Converse accepts", async () => {
    const schema = { type: "object", properties: { answer: { type: "integer" } }, required: ["answer"] };
    const completion = await client.chat.completions.create({
      model: "claude-bedrock",
      messages: [{ role: "user", content: 'How many "r"s are in strawberry?' }],
      response_format: { type: "json_schema", json_schema: { name: "count", schema } },
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    const sent = lastChatRequest();
    expect(sent.body).not.toHaveProperty("outputConfig");
    expect(sent.body).toMatchObject({
      toolConfig: { tools: [{ toolSpec: { name: "gw_response_format", inputSchema: { json: schema } } }], toolChoice: { tool: { name: "gw_response_format" } } },
    });
  });

  test("a stream arrives in AWS event-stream framing and reaches the client as valid chunks, usage last", async () => {
    const stream = await client.chat.completions.create({
      model: "claude-bedrock",
      messages: [{ role: "user", content: 'How many "r"s are in strawberry?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collectStream(stream);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    expect(assembleContent(chunks)).toBe(streamedText("amazon-bedrock-text"));
    expect(finalFinishReason(chunks)).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 22, completion_tokens: 55, total_tokens: 77 } });
    const sent = lastChatRequest();
    expect(sent.path).toBe("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream");
    expectSigned(sent);
  });

  test("tools: a tool call comes back as tool_calls, and the streamed one reassembles", async () => {
    const completion = await client.chat.completions.create({
      model: "claude-bedrock",
      messages: [{ role: "user", content: "List the files." }],
      tools: [weatherTool],
      tool_choice: "required",
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    const recorded = converseFixture("amazon-bedrock-tool-call.1").output.message.content[0]!.toolUse!;
    expect(completion.choices[0]?.message.tool_calls).toEqual([
      { id: recorded.toolUseId, type: "function", function: { name: recorded.name, arguments: JSON.stringify(recorded.input) } },
    ]);
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect((lastChatRequest().body as { toolConfig: unknown }).toolConfig).toEqual({
      tools: [{ toolSpec: { name: "weather", description: weatherTool.function.description, inputSchema: { json: weatherTool.function.parameters } } }],
      toolChoice: { any: {} },
    });

    const stream = await client.chat.completions.create({
      model: "claude-bedrock",
      messages: [{ role: "user", content: "Name a holiday." }],
      tools: [weatherTool],
      stream: true,
    });
    const chunks = await collectStream(stream);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    expect(assembleToolCalls(chunks)).toEqual([{ id: "tool-use-id", name: "test-tool", arguments: '{"value":"Sparkle Day"}' }]);
    expect(finalFinishReason(chunks)).toBe("tool_calls");
  });

  test("a tool result goes back as a toolResult block that Bedrock accepts, and the model answers", async () => {
    const completion = await client.chat.completions.create({
      model: "claude-bedrock",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_abc", type: "function", function: { name: "weather", arguments: '{"location":"Paris"}' } }] },
        { role: "tool", tool_call_id: "call_abc", content: "18C and sunny" },
      ],
      tools: [weatherTool],
    });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect((lastChatRequest().body as { messages: unknown[] }).messages).toEqual([
      { role: "user", content: [{ text: "Weather in Paris?" }] },
      { role: "assistant", content: [{ toolUse: { toolUseId: "call_abc", name: "weather", input: { location: "Paris" } } }] },
      { role: "user", content: [{ toolResult: { toolUseId: "call_abc", content: [{ text: "18C and sunny" }] } }] },
    ]);
  });

  test("a retried attempt is signed afresh and accepted", async () => {
    upstream.failNext([{ status: 503 }]);
    const completion = await client.chat.completions.create({ model: "claude-bedrock", messages: [{ role: "user", content: "Hi" }] });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const requests = upstream.chatRequests();
    expect(requests).toHaveLength(2);
    // The fake verified the second attempt's signature before answering it.
    expect(requests[1]?.outcome).toBe("completed");
    expectSigned(requests[1]!);
  });

  test("an image by http URL is refused with a clear 400 before anything is sent", async () => {
    const response = await postRaw(
      gateway,
      { model: "claude-bedrock", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }] },
      { apiKey: masterKey },
    );
    expect(response.status).toBe(400);
    expect(validateErrorResponse(response.json)).toEqual([]);
    expect(response.json).toMatchObject({ error: { type: "invalid_request_error", param: "messages[0].content[0].image_url.url" } });
    expect(upstream.chatRequests()).toHaveLength(0);
  });

  test("a wrong AWS secret gets Bedrock's 403, which the client sees as a clear OpenAI-shaped credentials error", async () => {
    const response = await postRaw(gateway, { model: "claude-wrong-secret", messages: [{ role: "user", content: "Hi" }] }, { apiKey: masterKey });
    expect(response.status).toBe(403);
    expect(validateErrorResponse(response.json)).toEqual([]);
    expect(response.json).toMatchObject({ error: { type: "permission_error", code: "upstream_authentication_failed" } });
    expect((response.json as { error: { message: string } }).error.message).toMatch(/rejected gw's AWS credentials/);
    expect(response.text).not.toContain(wrongSecret);
    expect(response.text).not.toContain(credentials.sessionToken);
    expect(gateway.stdout() + gateway.stderr()).not.toContain(wrongSecret);
    expect(upstream.chatRequests()).toHaveLength(1); // not retried: the credentials will not get better
  });
});

describe("embeddings through bedrock InvokeModel", () => {
  test("Titan embeds one input per signed request; the answers come back in input order with their token counts", async () => {
    const input = ["sunny day at the beach", "rainy day in the city", "snow"];
    const response = await client.embeddings.create({ model: "titan-embed", input, dimensions: 256, encoding_format: "float" });
    expect(validateEmbeddingsResponse(response)).toEqual([]);
    expect(response.data.map((item) => item.index)).toEqual([0, 1, 2]);
    expect(response.data.map((item) => item.embedding)).toEqual(input.map((text) => fakeVector(text, 256)));
    expect(response.usage).toEqual({ prompt_tokens: 5 + 5 + 1, total_tokens: 11 });
    const sent = upstream.requests.filter((request) => request.path.endsWith("/invoke"));
    expect(sent).toHaveLength(3);
    for (const request of sent) {
      expect(request.path).toBe("/model/amazon.titan-embed-text-v2%3A0/invoke");
      expectSigned(request);
    }
    expect(sent.map((request) => (request.body as { inputText: string }).inputText).sort()).toEqual([...input].sort());
  });

  test("the SDK's default base64 encoding decodes to the same vectors", async () => {
    const response = await client.embeddings.create({ model: "titan-embed", input: "hello world" });
    expect(response.data[0]?.embedding).toHaveLength(8);
    (response.data[0]?.embedding as number[]).forEach((value, index) => expect(value).toBeCloseTo(fakeVector("hello world", 8)[index]!, 5));
  });

  test("Cohere Embed on Bedrock takes the texts in one request", async () => {
    const response = await client.embeddings.create({ model: "cohere-embed-bedrock", input: ["a", "b"], encoding_format: "float" });
    expect(validateEmbeddingsResponse(response)).toEqual([]);
    expect(response.data.map((item) => item.embedding)).toEqual([fakeVector("a", 8), fakeVector("b", 8)]);
    const sent = upstream.requests.filter((request) => request.path.endsWith("/invoke"));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toEqual({ texts: ["a", "b"], input_type: "search_document" });
  });
});
