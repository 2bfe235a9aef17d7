/**
 * End to end: a stream still running when the shutdown grace (`--shutdown-grace`) ends gets an
 * OpenAI-shaped error event and a clean close, and what it used is recorded (the request log line,
 * with the usage gw counted itself), before the real `gw serve` process exits.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { validateErrorResponse } from "../support/openai-schema.ts";
import { serveOpenAIChat } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";

const openAIKey = "sk-upstream-shutdown";
const masterKey = "gw-master-shutdown";
let upstream: FakeUpstream;
let gateway: GatewayProcess;
let stop: () => Promise<void>;

beforeAll(async () => {
  // Every chunk 200 ms apart: the recorded stream takes far longer than the grace period.
  upstream = await startOpenAIUpstream({ apiKey: openAIKey, chunkDelayMs: 200 });
  ({ gateway, stop } = await serveOpenAIChat({ name: "e2e-shutdown", upstream, upstreamKey: openAIKey, masterKey, extraArgs: ["--shutdown-grace", "1"] }));
});

afterAll(() => stop?.());

test("a stream still running when the shutdown grace ends gets an error event, a clean close, and is recorded", async () => {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${masterKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "Tell me a long story." }], stream: true }),
  });
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  // Wait for the first content, then ask gw to stop while the stream is still running.
  while (!text.includes('"content"')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  const exited = gateway.stop(20_000);
  for (;;) {
    const { value, done } = await reader.read(); // rejects if the connection is cut instead of closed cleanly
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  const events = text
    .split("\n\n")
    .map((event) => event.trim())
    .filter((event) => event.startsWith("data: "))
    .map((event) => event.slice("data: ".length));
  const last = JSON.parse(events.at(-1) as string) as { error: { code: string } };
  expect(validateErrorResponse(last)).toEqual([]);
  expect(last.error.code).toBe("server_shutting_down");
  expect((await exited).code).toBe(0);
  const line = gateway.stdout().split("\n").find((entry) => entry.includes("error=server_shutting_down"));
  expect(line).toBeDefined();
  expect(line).toContain(" 503 ");
  expect(line).toContain("usage_estimated=true");
  expect(line).toMatch(/output_tokens=[1-9]/);
}, 40_000);
