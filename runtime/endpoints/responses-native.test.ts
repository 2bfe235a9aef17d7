/**
 * POST /v1/responses passed through to a deployment that speaks Responses itself (OpenAI), or
 * translated onto chat for any other (the fake provider), per attempt; and gw's store across both.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Bundle } from "../../contract/bundle.ts";
import { validateRelayedResponse, validateRelayedStreamEvent } from "../../test/support/openai-schema.ts";
import { openai } from "../providers/openai/index.ts";
import { answer, createFakeBundle, type FakeHandler, failWith, getFakeProvider } from "../testing/fake-provider.ts";
import { createTestGateway, keyHash, type TestGateway } from "../testing/test-gateway.ts";

const fixtures = new URL("../providers/openai/__fixtures__/", import.meta.url);
const textResponse = readFileSync(new URL("issue-20047-openai-responses.json", fixtures), "utf8");
const webSearchResponse = readFileSync(new URL("openai-web-search-tool.1.json", fixtures), "utf8");
const streamLines = readFileSync(new URL("issue-20047-openai-responses.chunks.txt", fixtures), "utf8").split("\n").filter((line) => line !== "");
/** The recorded stream as OpenAI sends it: `event: TYPE`, `data: JSON`. */
const streamWire = streamLines.map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`).join("");

const bundle = createFakeBundle({
  models: [
    { name: "gpt", deployments: [{ provider: "openai", model: "gpt-up", baseUrl: "https://api.openai.test/v1" }], retries: 0, fallbacks: ["backup"] },
    { name: "backup", deployments: ["backup-1"], retries: 0 },
  ],
  teams: [{ name: "a", budget: null, models: null }],
  keys: [{ name: "alice-key", team: "a", key: keyHash("sk-alice") }],
});
const storing: Bundle = { ...bundle, responsesStore: { ttlSeconds: 60, maxEntries: 100 } };
const alice = { authorization: "Bearer sk-alice" };
const getProvider = (name: string) => (name === "openai" ? openai : getFakeProvider(name));

const json =
  (text: string): FakeHandler =>
  () =>
    new Response(text, { headers: { "content-type": "application/json" } });
/** The recorded Response under another id (OpenAI names each response anew). */
const jsonAs = (id: string): FakeHandler => json(JSON.stringify({ ...(JSON.parse(textResponse) as object), id }));
const sse: FakeHandler = () => new Response(streamWire, { headers: { "content-type": "text/event-stream" } });

function gatewayOf(target: Bundle, handlers: Record<string, FakeHandler | FakeHandler[]>): Promise<TestGateway> {
  return createTestGateway(target, { handlers, getProvider });
}

async function create(gateway: TestGateway, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await gateway.post("/v1/responses", { model: "gpt", ...body }, alice);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("POST /v1/responses to an OpenAI deployment: passed through", () => {
  it("sends the client's body (built-in tool, include, truncation) to /responses and answers the Response as it came, priced from its usage", async () => {
    const gateway = await gatewayOf(bundle, { "gpt-up": json(webSearchResponse) });
    const sent = { input: "What happened in San Francisco last week?", tools: [{ type: "web_search" }], include: ["web_search_call.action.sources"], truncation: "auto", background: false };
    const { status, body } = await create(gateway, sent);
    expect(status).toBe(200);
    // As OpenAI answered it (a March 2025 recording, which predates fields today's schema requires).
    expect(body).toEqual(JSON.parse(webSearchResponse));
    const call = gateway.calls[0];
    expect(call?.url).toBe("https://api.openai.test/v1/responses");
    expect(call?.body).toEqual({ model: "gpt-up", ...sent });
    await gateway.store.flush();
    expect(gateway.store.records[0]).toMatchObject({ model: "gpt", status: 200, inputTokens: 327, outputTokens: 770, stream: false });
  });

  it("relays a stream's events byte for byte, recorded with response.completed's usage", async () => {
    const gateway = await gatewayOf(bundle, { "gpt-up": sse });
    const response = await gateway.post("/v1/responses", { model: "gpt", input: "Say OK", stream: true }, alice);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toBe(streamWire);
    for (const line of streamLines) expect(validateRelayedStreamEvent(JSON.parse(line))).toEqual([]);
    expect(gateway.calls[0]?.body).toEqual({ model: "gpt-up", input: "Say OK", stream: true });
    await gateway.store.flush();
    expect(gateway.store.records[0]).toMatchObject({ status: 200, stream: true, inputTokens: 12, outputTokens: 2 });
  });

  it("falls back from a failing OpenAI deployment to a translated one, which gets the chat request", async () => {
    const gateway = await gatewayOf(bundle, { "gpt-up": failWith(500), "backup-1": answer("From the backup.", 4, 3) });
    const { status, body } = await create(gateway, { input: "Hi", instructions: "Be brief." });
    expect(status).toBe(200);
    expect(body).toMatchObject({ object: "response", output: [{ type: "message", content: [{ text: "From the backup." }] }] });
    expect(gateway.calls.map((call) => call.url)).toEqual(["https://api.openai.test/v1/responses", expect.not.stringContaining("/responses")]);
    expect(gateway.calls[1]?.body.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
    ]);
  });

  it("refuses a built-in tool with the untranslatable 400 only when the chosen deployment is translated", async () => {
    const gateway = await gatewayOf(bundle, { "gpt-up": failWith(500), "backup-1": answer("never") });
    const { status, body } = await create(gateway, { input: "x", tools: [{ type: "web_search" }] });
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { param: "tools[0].type", code: "unsupported_parameter" } });
    expect(gateway.calls).toHaveLength(1);
    const direct = await create(gateway, { model: "backup", input: "x", background: true });
    expect(direct.body).toMatchObject({ error: { param: "background" } });
  });

  it("without gw's store, passes previous_response_id natively (OpenAI's store), and refuses it for a translated deployment", async () => {
    const gateway = await gatewayOf(bundle, { "gpt-up": json(textResponse), "backup-1": answer("never") });
    const native = await create(gateway, { input: "And then?", previous_response_id: "resp_openai_1" });
    expect(native.status).toBe(200);
    expect(gateway.calls[0]?.body).toMatchObject({ previous_response_id: "resp_openai_1", input: "And then?" });
    const translated = await create(gateway, { model: "backup", input: "And then?", previous_response_id: "resp_openai_1" });
    expect(translated.status).toBe(400);
    expect(translated.body).toMatchObject({ error: { param: "previous_response_id", code: "responses_store_disabled" } });
  });
});

describe("gw's store with a native deployment", () => {
  it("keeps the native answer under its own id; previous_response_id goes upstream as the stored items, and a translated fallback reads them too", async () => {
    const recorded = JSON.parse(textResponse) as { id: string; output: unknown[] };
    const gateway = await gatewayOf(storing, { "gpt-up": [json(textResponse), jsonAs("resp_second"), failWith(503)], "backup-1": answer("Backup here.") });
    const first = await create(gateway, { input: "Say OK", store: true });
    expect(first.body.id).toBe(recorded.id);
    expect(validateRelayedResponse(first.body)).toEqual([]);
    const retrieved = await gateway.app.request(`/v1/responses/${recorded.id}`, { headers: alice });
    expect(await retrieved.json()).toEqual(recorded);

    const second = await create(gateway, { input: [{ role: "user", content: "Again" }], previous_response_id: recorded.id });
    expect(second.status).toBe(200);
    const sent = gateway.calls[1]?.body as Record<string, unknown>;
    expect(sent).not.toHaveProperty("previous_response_id");
    expect(sent.input).toEqual([{ type: "message", role: "user", content: "Say OK" }, ...recorded.output, { role: "user", content: "Again" }]);
    // The client asked nothing about `store`: it goes up as asked (OpenAI's default).
    expect(sent).not.toHaveProperty("store");

    // The OpenAI deployment fails: the fallback, translated, reads the same conversation as chat messages.
    const third = await create(gateway, { input: "Once more", previous_response_id: recorded.id });
    expect(third.status).toBe(200);
    expect(gateway.calls[3]?.body.messages).toEqual([
      { role: "user", content: "Say OK" },
      { role: "assistant", content: "OK" },
      { role: "user", content: "Once more" },
    ]);
  });

  it("resolves an item_reference to a native answer's output item; gw-made items go natively without gw's ids, its reasoning not at all", async () => {
    const gateway = await gatewayOf(storing, { "gpt-up": [json(textResponse), json(textResponse)] });
    await create(gateway, { input: "Say OK" });
    const reasoning = { type: "reasoning", id: "rs_x_1_0", summary: [{ type: "summary_text", text: "thought" }], encrypted_content: "gw-thinking-v1:W10=" };
    // A translated turn's items (gw's ids): a message goes as an input message, a function call without its id.
    const message = { type: "message", id: "msg_x_1_1", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Calling.", annotations: [] }] };
    const call = { type: "function_call", id: "fc_x_1_2", call_id: "call_1", name: "weather", arguments: "{}", status: "completed" };
    const output = { type: "function_call_output", call_id: "call_1", output: "18C" };
    const { status } = await create(gateway, { input: [reasoning, message, call, output, { type: "item_reference", id: "msg_sanitized_normal" }, { role: "user", content: "Next" }] });
    expect(status).toBe(200);
    const input = gateway.calls[1]?.body.input as unknown[];
    expect(input).toEqual([
      { type: "message", role: "assistant", content: "Calling." },
      { type: "function_call", call_id: "call_1", name: "weather", arguments: "{}", status: "completed" },
      output,
      (JSON.parse(textResponse) as { output: unknown[] }).output[0],
      { role: "user", content: "Next" },
    ]);
  });

  it("does not keep a background response still queued (it would be kept stale)", async () => {
    const queued = JSON.stringify({ ...(JSON.parse(textResponse) as object), id: "resp_queued", status: "queued", output: [], usage: null });
    const gateway = await gatewayOf(storing, { "gpt-up": json(queued) });
    const { status, body } = await create(gateway, { input: "Long job", background: true });
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: "resp_queued", status: "queued" });
    expect(gateway.calls[0]?.body).toMatchObject({ background: true });
    expect((await gateway.app.request("/v1/responses/resp_queued", { headers: alice })).status).toBe(404);
  });

  it("keeps a native stream's final response once it completes", async () => {
    const gateway = await gatewayOf(storing, { "gpt-up": sse });
    const response = await gateway.post("/v1/responses", { model: "gpt", input: "Say OK", stream: true }, alice);
    await response.text();
    const stored = await gateway.app.request("/v1/responses/resp_sanitized_streaming", { headers: alice });
    expect(stored.status).toBe(200);
    expect(await stored.json()).toMatchObject({ id: "resp_sanitized_streaming", status: "completed", output: [{ id: "msg_sanitized_streaming" }] });
  });
});
