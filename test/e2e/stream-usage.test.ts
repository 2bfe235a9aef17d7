/**
 * End to end: a stream the client leaves before the upstream reported usage is still charged
 * (gw counts the relayed text and the prompt itself), as /key/info of the real `gw serve` shows.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { createClient, getRaw, postRaw } from "../support/gateway-client.ts";
import { serveOpenAIChat } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";

const openAIKey = "sk-upstream-stream-usage";
const masterKey = "gw-master-stream-usage";
let upstream: FakeUpstream;
let gateway: GatewayProcess;
let stop: () => Promise<void>;

beforeAll(async () => {
  upstream = await startOpenAIUpstream({ apiKey: openAIKey });
  ({ gateway, stop } = await serveOpenAIChat({ name: "e2e-stream-usage", upstream, upstreamKey: openAIKey, masterKey }));
});

afterAll(() => stop?.());

test("a stream whose client disconnects before the last chunk is charged for what it received", async () => {
  const generated = await postRaw(gateway, { key_alias: "leaver", max_budget: 100 }, { apiKey: masterKey, path: "/key/generate" });
  expect(generated.status).toBe(200);
  const { key, token } = generated.json as { key: string; token: string };
  upstream.setChunkDelay(50);
  const stream = await createClient(gateway, key).chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Hello, how are you?" }], stream: true });
  let received = "";
  for await (const chunk of stream) {
    received += chunk.choices[0]?.delta.content ?? "";
    if (received.length > 0) break; // leaves the stream: the SDK aborts the connection
  }
  upstream.setChunkDelay(0);
  expect(received.length).toBeGreaterThan(0);
  let spend = 0;
  for (let attempt = 0; attempt < 50 && spend === 0; attempt++) {
    const info = await getRaw(gateway, `/key/info?key=${encodeURIComponent(token)}`, masterKey);
    spend = (info.json as { info: { spend: number } }).info.spend;
    if (spend === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(spend).toBeGreaterThan(0);
});
