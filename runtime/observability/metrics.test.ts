/** GET /metrics after known traffic through the app, read with a Prometheus text-format parser. */
import { describe, expect, it } from "vitest";
import { parseMetrics, samples, total } from "../../test/support/prometheus.ts";
import { answer, createFakeBundle, failWith, streamOf } from "../testing/fake-provider.ts";
import { createTestGateway, keyHash, type TestGateway } from "../testing/test-gateway.ts";

const bundle = createFakeBundle({
  models: [
    { name: "chat", deployments: ["primary"], retries: 0, fallbacks: ["backup"] },
    { name: "backup", deployments: ["backup-1"], retries: 0 },
  ],
  masterKey: keyHash("sk-master"),
  teams: [
    { name: "research", budget: null, models: null },
    { name: "broke", budget: { usd: 0.000001, period: "day" }, models: null },
  ],
  keys: [
    { name: "ci", team: "research", key: keyHash("sk-ci") },
    { name: "poor", team: "broke", key: keyHash("sk-poor") },
  ],
});
const hello = { model: "chat", messages: [{ role: "user", content: "Hi" }] };
const ci = { authorization: "Bearer sk-ci" };

async function scrape(gateway: TestGateway, key = "sk-master") {
  const response = await gateway.app.request("/metrics", { headers: { authorization: `Bearer ${key}` } });
  return { response, families: response.status === 200 ? parseMetrics(await response.text()) : [] };
}

describe("GET /metrics", () => {
  it("counts requests, tokens, spend, attempts, fallbacks and time to first token in the GenAI conventions' names", async () => {
    const gateway = await createTestGateway(bundle, {
      metrics: true,
      handlers: {
        primary: [answer("Hello", 7, 3), streamOf(['{"text":"Hel"}', '{"text":"lo"}', '{"input":5,"output":2}', "[DONE]"]), failWith(503)],
        "backup-1": answer("From backup", 4, 6),
      },
    });
    expect((await gateway.post("/v1/chat/completions", hello, ci)).status).toBe(200);
    const streamed = await gateway.post("/v1/chat/completions", { ...hello, stream: true }, ci);
    await streamed.text();
    expect((await gateway.post("/v1/chat/completions", hello, ci)).status).toBe(200); // primary fails: backup answers
    expect((await gateway.post("/v1/chat/completions", { ...hello, model: "no-such-model-x1" }, ci)).status).toBe(404);
    expect((await gateway.post("/v1/chat/completions", hello, { authorization: "Bearer sk-wrong" })).status).toBe(401);
    expect((await gateway.app.request("/v1/models", { headers: ci })).status).toBe(200);
    await gateway.app.request("/no/such/route/abc");

    const { response, families } = await scrape(gateway);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);

    const chatPath = { path: "/v1/chat/completions" };
    expect(total(families, "gw_requests_total", { ...chatPath, status: "200", model: "chat", team: "research" })).toBe(3);
    expect(total(families, "gw_requests_total", { ...chatPath, status: "200", deployment: "chat/0" })).toBe(2);
    expect(total(families, "gw_requests_total", { ...chatPath, status: "200", deployment: "backup/0" })).toBe(1);
    // The unknown model is not a label of its own; the URL asked for is never one either.
    expect(total(families, "gw_requests_total", { ...chatPath, status: "404", model: "" })).toBe(1);
    expect(total(families, "gw_requests_total", { ...chatPath, status: "401" })).toBe(1);
    expect(total(families, "gw_requests_total", { path: "/v1/models", status: "200" })).toBe(1);
    expect(total(families, "gw_requests_total", { path: "unmatched", status: "404" })).toBe(1);
    const text = families.map((sample) => JSON.stringify(sample.labels)).join("\n");
    expect(text).not.toContain("no-such-model-x1");
    expect(text).not.toContain("/no/such/route");
    expect(text).not.toContain("sk-");

    const genAi = { gen_ai_operation_name: "chat", gen_ai_request_model: "chat", gen_ai_provider_name: "fake" };
    expect(total(families, "gen_ai_client_token_usage_sum", { ...genAi, gen_ai_token_type: "input" })).toBe(7 + 5 + 4);
    expect(total(families, "gen_ai_client_token_usage_sum", { ...genAi, gen_ai_token_type: "output" })).toBe(3 + 2 + 6);
    expect(total(families, "gen_ai_client_token_usage_count", { ...genAi, gen_ai_token_type: "output" })).toBe(3);
    // A bucket counts what is at most its bound: 2 and 3 output tokens are under 4, 6 is not.
    expect(total(families, "gen_ai_client_token_usage_bucket", { ...genAi, gen_ai_token_type: "output", le: "4" })).toBe(2);
    expect(total(families, "gen_ai_client_operation_duration_seconds_count", { ...genAi, error_type: "" })).toBe(3);
    expect(total(families, "gen_ai_server_time_to_first_token_seconds_count", genAi)).toBe(1);
    expect(total(families, "gen_ai_client_token_usage_count", { gen_ai_response_model: "backup-1" })).toBe(2);

    // Fake price: $1 in, $2 out per million tokens.
    const spend = total(families, "gw_spend_usd_total", { team: "research", key: "ci", model: "chat" });
    expect(spend).toBeCloseTo(((7 + 5 + 4) * 1 + (3 + 2 + 6) * 2) / 1e6, 12);
    expect(total(families, "gw_tokens_total", { model: "chat", team: "research", type: "output" })).toBe(11);

    expect(total(families, "gw_deployment_attempts_total", { deployment: "chat/0", outcome: "success" })).toBe(2);
    expect(total(families, "gw_deployment_attempts_total", { deployment: "chat/0", outcome: "deployment_error" })).toBe(1);
    expect(total(families, "gw_deployment_attempts_total", { deployment: "backup/0", outcome: "success" })).toBe(1);
    expect(total(families, "gw_fallbacks_total", { model: "chat", fallback: "backup" })).toBe(1);
    expect(total(families, "gw_retries_total", { model: "chat" })).toBe(1);
    expect(total(families, "gw_requests_in_flight")).toBe(0);
    expect(total(families, "gw_deployment_cooling_down", { deployment: "backup/0" })).toBe(0);
    expect(samples(families, "gw_build_info")[0]?.labels).toMatchObject({ bundle_hash: gateway.plan.bundleHash, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it("counts gw's own refusals by reason and team", async () => {
    const gateway = await createTestGateway(bundle, { metrics: true, handlers: { primary: answer("Hello", 700, 300) } });
    const poor = { authorization: "Bearer sk-poor" };
    await gateway.post("/v1/chat/completions", hello, poor);
    await gateway.store.flush?.();
    const refused = await gateway.post("/v1/chat/completions", hello, poor);
    expect(refused.status).toBe(429);
    const { families } = await scrape(gateway);
    expect(total(families, "gw_refusals_total", { reason: "budget", team: "broke" })).toBe(1);
  });

  it("is the admin's: no key 401, a team key 403; off by default (404)", async () => {
    const gateway = await createTestGateway(bundle, { metrics: true, handlers: {} });
    expect((await gateway.app.request("/metrics")).status).toBe(401);
    expect((await scrape(gateway, "sk-ci")).response.status).toBe(403);
    expect((await gateway.app.request("/metrics", { method: "POST", headers: { authorization: "Bearer sk-master" } })).status).toBe(405);
    const off = await createTestGateway(bundle, { handlers: {} });
    expect((await scrape(off)).response.status).toBe(404);
  });
});
