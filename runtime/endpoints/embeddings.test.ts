import { describe, expect, it } from "vitest";
import { decodeFloat32Base64, parseEmbeddingsRequest } from "./embeddings.ts";
import { GatewayError } from "../http/errors.ts";
import { encodeEmbedding } from "../providers/shared/encode-embedding.ts";
import { answer, createFakeBundle, embedWith, failWith, refuse } from "../testing/fake-provider.ts";
import { createTestGateway, keyHash } from "../testing/test-gateway.ts";

interface ErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

interface EmbeddingsBody {
  object: string;
  model: string;
  data: Array<{ object: string; index: number; embedding: number[] | string }>;
  usage: { prompt_tokens: number; total_tokens: number };
}

const bundle = createFakeBundle({
  models: [
    { name: "embed", deployments: ["embed-1"] },
    { name: "embed-backup", deployments: ["embed-2"] },
    { name: "embed-with-fallback", deployments: ["embed-down"], fallbacks: ["embed-backup"], retries: 1 },
    { name: "chat-only", deployments: [{ model: "chat-1", provider: "fake-chat" }] },
    { name: "mixed", deployments: [{ model: "chat-2", provider: "fake-chat" }, "embed-3"] },
    { name: "free", deployments: [{ model: "embed-free", priced: false }] },
    { name: "chat-and-embeddings", deployments: ["chat-x", "text-embedding-y"] },
  ],
  teams: [{ name: "research", budget: { usd: 0.0001, period: "day" }, models: ["embed", "chat-only"] }],
  keys: [{ name: "research-ci", team: "research", key: keyHash("research-secret") }],
  masterKey: keyHash("master"),
  price: { input: 2, output: 1000 },
});

const handlers = {
  "embed-1": embedWith(40),
  "embed-2": embedWith(7),
  "embed-3": embedWith(5),
  "embed-free": embedWith(5),
  "embed-down": failWith(503),
  "chat-x": answer("hello"),
  "text-embedding-y": embedWith(3),
};

async function errorOf(response: Response): Promise<ErrorBody["error"]> {
  const body = (await response.json()) as ErrorBody;
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  return body.error;
}

describe("POST /v1/embeddings", () => {
  it("answers OpenAI's embeddings list with gw's headers, and records the spend like chat", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.embed({ model: "embed", input: ["first", "second"], encoding_format: "float" }, "master");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = (await response.json()) as EmbeddingsBody;
    expect(body).toEqual({
      object: "list",
      model: "embed",
      data: [
        { object: "embedding", index: 0, embedding: [0, 0.1, 0.2] },
        { object: "embedding", index: 1, embedding: [1, 1.1, 1.2] },
      ],
      usage: { prompt_tokens: 40, total_tokens: 40 },
    });
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    expect(response.headers.get("x-gw-model")).toBe("embed");
    expect(response.headers.get("x-gw-deployment")).toBe("embed/0");
    expect(response.headers.get("x-gw-provider")).toBe("fake");
    expect(response.headers.get("x-gw-attempts")).toBe("1");
    // 40 input tokens at $2/M
    expect(Number(response.headers.get("x-gw-cost-usd"))).toBeCloseTo(0.00008, 12);
    expect(gateway.calls[0]).toMatchObject({ url: "http://fake.invalid/embed", model: "embed-1", body: { input: ["first", "second"] } });
    expect(gateway.store.records).toHaveLength(1);
    expect(gateway.store.records[0]).toMatchObject({
      requestId: response.headers.get("x-request-id"),
      model: "embed",
      deployment: "embed/0",
      provider: "fake",
      inputTokens: 40,
      outputTokens: 0,
      status: 200,
      stream: false,
    });
    expect(gateway.store.records[0]!.costUsd).toBeCloseTo(0.00008, 12);
    expect(gateway.entries()[0]).toMatchObject({ path: "/v1/embeddings", status: 200, model: "embed", attempts: 1, stream: false });
  });

  it("also serves /embeddings, and answers 405 to other methods", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    expect((await gateway.post("/embeddings", { model: "embed", input: "x" }, { authorization: "Bearer master" })).status).toBe(200);
    const get = await gateway.app.request("/v1/embeddings");
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("answers base64 of little-endian float32s when asked, as OpenAI does", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.embed({ model: "embed", input: "x", encoding_format: "base64" }, "master");
    const body = (await response.json()) as EmbeddingsBody;
    const embedding = body.data[0]!.embedding as string;
    expect(typeof embedding).toBe("string");
    expect(decodeFloat32Base64(embedding)).toEqual([0, Math.fround(0.1), Math.fround(0.2)]);
  });

  it("answers floats when the client did not ask for base64, even if the provider sent base64", async () => {
    const base64Handler = () => Response.json({ vectors: [encodeEmbedding([0.5, -1], "base64")], tokens: 2 });
    const gateway = await createTestGateway(bundle, { handlers: { "embed-1": base64Handler } });
    const body = (await (await gateway.embed({ model: "embed", input: "x" }, "master")).json()) as EmbeddingsBody;
    expect(body.data[0]!.embedding).toEqual([0.5, -1]);
  });

  it("surfaces dropped parameters in x-gw-warnings", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.embed({ model: "embed", input: "x", user: "u-1" }, "master");
    expect(response.headers.get("x-gw-warnings")).toContain("user");
  });

  it("sets no cost header for an unpriced deployment, and records cost 0", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.embed({ model: "free", input: "x" }, "master");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-cost-usd")).toBeNull();
    expect(gateway.store.records[0]?.costUsd).toBe(0);
  });

  it.each([
    ["a missing model", { input: "x" }, "model", "missing_required_parameter"],
    ["a model that is not a string", { model: 1, input: "x" }, "model", "invalid_type"],
    ["a missing input", { model: "embed" }, "input", "missing_required_parameter"],
    ["an empty string", { model: "embed", input: "" }, "input", "invalid_value"],
    ["an empty array", { model: "embed", input: [] }, "input", "invalid_value"],
    ["an object", { model: "embed", input: { text: "x" } }, "input", "invalid_type"],
    ["mixed strings and numbers", { model: "embed", input: ["a", 1] }, "input[1]", "invalid_type"],
    ["an empty string in the list", { model: "embed", input: ["a", ""] }, "input[1]", "invalid_value"],
    ["a negative token id", { model: "embed", input: [1, -2] }, "input[1]", "invalid_type"],
    ["a fractional token id", { model: "embed", input: [1.5] }, "input[0]", "invalid_type"],
    ["an empty token array", { model: "embed", input: [[1], []] }, "input[1]", "invalid_value"],
    ["a token array with a string", { model: "embed", input: [[1, "a"]] }, "input[0]", "invalid_type"],
    ["an unknown encoding", { model: "embed", input: "x", encoding_format: "int8" }, "encoding_format", "invalid_value"],
    ["zero dimensions", { model: "embed", input: "x", dimensions: 0 }, "dimensions", "invalid_value"],
  ])("answers 400 with param for %s", async (_name, body, param, code) => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.embed(body, "master");
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error).toMatchObject({ type: "invalid_request_error", param, code });
    expect(gateway.calls).toHaveLength(0);
  });

  it("accepts each of OpenAI's four input shapes", () => {
    for (const input of ["text", ["a", "b"], [1, 2, 3], [[1, 2], [3]]]) {
      expect(parseEmbeddingsRequest({ model: "m", input })).not.toBeInstanceOf(GatewayError);
    }
  });

  it("answers 400 for a body that is not JSON, or not an object", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const notJson = await gateway.post("/v1/embeddings", "{oops", { authorization: "Bearer master" });
    expect(notJson.status).toBe(400);
    expect((await errorOf(notJson)).code).toBe("invalid_json");
    expect((await gateway.post("/v1/embeddings", "[]", { authorization: "Bearer master" })).status).toBe(400);
  });

  it("answers 400 embeddings_not_supported naming the provider, without calling it", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.embed({ model: "chat-only", input: "x" }, "master");
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error).toMatchObject({ type: "invalid_request_error", code: "embeddings_not_supported", param: "model" });
    expect(error.message).toContain("fake-chat");
    expect(error.message).toContain('"chat-only"');
    expect(gateway.calls).toHaveLength(0);
  });

  it("uses the deployments of a mixed model that have embeddings", async () => {
    const gateway = await createTestGateway(bundle, { handlers, random: () => 0 });
    const response = await gateway.embed({ model: "mixed", input: "x" }, "master");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-deployment")).toBe("mixed/1");
    // Told apart when the bundle is loaded: the chat-only deployment is not even attempted.
    expect(response.headers.get("x-gw-attempts")).toBe("1");
    expect(gateway.calls.map((call) => call.model)).toEqual(["embed-3"]);
  });

  it("sends embeddings only to a model's embeddings deployments, and chat only to the others", async () => {
    for (const draw of [0, 0.99]) {
      const gateway = await createTestGateway(bundle, { handlers, random: () => draw });
      const embedded = await gateway.embed({ model: "chat-and-embeddings", input: "x" }, "master");
      expect(embedded.status).toBe(200);
      expect(embedded.headers.get("x-gw-attempts")).toBe("1");
      const chatted = await gateway.chat({ model: "chat-and-embeddings", messages: [{ role: "user", content: "hi" }] }, "master");
      expect(chatted.status).toBe(200);
      expect(gateway.calls.map((call) => call.model)).toEqual(["text-embedding-y", "chat-x"]);
    }
  });

  it("answers chat on an embeddings-only model with a 400 that points to /v1/embeddings, without calling it", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.chat({ model: "embed", messages: [{ role: "user", content: "hi" }] }, "master");
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error).toMatchObject({ type: "invalid_request_error", code: "not_a_chat_model", param: "model" });
    expect(error.message).toContain("/v1/embeddings");
    expect(gateway.calls).toHaveLength(0);
  });

  it("applies auth and the team's model list", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    expect((await gateway.embed({ model: "embed", input: "x" }, null)).status).toBe(401);
    const forbidden = await gateway.embed({ model: "embed-backup", input: "x" }, "research-secret");
    expect(forbidden.status).toBe(403);
    expect((await errorOf(forbidden)).code).toBe("model_not_allowed");
    expect(gateway.calls).toHaveLength(0);
  });

  it("counts embeddings against the team's budget, and refuses once it is spent", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    // $0.00008 per request against a $0.0001 daily budget: the second request spends it.
    expect((await gateway.embed({ model: "embed", input: "x" }, "research-secret")).status).toBe(200);
    expect((await gateway.embed({ model: "embed", input: "x" }, "research-secret")).status).toBe(200);
    const refused = await gateway.embed({ model: "embed", input: "x" }, "research-secret");
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).code).toBe("budget_exceeded");
    // Chat requests of the team are refused too: one budget.
    expect((await gateway.chat({ model: "chat-only", messages: [{ role: "user", content: "x" }] }, "research-secret")).status).toBe(429);
    expect(gateway.calls).toHaveLength(2);
    expect(gateway.store.records.filter((record) => record.team === "research" && record.status === 200)).toHaveLength(2);
  });

  it("retries a failed attempt, then falls back to the next model", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.embed({ model: "embed-with-fallback", input: "x" }, "master");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-attempts")).toBe("3");
    expect(response.headers.get("x-gw-model")).toBe("embed-backup");
    expect(gateway.calls.map((call) => call.model)).toEqual(["embed-down", "embed-down", "embed-2"]);
    expect(gateway.sleeps).toHaveLength(1);
    expect(gateway.store.records[0]).toMatchObject({ model: "embed-backup", inputTokens: 7, status: 200 });
  });

  it("answers the last error when every attempt fails, and records it", async () => {
    const gateway = await createTestGateway(bundle, { handlers: { "embed-1": refuse } });
    const response = await gateway.embed({ model: "embed", input: "x" }, "master");
    expect(response.status).toBe(502);
    expect((await errorOf(response)).code).toBe("upstream_unreachable");
    expect(response.headers.get("x-gw-attempts")).toBe("3");
    expect(gateway.store.records[0]).toMatchObject({ status: 502, costUsd: 0, inputTokens: 0 });
  });

  it("answers 502 for an upstream body it cannot read", async () => {
    const gateway = await createTestGateway(createFakeBundle({ models: [{ name: "embed", deployments: ["embed-1"], retries: 0 }] }), {
      handlers: { "embed-1": answer("not an embeddings body") },
    });
    const response = await gateway.embed({ model: "embed", input: "x" });
    expect(response.status).toBe(502);
    expect((await errorOf(response)).code).toBe("bad_upstream_response");
  });
});
