/** Deployments' own rate limits, through the app with the fake provider and the per-process limiter. */
import { describe, expect, it } from "vitest";
import type { Bundle, CompiledDeploymentLimits } from "../../contract/bundle.ts";
import { answer, createFakeBundle, failWith, streamOf } from "../testing/fake-provider.ts";
import { createTestGateway, hello, readSse } from "../testing/test-gateway.ts";

interface ErrorBody {
  error: { message: string; type: string; code: string | null };
}

/** The bundle with `limits` set on deployments by id. */
function withLimits(bundle: Bundle, limits: Record<string, Partial<CompiledDeploymentLimits>>): Bundle {
  for (const route of Object.values(bundle.routes)) {
    for (const deployment of route.deployments) {
      const set = limits[deployment.id];
      if (set !== undefined) deployment.limits = { rpm: null, tpm: null, parallel: null, ...set };
    }
  }
  return bundle;
}

describe("deployment rate limits", () => {
  it("skips a deployment at its limit for the model's other deployment, without backoff or using up an attempt", async () => {
    const bundle = withLimits(createFakeBundle({ models: [{ name: "chat", deployments: ["first", "second"], retries: 0 }] }), { "chat/0": { rpm: 1 } });
    // random() = 0 always picks the first deployment first.
    const gateway = await createTestGateway(bundle, { handlers: { first: answer("from first"), second: answer("from second") } });
    const one = await gateway.chat(hello);
    expect(one.headers.get("x-gw-deployment")).toBe("chat/0");
    const two = await gateway.chat(hello);
    expect(two.status).toBe(200);
    expect(two.headers.get("x-gw-deployment")).toBe("chat/1");
    expect(two.headers.get("x-gw-attempts")).toBe("1");
    expect(gateway.sleeps).toEqual([]);
    expect(gateway.calls.map((call) => call.body.model)).toEqual(["first", "second"]);
  });

  it("goes on to the fallbacks when every deployment of the model is at its limit", async () => {
    const bundle = withLimits(
      createFakeBundle({ models: [{ name: "chat", deployments: ["first"], fallbacks: ["backup"] }, { name: "backup", deployments: ["spare"] }] }),
      { "chat/0": { rpm: 1 } },
    );
    const gateway = await createTestGateway(bundle, { handlers: { first: answer("a"), spare: answer("b") } });
    expect((await gateway.chat(hello)).headers.get("x-gw-model")).toBe("chat");
    const second = await gateway.chat(hello);
    expect(second.status).toBe(200);
    expect(second.headers.get("x-gw-model")).toBe("backup");
    expect(gateway.sleeps).toEqual([]);
  });

  it("answers 429 rate_limit_exceeded naming the model, with Retry-After, when every candidate is limited", async () => {
    const bundle = withLimits(
      createFakeBundle({ models: [{ name: "chat", deployments: ["first", "second"], fallbacks: ["backup"] }, { name: "backup", deployments: ["spare"] }] }),
      { "chat/0": { rpm: 1 }, "chat/1": { rpm: 1 }, "backup/0": { rpm: 1 } },
    );
    const gateway = await createTestGateway(bundle, { handlers: { first: answer("a"), second: answer("b"), spare: answer("c") } });
    for (let index = 0; index < 3; index++) expect((await gateway.chat(hello)).status).toBe(200);
    const limited = await gateway.chat(hello);
    expect(limited.status).toBe(429);
    const body = (await limited.json()) as ErrorBody;
    expect(body.error.code).toBe("rate_limit_exceeded");
    expect(body.error.type).toBe("rate_limit_error");
    expect(body.error.message).toContain('"chat"');
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // No fourth upstream call: the limited request never left the gateway.
    expect(gateway.calls).toHaveLength(3);
    expect(gateway.store.records.at(-1)).toMatchObject({ status: 429, errorType: "rate_limit_exceeded" });
  });

  it("releases the parallel slot when the attempt fails", async () => {
    const bundle = withLimits(createFakeBundle({ models: [{ name: "chat", deployments: ["only"], retries: 0 }] }), { "chat/0": { parallel: 1 } });
    const gateway = await createTestGateway(bundle, { handlers: { only: [failWith(400), answer("ok")] } });
    expect((await gateway.chat(hello)).status).toBe(400);
    const second = await gateway.chat(hello);
    expect(second.status).toBe(200);
    expect(gateway.calls).toHaveLength(2);
  });

  it("holds the parallel slot while a stream is open and releases it when the stream ends", async () => {
    const bundle = withLimits(createFakeBundle({ models: [{ name: "chat", deployments: ["only"], retries: 0 }] }), { "chat/0": { parallel: 1 } });
    const steps = ['{"text":"Hel"}', '{"text":"lo"}', '{"input":7,"output":2}', "[DONE]"];
    const gateway = await createTestGateway(bundle, { handlers: { only: [streamOf(steps), answer("ok")] } });
    const streaming = await gateway.chat({ ...hello, stream: true });
    expect(streaming.status).toBe(200);
    // The stream has not been read to its end: the deployment's only slot is taken.
    const meanwhile = await gateway.chat(hello);
    expect(meanwhile.status).toBe(429);
    expect(await readSse(streaming)).toContain("[DONE]");
    const after = await gateway.chat(hello);
    expect(after.status).toBe(200);
    expect(gateway.calls).toHaveLength(2);
  });

  it("counts the real tokens against the tokens-per-minute limit", async () => {
    const bundle = withLimits(createFakeBundle({ models: [{ name: "chat", deployments: ["only"], retries: 0 }] }), { "chat/0": { tpm: 1000 } });
    // The first answer uses 1500 tokens: more than the minute's allowance, so the next request is refused.
    const gateway = await createTestGateway(bundle, { handlers: { only: [answer("big", 1000, 500), answer("ok")] } });
    expect((await gateway.chat({ ...hello, max_tokens: 10 })).status).toBe(200);
    expect((await gateway.chat({ ...hello, max_tokens: 10 })).status).toBe(429);
  });
});

describe("usage routing", () => {
  /** 10 s into a minute, frozen: the counts stay in one window. */
  const clock = { now: () => 1_700_000_050_000 };
  const usageBundle = (): Bundle => {
    const bundle = withLimits(createFakeBundle({ models: [{ name: "chat", deployments: ["small", "large"], retries: 0 }] }), {
      "chat/0": { rpm: 1 },
      "chat/1": { rpm: 3 },
    });
    bundle.routes["chat"]!.routing = { strategy: "usage", allowedFails: 3, cooldownMs: 5_000, failureWindowMs: 60_000 };
    return bundle;
  };

  it("sends each request to the most headroom, skips a deployment at its limit before the call, and answers 429 once all are", async () => {
    const gateway = await createTestGateway(usageBundle(), { clock, handlers: { small: answer("small"), large: answer("large") } });
    const served: Array<string | null> = [];
    const routes: Array<string | null> = [];
    for (let index = 0; index < 4; index++) {
      const response = await gateway.chat(hello);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-gw-attempts")).toBe("1");
      served.push(response.headers.get("x-gw-deployment"));
      routes.push(response.headers.get("x-gw-route"));
    }
    // Headroom after each request: large 2/3 over small 0, then 1/3 over 0, then a tie (by weight: small), then only large is left.
    expect(served).toEqual(["chat/1", "chat/1", "chat/0", "chat/1"]);
    expect(routes).toEqual(["strategy=usage", "strategy=usage", "strategy=usage", "strategy=usage; skipped=chat/0:rate-limited"]);
    const limited = await gateway.chat(hello);
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as ErrorBody).error.code).toBe("rate_limit_exceeded");
    // 50 s left in the minute.
    expect(limited.headers.get("retry-after")).toBe("50");
    expect(limited.headers.get("x-gw-route")).toBe("strategy=usage; skipped=chat/0:rate-limited,chat/1:rate-limited");
    expect(gateway.calls).toHaveLength(4);
  });
});
