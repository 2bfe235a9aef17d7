/**
 * End to end: routing strategies and cooldowns (issue 8) through the real `gw serve` against
 * local OpenAI fakes with different delays, failures and rate limits. Each answer says how it
 * was routed in `x-gw-route`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { getRaw, postRaw, type RawResponse } from "../support/gateway-client.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";
import { withinOneMinute } from "../support/minute-window.ts";
import { openAIDeployment as deployment } from "../support/openai-deployment.ts";

const upstreamKey = "sk-upstream-routing-test";
const masterKey = "gw-master-routing-test";

let fast: FakeUpstream;
let slow: FakeUpstream;
let primary: FakeUpstream;
let backup: FakeUpstream;
let ten: FakeUpstream;
let thirty: FakeUpstream;
let gateway: GatewayProcess;
let stop: () => Promise<void>;


beforeAll(async () => {
  const started = await Promise.all([1, 2, 3, 4, 5, 6].map(() => startOpenAIUpstream({ apiKey: upstreamKey })));
  [fast, slow, primary, backup, ten, thirty] = started as [FakeUpstream, FakeUpstream, FakeUpstream, FakeUpstream, FakeUpstream, FakeUpstream];
  ({ gateway, stop } = await serveTestConfig({
    name: "e2e-routing",
    upstreams: [fast, slow, primary, backup, ten, thirty],
    env: { OPENAI_API_KEY: upstreamKey, GW_MASTER_KEY: masterKey },
    masterKey,
    config: {
      masterKey: { $env: "GW_MASTER_KEY" },
      retries: { attempts: 2, initialBackoffMs: 10, maxBackoffMs: 50 },
      models: [
        { name: "by-latency", routing: { strategy: "latency" }, deployments: [deployment("fast", fast), deployment("slow", slow)] },
        {
          name: "by-cost",
          routing: { strategy: "cost" },
          deployments: [
            deployment("dear", fast, { price: { inputPerMTok: 5, outputPerMTok: 15 } }),
            deployment("cheap", slow, { price: { inputPerMTok: 0.1, outputPerMTok: 0.4 } }),
          ],
        },
        {
          name: "by-order",
          routing: { allowedFails: 2, cooldownSeconds: 2 },
          deployments: [deployment("primary", primary, { order: 1 }), deployment("backup", backup, { order: 2 })],
        },
        {
          name: "by-usage",
          routing: { strategy: "usage" },
          deployments: [deployment("ten", ten, { rpmLimit: 10 }), deployment("thirty", thirty, { rpmLimit: 30 })],
        },
        { name: "plain", deployments: [deployment("only", fast)] },
        {
          name: "by-tag",
          deployments: [deployment("eu", primary, { tags: ["eu"] }), deployment("us", backup, { tags: ["us", "default"] })],
        },
        { name: "tagged-only", deployments: [deployment("eu-only", primary, { tags: ["eu"] })] },
      ],
    },
  }));
});

afterAll(() => stop?.());

beforeEach(() => {
  for (const upstream of [fast, slow, primary, backup, ten, thirty]) upstream.reset();
});

const ask = (model: string): Promise<RawResponse> => postRaw(gateway, { model, messages: [{ role: "user", content: "hi" }] }, { apiKey: masterKey });

describe("routing strategies", () => {
  test("latency: traffic goes to the faster deployment once both are measured", async () => {
    slow.failNext(Array.from({ length: 40 }, () => ({ delayMs: 150 })));
    const deployments: string[] = [];
    for (let index = 0; index < 30; index++) {
      const response = await ask("by-latency");
      expect(response.status).toBe(200);
      expect(response.headers.get("x-gw-route")).toBe("strategy=latency");
      deployments.push(response.headers.get("x-gw-deployment") as string);
    }
    // Each is tried once while unmeasured; then only probes (5%) reach the slow one.
    expect(deployments.filter((name) => name === "fast").length).toBeGreaterThanOrEqual(25);
    expect(slow.chatRequests().length).toBeLessThanOrEqual(5);
  }, 30_000);

  test("cost: every request goes to the cheapest deployment", async () => {
    for (let index = 0; index < 10; index++) {
      const response = await ask("by-cost");
      expect(response.headers.get("x-gw-deployment")).toBe("cheap");
      expect(response.headers.get("x-gw-route")).toBe("strategy=cost");
    }
  });

  test("usage: the split follows each deployment's rpm headroom, using all of it, and no client sees a 429", async () => {
    await withinOneMinute(15_000);
    const routes: string[] = [];
    for (let index = 0; index < 40; index++) {
      const response = await ask("by-usage");
      expect(response.status).toBe(200);
      routes.push(response.headers.get("x-gw-route") as string);
      // Halfway, the rpm-30 deployment has taken about three quarters (by weight it would be half).
      if (index === 19) expect(ten.chatRequests().length).toBeLessThanOrEqual(5);
    }
    for (const route of routes) expect(route).toMatch(/^strategy=usage(; skipped=(ten|thirty):rate-limited)?$/);
    // 40 requests are exactly both limits: each deployment got all of its own and not one more.
    expect(ten.chatRequests()).toHaveLength(10);
    expect(thirty.chatRequests()).toHaveLength(30);
    // By the last request one of them was full, and it was skipped before the call.
    expect(routes.at(-1)).toMatch(/skipped=(ten|thirty):rate-limited$/);
  }, 30_000);

  test("the default route says it was weighted", async () => {
    const response = await ask("plain");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-route")).toBe("strategy=weighted");
  });
});

describe("tag routing", () => {
  test("metadata.tags or the x-gw-tags header select the deployments carrying them; untagged requests go to the default one", async () => {
    const body = (tags?: string[]) => ({ model: "by-tag", messages: [{ role: "user", content: "hi" }], ...(tags === undefined ? {} : { metadata: { tags } }) });
    for (let index = 0; index < 5; index++) {
      expect((await postRaw(gateway, body(["eu"]), { apiKey: masterKey })).headers.get("x-gw-deployment")).toBe("eu");
      expect((await postRaw(gateway, body(), { apiKey: masterKey })).headers.get("x-gw-deployment")).toBe("us");
    }
    const viaHeader = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${masterKey}`, "content-type": "application/json", "x-gw-tags": "eu" },
      body: JSON.stringify(body()),
    });
    expect(viaHeader.headers.get("x-gw-deployment")).toBe("eu");
    // Five requests tagged in the body and one through the header reached the eu deployment.
    expect(primary.chatRequests().length).toBe(6);
  });

  test("a tagged request no deployment serves gets a 400 naming the tags", async () => {
    const response = await postRaw(gateway, { model: "tagged-only", messages: [{ role: "user", content: "hi" }], metadata: { tags: ["asia"] } }, { apiKey: masterKey });
    expect(response.status).toBe(400);
    expect((response.json as { error: { code: string; message: string } }).error).toMatchObject({ code: "no_deployment_for_tags" });
    expect((response.json as { error: { message: string } }).error.message).toContain("asia");
  });
});

describe("priority and cooldowns", () => {
  test("order 2 serves while order 1 fails and cools down; order 1 is back after its cooldown", async () => {
    primary.failNext([{ status: 500 }, { status: 500 }]);
    // First request: the primary fails, the retry goes to the backup (order 2) without a client-visible error.
    const first = await ask("by-order");
    expect(first.status).toBe(200);
    expect(first.headers.get("x-gw-deployment")).toBe("backup");
    expect(first.headers.get("x-gw-route")).toBe("strategy=weighted; skipped=primary:failed");
    const second = await ask("by-order");
    expect(second.headers.get("x-gw-deployment")).toBe("backup");
    // Two failures within a minute: the primary is cooling down and not tried at all.
    const requestsBefore = primary.chatRequests().length;
    const third = await ask("by-order");
    expect(third.status).toBe(200);
    expect(third.headers.get("x-gw-deployment")).toBe("backup");
    expect(third.headers.get("x-gw-route")).toBe("strategy=weighted; skipped=primary:cooling-down");
    expect(primary.chatRequests().length).toBe(requestsBefore);
    // Operators see it in /health/readiness (readiness itself is unaffected).
    const readiness = await getRaw(gateway, "/health/readiness");
    expect(readiness.status).toBe(200);
    const states = (readiness.json as { deployments: Record<string, { state: string; cooling_until?: string }> }).deployments;
    expect(states["primary"]).toMatchObject({ state: "cooling_down" });
    expect(Date.parse(states["primary"]!.cooling_until!)).toBeGreaterThan(Date.now());
    expect(states["backup"]).toMatchObject({ state: "healthy", in_flight: 0 });
    // After the 2 s cooldown, a trial request goes to the primary again (it now answers).
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    const recovered = await ask("by-order");
    expect(recovered.headers.get("x-gw-deployment")).toBe("primary");
    expect(recovered.headers.get("x-gw-route")).toBe("strategy=weighted");
  }, 30_000);
});
