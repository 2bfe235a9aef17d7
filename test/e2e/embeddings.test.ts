/**
 * End to end: `POST /v1/embeddings` through the real `gw serve`, driven by the official `openai`
 * SDK (which asks for base64 and decodes it), in front of a fake OpenAI upstream replaying the
 * recorded embeddings response, and through the built-in mock provider. Spend is recorded like
 * chat: a team's tiny budget is spent by one request, and stays spent across a restart.
 */
import { readFileSync } from "node:fs";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { createClient, postRaw } from "../support/gateway-client.ts";
import { validateEmbeddingsResponse, validateErrorResponse } from "../support/openai-schema.ts";
import { createTestDirectory, removeTestDirectory, startGateway, writeConfig, type GatewayProcess } from "../support/start-gw.ts";

const upstreamKey = "sk-upstream-embeddings-test";
const masterKey = "gw-master-embeddings-test";
const tinyKey = "gw-team-tiny-embeddings";

const recorded = JSON.parse(readFileSync(new URL("../fakes/fixtures/openai-embedding.json", import.meta.url), "utf8")) as {
  data: Array<{ embedding: number[] }>;
  usage: { prompt_tokens: number };
};
/** What a client decoding OpenAI's base64 (float32) gets for the recorded floats. */
const asFloat32 = (values: number[]): number[] => values.map((value) => Math.fround(value));

let upstream: FakeUpstream;
let directory: string;
let config: string;
let gateway: GatewayProcess;
let client: OpenAI;

const environment = { OPENAI_API_KEY: upstreamKey, GW_MASTER_KEY: masterKey, TINY_KEY: tinyKey };

beforeAll(async () => {
  upstream = await startOpenAIUpstream({ apiKey: upstreamKey });
  directory = createTestDirectory("e2e-embeddings");
  config = writeConfig(directory, {
    models: [
      {
        name: "embed-small",
        deployments: [
          {
            name: "openai-embed",
            provider: "openai",
            model: "text-embedding-3-small",
            baseUrl: upstream.baseUrl,
            apiKey: { $env: "OPENAI_API_KEY" },
            price: { inputPerMTok: 1000, outputPerMTok: 0 },
          },
        ],
      },
      { name: "embed-mock", deployments: [{ provider: "mock", model: "mock-embed" }] },
      {
        name: "claude-chat",
        deployments: [{ provider: "anthropic", model: "claude-sonnet-4-5", baseUrl: "http://127.0.0.1:9", apiKey: { $env: "OPENAI_API_KEY" } }],
      },
    ],
    masterKey: { $env: "GW_MASTER_KEY" },
    // At $1000 per million tokens one recorded input (6 tokens) costs $0.006, above the budget.
    teams: [{ name: "tiny-team", budget: { usd: 0.0001, period: "day" }, models: ["embed-small"] }],
    keys: [{ name: "tiny", team: "tiny-team", key: { $env: "TINY_KEY" } }],
  });
  gateway = await startGateway({ config, dataDir: `${directory}/data`, env: environment });
  client = createClient(gateway, masterKey);
});

afterAll(async () => {
  await gateway?.stop();
  await upstream?.close();
  if (directory) removeTestDirectory(directory);
});

beforeEach(() => upstream.reset());

function upstreamEmbeddingRequests() {
  return upstream.requests.filter((request) => request.path === "/v1/embeddings");
}

describe("through the openai provider", () => {
  test("the SDK gets the recorded vectors and usage; the upstream gets the deployment's model and key", async () => {
    const response = await client.embeddings.create({ model: "embed-small", input: ["The food was delicious", "and the waiter..."] });
    expect(response.object).toBe("list");
    expect(response.data.map((item) => item.index)).toEqual([0, 1]);
    expect(response.data[0]!.embedding).toEqual(asFloat32(recorded.data[0]!.embedding));
    expect(response.data[1]!.embedding).toEqual(asFloat32(recorded.data[1]!.embedding));
    expect(response.usage).toEqual({ prompt_tokens: recorded.usage.prompt_tokens, total_tokens: recorded.usage.prompt_tokens });

    const [sent] = upstreamEmbeddingRequests();
    expect(sent!.headers.authorization).toBe(`Bearer ${upstreamKey}`);
    // The SDK asks for base64; gw passes that on rather than re-encoding floats.
    expect(sent!.body).toMatchObject({ model: "text-embedding-3-small", input: ["The food was delicious", "and the waiter..."], encoding_format: "base64" });
  });

  test("raw float and base64 answers validate against OpenAI's schema, with gw's headers and cost", async () => {
    const floats = await postRaw(gateway, { model: "embed-small", input: "hello", encoding_format: "float" }, { apiKey: masterKey, path: "/v1/embeddings" });
    expect(floats.status).toBe(200);
    expect(validateEmbeddingsResponse(floats.json)).toEqual([]);
    expect((floats.json as { data: Array<{ embedding: number[] }> }).data[0]!.embedding).toEqual(recorded.data[0]!.embedding);
    expect(floats.headers.get("x-gw-model")).toBe("embed-small");
    expect(floats.headers.get("x-gw-deployment")).toBe("openai-embed");
    expect(floats.headers.get("x-gw-provider")).toBe("openai");
    expect(floats.headers.get("x-gw-attempts")).toBe("1");
    expect(floats.headers.get("x-request-id")).toMatch(/^req_/);
    // 6 tokens at $1000 per million.
    expect(Number(floats.headers.get("x-gw-cost-usd"))).toBeCloseTo(0.006, 9);

    const base64 = await postRaw(gateway, { model: "embed-small", input: "hello", encoding_format: "base64" }, { apiKey: masterKey, path: "/embeddings" });
    expect(base64.status).toBe(200);
    expect(typeof (base64.json as { data: Array<{ embedding: unknown }> }).data[0]!.embedding).toBe("string");
    expect(validateEmbeddingsResponse(base64.json)).toEqual([]);
  });

  test("a failed attempt is retried", async () => {
    upstream.failNext([{ status: 503 }]);
    const response = await postRaw(gateway, { model: "embed-small", input: "retry me", encoding_format: "float" }, { apiKey: masterKey, path: "/v1/embeddings" });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-attempts")).toBe("2");
    expect(upstreamEmbeddingRequests()).toHaveLength(2);
  });
});

describe("through the mock provider", () => {
  test("answers deterministic vectors with usage, in the dimensions asked for", async () => {
    const first = await client.embeddings.create({ model: "embed-mock", input: ["same text", "other text"] });
    const again = await client.embeddings.create({ model: "embed-mock", input: "same text" });
    expect(first.data).toHaveLength(2);
    expect(first.data[0]!.embedding).toHaveLength(8);
    expect(again.data[0]!.embedding).toEqual(first.data[0]!.embedding);
    expect(first.data[1]!.embedding).not.toEqual(first.data[0]!.embedding);
    expect(first.usage.prompt_tokens).toBe(Math.ceil("same text".length / 4) + Math.ceil("other text".length / 4));
    const sized = await client.embeddings.create({ model: "embed-mock", input: "same text", dimensions: 3 });
    expect(sized.data[0]!.embedding).toHaveLength(3);
    const raw = await postRaw(gateway, { model: "embed-mock", input: [[1, 2, 3]], encoding_format: "float" }, { apiKey: masterKey, path: "/v1/embeddings" });
    expect(validateEmbeddingsResponse(raw.json)).toEqual([]);
  });
});

describe("errors", () => {
  test("a model whose provider has no embeddings answers 400 embeddings_not_supported", async () => {
    const error = await client.embeddings.create({ model: "claude-chat", input: "x" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("embeddings_not_supported");
    expect((error as Error).message).toContain("anthropic");
  });

  test("bad input answers 400 with the parameter, in OpenAI's error shape", async () => {
    const response = await postRaw(gateway, { model: "embed-small", input: [] }, { apiKey: masterKey, path: "/v1/embeddings" });
    expect(response.status).toBe(400);
    expect(validateErrorResponse(response.json)).toEqual([]);
    expect((response.json as { error: { param: string } }).error.param).toBe("input");
    expect(upstreamEmbeddingRequests()).toHaveLength(0);
  });
});

describe("spend", () => {
  test("is recorded and counted against the team's budget, across a restart", async () => {
    const team = createClient(gateway, tinyKey);
    const first = await team.embeddings.create({ model: "embed-small", input: "spend it" });
    expect(first.data).toHaveLength(1);
    const refused = await postRaw(gateway, { model: "embed-small", input: "again" }, { apiKey: tinyKey, path: "/v1/embeddings" });
    expect(refused.status).toBe(429);
    expect((refused.json as { error: { code: string } }).error.code).toBe("budget_exceeded");

    // The budget counter is rebuilt from the spend store at start-up: the spend was written there.
    await gateway.stop();
    gateway = await startGateway({ config, dataDir: `${directory}/data`, env: environment });
    client = createClient(gateway, masterKey);
    const afterRestart = await postRaw(gateway, { model: "embed-small", input: "again" }, { apiKey: tinyKey, path: "/v1/embeddings" });
    expect(afterRestart.status).toBe(429);
    expect(upstreamEmbeddingRequests()).toHaveLength(1);
  });
});
