/**
 * End to end: Prometheus metrics of the real `gw serve` after known traffic from the official
 * `openai` SDK (whole and streamed chat, an upstream error), scraped both from GET /metrics with the
 * master key and without a key from --metrics-port, and read with the official Prometheus client's
 * parser.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { createClient, getRaw } from "../support/gateway-client.ts";
import { parseMetrics, total } from "../support/prometheus.ts";
import { serveOpenAIChat } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";

const openAIKey = "sk-upstream-metrics";
const masterKey = "gw-master-metrics";
let upstream: FakeUpstream;
let gateway: GatewayProcess;
let stop: () => Promise<void>;

beforeAll(async () => {
  upstream = await startOpenAIUpstream({ apiKey: openAIKey });
  ({ gateway, stop } = await serveOpenAIChat({ name: "e2e-metrics", upstream, upstreamKey: openAIKey, masterKey, extraArgs: ["--metrics-port", "0"] }));
});

afterAll(() => stop?.());

test("known traffic shows in /metrics and on the metrics port, in the GenAI conventions' names", async () => {
  const client = createClient(gateway, masterKey);
  const whole = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Hello" }] });
  const stream = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Hello again" }], stream: true, stream_options: { include_usage: true } });
  let streamedUsage = { prompt_tokens: 0, completion_tokens: 0 };
  for await (const chunk of stream) if (chunk.usage) streamedUsage = chunk.usage;
  await expect(client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ status: 404 });

  const scraped = await getRaw(gateway, "/metrics", masterKey);
  expect(scraped.status).toBe(200);
  const metrics = parseMetrics(scraped.text);
  const genAi = { gen_ai_operation_name: "chat", gen_ai_provider_name: "openai", gen_ai_request_model: "chat", gen_ai_response_model: "gpt-4.1-nano" };
  expect(total(metrics, "gen_ai_client_token_usage_sum", { ...genAi, gen_ai_token_type: "input" })).toBe(whole.usage!.prompt_tokens + streamedUsage.prompt_tokens);
  expect(total(metrics, "gen_ai_client_token_usage_sum", { ...genAi, gen_ai_token_type: "output" })).toBe(whole.usage!.completion_tokens + streamedUsage.completion_tokens);
  expect(total(metrics, "gen_ai_server_time_to_first_token_seconds_count", genAi)).toBe(1);
  expect(total(metrics, "gen_ai_client_operation_duration_seconds_count", genAi)).toBe(2);
  expect(total(metrics, "gw_requests_total", { path: "/v1/chat/completions", status: "200", model: "chat", deployment: "chat/0" })).toBe(2);
  expect(total(metrics, "gw_requests_total", { path: "/v1/chat/completions", status: "404" })).toBe(1);
  const expectedSpend = ((whole.usage!.prompt_tokens + streamedUsage.prompt_tokens) * 1000 + (whole.usage!.completion_tokens + streamedUsage.completion_tokens) * 2000) / 1e6;
  expect(total(metrics, "gw_spend_usd_total", { model: "chat" })).toBeCloseTo(expectedSpend, 9);
  expect(total(metrics, "gw_build_info")).toBe(1);
  expect(scraped.text).not.toContain(masterKey);
  expect(scraped.text).not.toContain(openAIKey);

  // Without a key: 401 on the main port; the metrics port answers the same families without one.
  expect((await getRaw(gateway, "/metrics")).status).toBe(401);
  const port = /without a key on (http:\/\/[^\s]+)\/metrics/.exec(gateway.stdout())?.[1];
  expect(port).toBeDefined();
  const open = await fetch(`${port}/metrics`);
  expect(open.status).toBe(200);
  const openMetrics = parseMetrics(await open.text());
  expect(total(openMetrics, "gw_requests_total", { path: "/v1/chat/completions", status: "200" })).toBe(2);
  expect((await fetch(`${port}/v1/models`)).status).toBe(404);
});
