/**
 * End to end: fallbacks beyond "the model failed" (issue 8) through the real `gw serve`, driven by
 * the official OpenAI SDK: a prompt too large for a model goes to its context-window fallback
 * without the small model ever being called; an upstream's context-length error and a content
 * filter's refusal go to their own chains; a model listed in its own chain tries its other
 * deployments.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { getRaw } from "../support/gateway-client.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";
import { openAIDeployment as deployment } from "../support/openai-deployment.ts";

const upstreamKey = "sk-upstream-fallbacks-test";
const masterKey = "gw-master-fallbacks-test";

let small: FakeUpstream;
let big: FakeUpstream;
let filtered: FakeUpstream;
let lenient: FakeUpstream;
let client: OpenAI;
let gateway: GatewayProcess;
let stop: () => Promise<void>;


beforeAll(async () => {
  const started = await Promise.all([1, 2, 3, 4].map(() => startOpenAIUpstream({ apiKey: upstreamKey })));
  [small, big, filtered, lenient] = started as [FakeUpstream, FakeUpstream, FakeUpstream, FakeUpstream];
  ({ client, gateway, stop } = await serveTestConfig({
    name: "e2e-fallbacks",
    upstreams: started,
    env: { OPENAI_API_KEY: upstreamKey, GW_MASTER_KEY: masterKey },
    masterKey,
    config: {
      masterKey: { $env: "GW_MASTER_KEY" },
      retries: { attempts: 0, initialBackoffMs: 10, maxBackoffMs: 50 },
      models: [
        { name: "small-chat", deployments: [deployment("small", small, { maxInputTokens: 2_000 })] },
        // gpt-4.1-nano's window from the price data (about a million tokens): no maxInputTokens needed.
        { name: "big-chat", deployments: [deployment("big", big)] },
        { name: "filtered-chat", deployments: [deployment("filtered", filtered)] },
        { name: "lenient-chat", deployments: [deployment("lenient", lenient)] },
        { name: "pair", deployments: [deployment("pair-a", filtered), deployment("pair-b", lenient)] },
      ],
      fallbacks: { "small-chat": ["filtered-chat"], pair: ["pair"] },
      contextWindowFallbacks: { "small-chat": ["big-chat"] },
      contentPolicyFallbacks: { "filtered-chat": ["lenient-chat"] },
    },
  }));
});

afterAll(() => stop?.());

beforeEach(() => {
  for (const upstream of [small, big, filtered, lenient]) upstream.reset();
});

const ask = (model: string, content = "hi") => client.chat.completions.create({ model, messages: [{ role: "user", content }] }).withResponse();

describe("context-window fallbacks", () => {
  test("a prompt larger than the model's window goes to its context-window fallback; the small model is never called", async () => {
    // About 10,000 tokens (the estimate counts ASCII characters / 4).
    const { data, response } = await ask("small-chat", "lorem ipsum ".repeat(3_400));
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get("x-gw-model")).toBe("big-chat");
    expect(response.headers.get("x-gw-route")).toBe("strategy=weighted; skipped=small:context-window; fallback=context-window");
    expect(small.requests).toHaveLength(0);
    expect(big.requests).toHaveLength(1);
  });

  test("a prompt that fits goes to the small model as usual", async () => {
    const { response } = await ask("small-chat");
    expect(response.headers.get("x-gw-model")).toBe("small-chat");
    expect(small.requests).toHaveLength(1);
    expect(big.requests).toHaveLength(0);
  });

  test("the upstream's context_length_exceeded goes to the context-window chain, not the ordinary fallbacks", async () => {
    small.failNext([
      {
        status: 400,
        body: { error: { message: "This model's maximum context length is 2000 tokens.", type: "invalid_request_error", param: "messages", code: "context_length_exceeded" } },
      },
    ]);
    const { response } = await ask("small-chat");
    expect(response.headers.get("x-gw-model")).toBe("big-chat");
    expect(response.headers.get("x-gw-route")).toBe("strategy=weighted; fallback=context-window");
    expect(filtered.requests).toHaveLength(0);
  });
});

describe("content-policy fallbacks", () => {
  test("a content-policy refusal goes to the content-policy fallback", async () => {
    filtered.failNext([
      {
        status: 400,
        body: { error: { message: "Your request was rejected as a result of our safety system.", type: "invalid_request_error", param: null, code: "content_policy_violation" } },
      },
    ]);
    const { response } = await ask("filtered-chat");
    expect(response.headers.get("x-gw-model")).toBe("lenient-chat");
    expect(response.headers.get("x-gw-route")).toBe("strategy=weighted; fallback=content-policy");
    expect(filtered.requests).toHaveLength(1);
  });

  test("without a chain for it, the refusal is the client's answer, OpenAI-shaped", async () => {
    lenient.failNext([
      { status: 400, body: { error: { message: "Your request was rejected as a result of our safety system.", type: "invalid_request_error", param: null, code: "content_policy_violation" } } },
    ]);
    const error = await ask("lenient-chat").catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, code: "content_policy_violation" });
  });
});

describe("a model in its own fallback chain", () => {
  test("tries its other deployment: one always failing, no retries configured, every request answered", async () => {
    filtered.failNext(Array.from({ length: 20 }, () => ({ status: 500 })));
    for (let index = 0; index < 10; index++) {
      const { response } = await ask("pair");
      expect(response.headers.get("x-gw-deployment")).toBe("pair-b");
    }
    expect(lenient.requests).toHaveLength(10);
  });
});

describe("deployment state in the admin API", () => {
  test("GET /deployments lists every deployment with its settings, latency and recent error rate (admin only)", async () => {
    filtered.failNext([{ status: 500 }]);
    for (let index = 0; index < 4; index++) await ask("pair");
    const denied = await getRaw(gateway, "/deployments");
    expect(denied.status).toBe(401);
    const listed = await getRaw(gateway, "/deployments", masterKey);
    expect(listed.status).toBe(200);
    const entries = (listed.json as { data: Array<Record<string, unknown>> }).data;
    expect(entries.map((entry) => entry.id)).toEqual(["small", "big", "filtered", "lenient", "pair-a", "pair-b"]);
    const small = entries.find((entry) => entry.id === "small");
    expect(small).toMatchObject({ model: "small-chat", provider: "openai", upstream_model: "gpt-4.1-nano", max_input_tokens: 2_000, state: "healthy", order: 1, tags: [] });
    const pairB = entries.find((entry) => entry.id === "pair-b") as { recent_requests: number; error_rate: number; latency_ms: number };
    expect(pairB.recent_requests).toBeGreaterThanOrEqual(4);
    expect(pairB.error_rate).toBe(0);
    expect(pairB.latency_ms).toBeGreaterThanOrEqual(0);
    const pairA = entries.find((entry) => entry.id === "pair-a") as { recent_requests: number; error_rate: number | null };
    // pair-a failed with a 500 at least once in this file (the same-model test above scripted 20 of them).
    expect(pairA.error_rate).toBeGreaterThan(0);
  });
});
