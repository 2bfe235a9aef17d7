import { describe, expect, it } from "vitest";
import { createGateway } from "./index.ts";
import { loadBundle } from "./start/load-bundle.ts";
import { createLogger } from "./http/logger.ts";
import type { ProviderAdapter } from "./providers/types.ts";
import { createMemorySpendStore } from "./stores/memory/memory-spend-store.ts";
import { answer, createFakeBundle, fakeAdapter } from "./testing/fake-provider.ts";
import { spendRecord } from "./testing/spend-record.ts";
import { createTestGateway, hello, keyHash } from "./testing/test-gateway.ts";

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const bundle = createFakeBundle({
  models: [
    { name: "chat", deployments: ["fake-1"] },
    { name: "free", deployments: [{ model: "fake-free", priced: false }] },
  ],
  price: { input: 1, output: 2 },
});
const handlers = { "fake-1": answer("Hi there", 1000, 500), "fake-free": answer("free") };

async function errorOf(response: Response): Promise<ErrorBody["error"]> {
  expect(response.headers.get("content-type")).toContain("application/json");
  const body = (await response.json()) as ErrorBody;
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  return body.error;
}

describe("POST /v1/chat/completions", () => {
  it("records the upstream's real usage when the client left after the upstream answered", async () => {
    const client = new AbortController();
    const leaving = {
      "fake-1": () => {
        client.abort(); // the client goes away while the upstream's answer is on its way back
        return Response.json({ text: "Hi there", input: 1000, output: 500 });
      },
    };
    const gateway = await createTestGateway(bundle, { handlers: leaving });
    await gateway.chat(hello, null, client.signal).catch(() => null);
    for (let tries = 0; tries < 50 && gateway.store.records.length === 0; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(gateway.store.records).toHaveLength(1);
    expect(gateway.store.records[0]).toMatchObject({ inputTokens: 1000, outputTokens: 500, costUsd: 0.002 });
  });

  it("answers a chat.completion with gw's headers", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.chat(hello);
    expect(response.status).toBe(200);
    const completion = (await response.json()) as { object: string; model: string; choices: Array<{ message: { content: string } }> };
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("chat");
    expect(completion.choices[0]?.message.content).toBe("Hi there");
    expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{12}_[0-9a-z]+$/);
    expect(response.headers.get("x-gw-deployment")).toBe("chat/0");
    expect(response.headers.get("x-gw-provider")).toBe("fake");
    expect(response.headers.get("x-gw-attempts")).toBe("1");
    // 1000 * $1/M + 500 * $2/M
    expect(Number(response.headers.get("x-gw-cost-usd"))).toBeCloseTo(0.002, 9);
    expect(response.headers.get("x-gw-warnings")).toBeNull();
    expect(gateway.calls[0]?.url).toBe("http://fake.invalid/chat");
    expect(gateway.calls[0]?.headers.authorization).toBe("Bearer sk-fake-upstream-secret");
    expect(gateway.store.records[0]).toMatchObject({
      requestId: response.headers.get("x-request-id"),
      model: "chat",
      inputTokens: 1000,
      outputTokens: 500,
      status: 200,
      stream: false,
    });
  });

  it("also serves /chat/completions", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    expect((await gateway.post("/chat/completions", hello)).status).toBe(200);
  });

  it("gives every request its own id", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const first = (await gateway.chat(hello)).headers.get("x-request-id");
    const second = (await gateway.chat(hello)).headers.get("x-request-id");
    expect(first).not.toBe(second);
  });

  it("sets no cost header when the deployment has no price, and records cost 0", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.chat({ ...hello, model: "free" });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-cost-usd")).toBeNull();
    expect(gateway.store.records[0]?.costUsd).toBe(0);
  });

  it("surfaces dropped parameters in x-gw-warnings", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.chat({ ...hello, logit_bias: { "1": 1 } });
    expect(response.headers.get("x-gw-warnings")).toContain("logit_bias");
  });

  it("answers 400 invalid_request_error for a body that is not JSON", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.post("/v1/chat/completions", "{not json");
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.type).toBe("invalid_request_error");
    expect(error.message).toContain("JSON");
    expect(gateway.calls).toHaveLength(0);
  });

  it.each([
    ["a missing model", { messages: hello.messages }, "model"],
    ["a model that is not a string", { model: 42, messages: hello.messages }, "model"],
    ["missing messages", { model: "chat" }, "messages"],
    ["empty messages", { model: "chat", messages: [] }, "messages"],
    ["a message without role", { model: "chat", messages: [{ content: "x" }] }, "messages[0]"],
    ["a stream flag that is not a boolean", { ...hello, stream: "yes" }, "stream"],
  ])("answers 400 with param for %s", async (_name, body, param) => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.chat(body);
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.type).toBe("invalid_request_error");
    expect(error.param).toBe(param);
    expect(gateway.calls).toHaveLength(0);
  });

  it("answers 400 for a JSON body that is not an object", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.post("/v1/chat/completions", "[1,2]");
    expect(response.status).toBe(400);
    expect((await errorOf(response)).type).toBe("invalid_request_error");
  });

  it("answers 500 api_error without internals when an adapter throws something unexpected", async () => {
    const broken: ProviderAdapter = {
      ...fakeAdapter,
      buildRequest() {
        throw new TypeError("Cannot read properties of undefined (reading 'secretInternalThing')");
      },
    };
    const plan = loadBundle(bundle, { env: { FAKE_API_KEY: "k" }, getProvider: () => broken });
    const lines: string[] = [];
    const { app } = await createGateway({ plan, store: createMemorySpendStore(), logger: createLogger({ write: (line) => lines.push(line) }) });
    const response = await app.request("/v1/chat/completions", { method: "POST", body: JSON.stringify(hello) });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text).error.type).toBe("api_error");
    expect(text).not.toContain("secretInternalThing");
    expect(text).not.toMatch(/\bat .*\.ts:\d+/);
    expect(lines.join("")).toContain("secretInternalThing");
  });
});

describe("other routes", () => {
  it("answers 404 OpenAI-shaped for an unknown route", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.app.request("/v1/no-such-endpoint", { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
    expect((await errorOf(response)).type).toBe("invalid_request_error");
  });

  it("answers 405 for a wrong method on a known route", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.app.request("/v1/chat/completions");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect((await errorOf(response)).code).toBe("method_not_allowed");
    expect((await gateway.app.request("/v1/models", { method: "DELETE" })).status).toBe(405);
  });

  it("lists every model for an open gateway", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const body = (await (await gateway.app.request("/v1/models")).json()) as { data: Array<{ id: string; created: number }> };
    expect(body.data.map((model) => model.id)).toEqual(["chat", "free"]);
    expect(Number.isInteger(body.data[0]?.created)).toBe(true);
  });

  it("answers liveness and readiness", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const live = await gateway.app.request("/health/liveness");
    expect(live.status).toBe(200);
    // LiteLLM's spelling, for probes configured against LiteLLM.
    const liveliness = await gateway.app.request("/health/liveliness");
    expect(liveliness.status).toBe(200);
    expect(await liveliness.json()).toEqual({ status: "ok" });
    expect((await gateway.app.request("/health/liveliness", { method: "POST" })).status).toBe(405);
    const ready = await gateway.app.request("/health/readiness");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", store: "ok" });
  });

  it("reports not ready when the store is not healthy", async () => {
    const store = createMemorySpendStore();
    await store.close();
    const plan = loadBundle(bundle, { env: { FAKE_API_KEY: "k" }, getProvider: () => fakeAdapter });
    const { app } = await createGateway({ plan, store, logger: createLogger({ write: () => {} }) });
    const ready = await app.request("/health/readiness");
    expect(ready.status).toBe(503);
  });

  describe("config team budgets", () => {
    const budgeted = createFakeBundle({
      models: [{ name: "chat", deployments: ["fake-1"] }],
      teams: [{ name: "research", budget: { usd: 1, period: "day" }, models: null }],
      keys: [{ name: "ci", team: "research", key: keyHash("research-secret") }],
      price: { input: 1, output: 2 },
    });
    const request = (app: { request: (path: string, init: RequestInit) => Response | Promise<Response> }) =>
      app.request("/v1/chat/completions", { method: "POST", headers: { authorization: "Bearer research-secret" }, body: JSON.stringify(hello) });
    const spentToday = (usd: number) => spendRecord(Date.now(), usd, { team: "research", keyName: "ci" });

    it("load the team's recorded spend before its first request: spend survives a restart", async () => {
      const plan = loadBundle(budgeted, { env: { FAKE_API_KEY: "k" }, getProvider: () => fakeAdapter });
      const { app } = await createGateway({ plan, store: createMemorySpendStore([spentToday(1.5)]), logger: createLogger({ write: () => {} }) });
      const response = await request(app);
      expect(response.status).toBe(429);
      expect((await errorOf(response)).message).toContain('Team "research" has spent $1.50 of its $1.00 budget');
    });

    it("admit on this process's counters when the recorded spend cannot be read, or answer 503 when failing closed", async () => {
      const plan = loadBundle(budgeted, { env: { FAKE_API_KEY: "k" }, getProvider: () => fakeAdapter });
      const broken = () => ({ ...createMemorySpendStore(), subjectSpendSince: async () => Promise.reject(new Error("disk gone")) });
      const lines: string[] = [];
      const { app: open } = await createGateway({ plan, store: broken(), logger: createLogger({ write: (line) => lines.push(line) }) });
      // No upstream here: an admitted request fails upstream (502), a refused one never gets there.
      expect((await request(open)).status).toBe(502);
      expect(lines.some((line) => line.includes("could not load recorded spend") && line.includes("disk gone"))).toBe(true);

      const store = broken();
      const { app: closed } = await createGateway({ plan, store, logger: createLogger({ write: () => {} }), budgetFailClosed: true });
      const refused = await request(closed);
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("1");
      expect((await errorOf(refused)).code).toBe("budget_unavailable");
    });
  });
});
