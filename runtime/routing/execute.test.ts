import { describe, expect, it } from "vitest";
import { answer, createFakeBundle, failWith, hang, refuse } from "../testing/fake-provider.ts";
import { createTestGateway, hello, keyHash } from "../testing/test-gateway.ts";

interface ErrorBody {
  error: { message: string; type: string; code: string | null };
}

const single = (retries = 2, timeoutMs = 5_000) =>
  createFakeBundle({
    models: [
      { name: "chat", deployments: [{ model: "primary", timeoutMs }], retries, fallbacks: ["backup"] },
      { name: "backup", deployments: ["backup-1"], retries: 0 },
    ],
  });

describe("retries", () => {
  it("retries a 429 and a 503, then succeeds; x-gw-attempts counts every try", async () => {
    const gateway = await createTestGateway(single(), {
      handlers: { primary: [failWith(429), failWith(503), answer("third time")] },
    });
    const response = await gateway.chat(hello);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-attempts")).toBe("3");
    expect(response.headers.get("x-gw-deployment")).toBe("chat/0");
    expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe("third time");
    expect(gateway.calls.map((call) => call.model)).toEqual(["primary", "primary", "primary"]);
    expect(gateway.sleeps).toHaveLength(2);
  });

  it("waits what Retry-After asks, capped at maxBackoffMs", async () => {
    const gateway = await createTestGateway(single(), {
      handlers: { primary: [failWith(429, { "retry-after": "0.3" }), failWith(429, { "retry-after": "120" }), answer("ok")] },
    });
    expect((await gateway.chat(hello)).status).toBe(200);
    // 300 ms as asked; 120 s capped at the route's maxBackoffMs (1000).
    expect(gateway.sleeps).toEqual([300, 1000]);
  });

  it("uses exponential backoff with full jitter when no Retry-After is given", async () => {
    const gateway = await createTestGateway(single(), {
      random: () => 0.5,
      handlers: { primary: [failWith(500), failWith(500), answer("ok")] },
    });
    expect((await gateway.chat(hello)).status).toBe(200);
    // initialBackoffMs 100: 0.5 * 100, then 0.5 * 200.
    expect(gateway.sleeps).toEqual([50, 100]);
  });

  it("retries a connection failure as 502 upstream_unreachable", async () => {
    const gateway = await createTestGateway(single(0), { handlers: { primary: refuse, "backup-1": refuse } });
    const response = await gateway.chat(hello);
    expect(response.status).toBe(502);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("upstream_unreachable");
    expect(body.error.message).toContain("ECONNREFUSED");
    expect(gateway.calls.map((call) => call.model)).toEqual(["primary", "backup-1"]);
  });

  it("times an attempt out (504, retryable) and retries", async () => {
    const gateway = await createTestGateway(single(1, 20), { handlers: { primary: [hang, answer("after timeout")] } });
    const response = await gateway.chat(hello);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-attempts")).toBe("2");
  });

  it("answers 504 timeout_error once every attempt timed out and there is nothing left", async () => {
    const bundle = createFakeBundle({ models: [{ name: "chat", deployments: [{ model: "primary", timeoutMs: 20 }], retries: 1 }] });
    const gateway = await createTestGateway(bundle, { handlers: { primary: hang } });
    const response = await gateway.chat(hello);
    expect(response.status).toBe(504);
    expect(((await response.json()) as ErrorBody).error.type).toBe("timeout_error");
    expect(gateway.calls).toHaveLength(2);
  });

  it("does not retry or fall back on a 400", async () => {
    const gateway = await createTestGateway(single(), { handlers: { primary: failWith(400), "backup-1": answer("backup") } });
    const response = await gateway.chat(hello);
    expect(response.status).toBe(400);
    expect(response.headers.get("x-gw-attempts")).toBe("1");
    expect(gateway.calls).toHaveLength(1);
    expect(gateway.sleeps).toHaveLength(0);
  });

  it("re-picks a deployment that has not failed yet", async () => {
    const bundle = createFakeBundle({ models: [{ name: "chat", deployments: ["east", "west"], retries: 1 }] });
    const gateway = await createTestGateway(bundle, { random: () => 0, handlers: { east: failWith(503), west: answer("west") } });
    const response = await gateway.chat(hello);
    expect(response.status).toBe(200);
    expect(gateway.calls.map((call) => call.model)).toEqual(["east", "west"]);
    expect(response.headers.get("x-gw-deployment")).toBe("chat/1");
  });
});

describe("fallbacks", () => {
  const chain = createFakeBundle({
    models: [
      { name: "chat", deployments: ["a"], retries: 1, fallbacks: ["second", "third"] },
      { name: "second", deployments: ["b"], retries: 0 },
      { name: "third", deployments: ["c"], retries: 0 },
    ],
    masterKey: keyHash("master"),
    teams: [{ name: "research", budget: null, models: ["chat", "third"] }],
    keys: [{ name: "research-ci", team: "research", key: keyHash("research-secret") }],
  });

  it("goes down the chain in order once a model's attempts are exhausted", async () => {
    const gateway = await createTestGateway(chain, { handlers: { a: failWith(500), b: failWith(502), c: answer("from third") } });
    const response = await gateway.chat(hello, "master");
    expect(response.status).toBe(200);
    expect(gateway.calls.map((call) => call.model)).toEqual(["a", "a", "b", "c"]);
    expect(response.headers.get("x-gw-model")).toBe("third");
    expect(response.headers.get("x-gw-deployment")).toBe("third/0");
    expect(response.headers.get("x-gw-attempts")).toBe("4");
    expect(gateway.store.records[0]).toMatchObject({ model: "third", deployment: "third/0", status: 200 });
  });

  it("skips fallback models the caller's team may not use", async () => {
    const gateway = await createTestGateway(chain, { handlers: { a: failWith(500), b: answer("forbidden"), c: answer("allowed") } });
    const response = await gateway.chat(hello, "research-secret");
    expect(response.status).toBe(200);
    expect(gateway.calls.map((call) => call.model)).toEqual(["a", "a", "c"]);
  });

  it("answers with the last error, OpenAI-shaped, when the whole chain failed", async () => {
    const gateway = await createTestGateway(chain, { handlers: { a: failWith(500), b: failWith(503), c: failWith(429) } });
    const response = await gateway.chat(hello, "master");
    expect(response.status).toBe(429);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.type).toBe("rate_limit_error");
    expect(body.error.message).toContain("429");
    expect(response.headers.get("x-gw-deployment")).toBe("third/0");
    expect(gateway.store.records[0]).toMatchObject({ status: 429, costUsd: 0 });
  });
});
