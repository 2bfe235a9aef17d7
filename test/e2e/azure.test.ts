/**
 * End to end through Azure OpenAI: the real `gw serve`, the official `openai` SDK as client,
 * and a fake Azure resource (test/fakes/azure-upstream.ts) that checks what Azure checks: the
 * deployment URL and its `api-version` (or the v1 endpoint with `model`), and the `api-key`
 * header or an Entra ID bearer token.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { startAzureUpstream, type FakeUpstream } from "../fakes/azure-upstream.ts";
import { fixtureStreamText, fixtureText, fixtureUsage } from "../fakes/fixture-text.ts";
import { assembleContent, assembleToolCalls, collectStream, finalFinishReason } from "../support/gateway-client.ts";
import { lastRecorded } from "../support/last-request.ts";
import { validateChatCompletion, validateChatCompletionChunk, validateEmbeddingsResponse, validateErrorResponse } from "../support/openai-schema.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import { weatherTool } from "../support/weather-tool.ts";

const azureKey = "azure-upstream-key-e2e";
const entraToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.entra-e2e";
const masterKey = "gw-master-azure-test";
const apiVersion = "2024-10-21";

let upstream: FakeUpstream;
let client: OpenAI;
let stop: () => Promise<void>;

beforeAll(async () => {
  upstream = await startAzureUpstream({ apiKey: azureKey, entraToken });
  const price = { inputPerMTok: 2.5, outputPerMTok: 10 };
  ({ client, stop } = await serveTestConfig({
    name: "e2e-azure",
    upstreams: [upstream],
    env: { AZURE_API_KEY: azureKey, AZURE_ENTRA_TOKEN: entraToken, GW_MASTER_KEY: masterKey },
    masterKey,
    config: {
      models: [
        {
          name: "azure-gpt",
          deployments: [{ provider: "azure", model: "gpt-4o-deployment", baseUrl: upstream.url, apiVersion, apiKey: { $env: "AZURE_API_KEY" }, price }],
        },
        {
          name: "azure-gpt-v1",
          deployments: [{ provider: "azure", model: "gpt-4o-deployment", baseUrl: upstream.url, credentials: { $env: "AZURE_ENTRA_TOKEN" }, price }],
        },
        {
          name: "azure-missing",
          deployments: [{ provider: "azure", model: "no-such-deployment", baseUrl: upstream.url, apiVersion, apiKey: { $env: "AZURE_API_KEY" }, price }],
        },
        {
          name: "azure-embed",
          deployments: [
            { provider: "azure", model: "embedding-deployment", baseUrl: upstream.url, apiVersion, apiKey: { $env: "AZURE_API_KEY" }, price: { inputPerMTok: 0.02, outputPerMTok: 0 } },
          ],
        },
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

describe("azure with an api-version (deployment URLs, api-key)", () => {
  test("a chat reaches the deployment URL with api-version and api-key, and returns the completion", async () => {
    const completion = await client.chat.completions.create({ model: "azure-gpt", messages: [{ role: "user", content: "Do you support customer managed keys?" }] });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.message.content).toBe(fixtureText("azure-text"));
    expect(completion.usage?.prompt_tokens).toBe(fixtureUsage("azure-text").promptTokens);

    const sent = lastRequest();
    expect(sent.path).toBe(`/openai/deployments/gpt-4o-deployment/chat/completions?api-version=${apiVersion}`);
    expect(sent.headers["api-key"]).toBe(azureKey);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).not.toHaveProperty("model");
  });

  test("a stream drops Azure's prompt_filter_results chunk: every chunk is a valid OpenAI chunk", async () => {
    const stream = await client.chat.completions.create({
      model: "azure-gpt",
      messages: [{ role: "user", content: "Do you support customer managed keys?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collectStream(stream);
    for (const chunk of chunks) {
      expect(validateChatCompletionChunk(chunk)).toEqual([]);
      expect(chunk.object).toBe("chat.completion.chunk");
      expect(chunk.id).not.toBe("");
    }
    expect(assembleContent(chunks)).toBe(fixtureStreamText("azure-text"));
    expect(finalFinishReason(chunks)).toBe("stop");
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 11 });
    expect(lastRequest().body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  test("tools: a streamed tool call reassembles", async () => {
    const stream = await client.chat.completions.create({
      model: "azure-gpt",
      messages: [{ role: "user", content: "Weather in San Francisco?" }],
      tools: [weatherTool],
      stream: true,
    });
    const chunks = await collectStream(stream);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    const calls = assembleToolCalls(chunks);
    expect(calls).toEqual([{ id: "call_Kq3nE8bGv2uTqYx7Zr1cM0aP", name: "weather", arguments: '{"location": "San Francisco"}' }]);
    expect(finalFinishReason(chunks)).toBe("tool_calls");
    expect(lastRequest().body.tools).toEqual([weatherTool]);
  });

  test("a prompt blocked by the content filter is a clear 400", async () => {
    upstream.failNext([{ status: 400 }]);
    const error = await client.chat.completions.create({ model: "azure-gpt", messages: [{ role: "user", content: "something filtered" }] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, code: "content_filter", type: "invalid_request_error" });
    expect((error as Error).message).toContain("content filter blocked the prompt (hate (medium))");
    expect(validateErrorResponse({ error: (error as { error: unknown }).error })).toEqual([]);
  });

  test("a deployment that does not exist is a 404 with a hint", async () => {
    const error = await client.chat.completions.create({ model: "azure-missing", messages: [{ role: "user", content: "Hi" }] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 404 });
    expect((error as Error).message).toContain("the Azure deployment name");
  });

  test("embeddings reach the deployment's embeddings URL; the SDK's base64 is decoded to floats", async () => {
    const response = await client.embeddings.create({ model: "azure-embed", input: ["sunny day at the beach", "rainy day in the city"] });
    expect(response.data).toHaveLength(2);
    expect(response.data[0]?.embedding).toHaveLength(5);
    expect(response.data.every((item) => item.embedding.every((value) => Number.isFinite(value) && Math.abs(value) <= 1))).toBe(true);
    expect(response.usage.prompt_tokens).toBe(10);
    const sent = upstream.chatRequests().at(-1)!;
    expect(sent.path).toBe(`/openai/deployments/embedding-deployment/embeddings?api-version=${apiVersion}`);
    expect(sent.headers["api-key"]).toBe(azureKey);

    const floats = await client.embeddings.create({ model: "azure-embed", input: "sunny day at the beach", encoding_format: "float" });
    expect(validateEmbeddingsResponse(floats)).toEqual([]);
    expect(floats.data[0]?.embedding[0]).toBeCloseTo(response.data[0]!.embedding[0]!, 6);
  });
});

describe("azure v1 API with an Entra ID token", () => {
  test("a chat reaches /openai/v1 with the deployment as model and a bearer token", async () => {
    const completion = await client.chat.completions.create({ model: "azure-gpt-v1", messages: [{ role: "user", content: "Hi" }], tools: [weatherTool] });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    const sent = lastRequest();
    expect(sent.path).toBe("/openai/v1/chat/completions");
    expect(sent.body.model).toBe("gpt-4o-deployment");
    expect(sent.headers.authorization).toBe(`Bearer ${entraToken}`);
    expect(sent.headers["api-key"]).toBeUndefined();
  });

  test("a stream through the v1 endpoint", async () => {
    const stream = await client.chat.completions.create({ model: "azure-gpt-v1", messages: [{ role: "user", content: "Hi" }], stream: true });
    const chunks = await collectStream(stream);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    expect(assembleContent(chunks)).toBe(fixtureStreamText("azure-text"));
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });
});
