/** POST /v1/responses through the app (chat's one path), and the stored responses behind `responses.store`. */
import { describe, expect, it } from "vitest";
import { validateErrorResponse, validateResponse } from "../../test/support/openai-schema.ts";
import type { Bundle } from "../../contract/bundle.ts";
import { answer, createFakeBundle, failWith, streamOf } from "../testing/fake-provider.ts";
import { createTestGateway, keyHash, type TestGateway } from "../testing/test-gateway.ts";

const keys = [
  { name: "alice-key", team: "a", key: keyHash("sk-alice") },
  { name: "bob-key", team: "b", key: keyHash("sk-bob") },
];
const fakeBundle = createFakeBundle({
  models: [
    { name: "chat", deployments: ["primary"], retries: 0, fallbacks: ["backup"] },
    { name: "backup", deployments: ["backup-1"], retries: 0 },
  ],
  teams: [
    { name: "a", budget: null, models: null },
    { name: "b", budget: null, models: null },
  ],
  keys,
});
const storing: Bundle = { ...fakeBundle, responsesStore: { ttlSeconds: 60, maxEntries: 100 } };
const alice = { authorization: "Bearer sk-alice" };
const bob = { authorization: "Bearer sk-bob" };

async function create(gateway: TestGateway, body: Record<string, unknown>, headers: Record<string, string> = alice): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await gateway.post("/v1/responses", { model: "chat", ...body }, headers);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The `data:` payloads of a Responses stream (each event is `event: TYPE\ndata: JSON`). */
async function readEvents(response: Response): Promise<Array<{ type: string; response?: { id: string; output: unknown[] } }>> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((frame) => frame !== "")
    .map((frame) => JSON.parse(frame.slice(frame.indexOf("data: ") + "data: ".length)) as { type: string; response?: { id: string; output: unknown[] } });
}

const get = (gateway: TestGateway, id: string, headers: Record<string, string>, method = "GET"): Promise<Response> =>
  Promise.resolve(gateway.app.request(`/v1/responses/${id}`, { method, headers }));

describe("POST /v1/responses", () => {
  it("answers a Response with the chat answer, priced and recorded like chat", async () => {
    const gateway = await createTestGateway(fakeBundle, { handlers: { primary: answer("Hello!", 7, 3) } });
    const { status, body } = await create(gateway, { input: "Say hello", instructions: "Be brief." });
    expect(status).toBe(200);
    expect(validateResponse(body)).toEqual([]);
    expect(body).toMatchObject({ object: "response", status: "completed", store: false, output: [{ type: "message", content: [{ type: "output_text", text: "Hello!" }] }] });
    expect(body.id).toMatch(/^resp_/);
    expect(gateway.calls[0]?.body.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Say hello" },
    ]);
    await gateway.store.flush();
    expect(gateway.store.records[0]).toMatchObject({ model: "chat", status: 200, inputTokens: 7, outputTokens: 3, stream: false, keyName: "alice-key", team: "a" });
    expect(gateway.store.records[0]?.costUsd).toBeGreaterThan(0);
    expect(gateway.entries()[0]).toMatchObject({ path: "/v1/responses", status: 200 });
  });

  it("falls back like chat, and streams the Responses events, recorded as a stream", async () => {
    const gateway = await createTestGateway(fakeBundle, {
      handlers: { primary: failWith(500), "backup-1": streamOf(['{"text":"Hel"}', '{"text":"lo"}', '{"input":7,"output":2}', "[DONE]"]) },
    });
    const response = await gateway.post("/responses", { model: "chat", input: "Say hello", stream: true }, alice);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-model")).toBe("backup");
    const events = await readEvents(response);
    expect(events[0]?.type).toBe("response.created");
    expect(events.at(-1)?.type).toBe("response.completed");
    expect(events.at(-1)?.response?.output).toMatchObject([{ type: "message", content: [{ text: "Hello" }] }]);
    await gateway.store.flush();
    expect(gateway.store.records[0]).toMatchObject({ stream: true, status: 200, inputTokens: 7, outputTokens: 2 });
  });

  it("refuses what it cannot translate with an OpenAI-shaped 400, before any upstream call", async () => {
    const gateway = await createTestGateway(fakeBundle, { handlers: { primary: answer("never") } });
    const { status, body } = await create(gateway, { input: "x", tools: [{ type: "web_search" }] });
    expect(status).toBe(400);
    expect(validateErrorResponse(body)).toEqual([]);
    expect(body).toMatchObject({ error: { type: "invalid_request_error", param: "tools[0].type", code: "unsupported_parameter" } });
    expect(gateway.calls).toHaveLength(0);
  });

  it("answers 405 to other methods", async () => {
    const gateway = await createTestGateway(fakeBundle);
    expect((await gateway.app.request("/v1/responses")).status).toBe(405);
    expect((await gateway.app.request("/v1/responses/resp_1", { method: "PUT", headers: alice })).status).toBe(405);
  });
});

describe("stored responses", () => {
  it("are off by default: store is answered false, previous_response_id is a 400 and GET a 404", async () => {
    const gateway = await createTestGateway(fakeBundle, { handlers: { primary: answer("Hi") } });
    const first = await create(gateway, { input: "Hi", store: true });
    expect(first.body.store).toBe(false);
    const next = await create(gateway, { input: "Again", previous_response_id: first.body.id });
    expect(next.status).toBe(400);
    expect(next.body).toMatchObject({ error: { param: "previous_response_id", code: "responses_store_disabled" } });
    expect(gateway.calls).toHaveLength(1);
    expect((await get(gateway, String(first.body.id), alice)).status).toBe(404);
  });

  it("continue a conversation with previous_response_id: its input and output go before the new input (not its instructions)", async () => {
    const gateway = await createTestGateway(storing, { handlers: { primary: [answer("Paris."), answer("About 2 million.")] } });
    const first = await create(gateway, { input: "Capital of France?", instructions: "Be brief." });
    expect(first.body.store).toBe(true);
    const second = await create(gateway, { input: [{ role: "user", content: "Its population?" }], previous_response_id: first.body.id, instructions: "One line." });
    expect(second.status).toBe(200);
    expect(second.body.previous_response_id).toBe(first.body.id);
    expect(gateway.calls[1]?.body.messages).toEqual([
      { role: "system", content: "One line." },
      { role: "user", content: "Capital of France?" },
      { role: "assistant", content: "Paris." },
      { role: "user", content: "Its population?" },
    ]);
  });

  it("are the creating key's only: another key gets a 404 and cannot continue or delete them", async () => {
    const gateway = await createTestGateway(storing, { handlers: { primary: answer("Hi") } });
    const { body } = await create(gateway, { input: "Hi" });
    const id = String(body.id);
    const retrieved = await get(gateway, id, alice);
    expect(retrieved.status).toBe(200);
    expect(await retrieved.json()).toEqual(body);

    const foreign = await get(gateway, id, bob);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ error: { type: "invalid_request_error", code: "not_found" } });
    expect((await create(gateway, { input: "x", previous_response_id: id }, bob)).body).toMatchObject({ error: { code: "previous_response_not_found" } });
    expect((await get(gateway, id, bob, "DELETE")).status).toBe(404);
    expect((await get(gateway, id, {})).status).toBe(401);

    const deleted = await get(gateway, id, alice, "DELETE");
    expect(await deleted.json()).toEqual({ id, object: "response", deleted: true });
    expect((await get(gateway, id, alice)).status).toBe(404);
  });

  it("resolve item_reference items (the AI SDK's earlier reasoning and text) from the caller's stored responses", async () => {
    const gateway = await createTestGateway(storing, { handlers: { primary: [answer("Paris."), answer("About 2 million.")] } });
    const first = await create(gateway, { input: "Capital of France?" });
    const messageId = (first.body.output as Array<{ id: string }>)[0]?.id as string;
    const second = await create(gateway, { input: [{ role: "user", content: "Capital of France?" }, { type: "item_reference", id: messageId }, { role: "user", content: "Its population?" }] });
    expect(second.status).toBe(200);
    expect(gateway.calls[1]?.body.messages).toEqual([
      { role: "user", content: "Capital of France?" },
      { role: "assistant", content: "Paris." },
      { role: "user", content: "Its population?" },
    ]);
    // Another key's items, and ids gw never made, are not found.
    for (const [id, headers] of [[messageId, bob], ["msg_unknown", alice]] as const) {
      const refused = await create(gateway, { input: [{ type: "item_reference", id }, { role: "user", content: "x" }] }, headers);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { param: "input[0].id", code: "item_not_found" } });
    }
  });

  it("refuse item_reference items without a store, saying how to send the items instead", async () => {
    const gateway = await createTestGateway(fakeBundle, { handlers: { primary: answer("Hi") } });
    const refused = await create(gateway, { input: [{ type: "item_reference", id: "msg_x_1_0" }, { role: "user", content: "x" }] });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { param: "input", code: "responses_store_disabled" } });
    expect(gateway.calls).toHaveLength(0);
  });

  it("keeps nothing for store: false", async () => {
    const gateway = await createTestGateway(storing, { handlers: { primary: answer("Hi") } });
    const { body } = await create(gateway, { input: "Hi", store: false });
    expect(body.store).toBe(false);
    expect((await get(gateway, String(body.id), alice)).status).toBe(404);
  });

  it("keep a streamed response once it completes", async () => {
    const gateway = await createTestGateway(storing, { handlers: { primary: streamOf(['{"text":"Hi"}', "[DONE]"]) } });
    const response = await gateway.post("/v1/responses", { model: "chat", input: "Hi", stream: true }, alice);
    const events = await readEvents(response);
    const id = events.at(-1)?.response?.id as string;
    const stored = await get(gateway, id, alice);
    expect(stored.status).toBe(200);
    expect(await stored.json()).toMatchObject({ id, status: "completed", output: [{ type: "message", content: [{ text: "Hi" }] }] });
  });
});

describe("stored responses while the store is unreachable", () => {
  const down = { save: () => Promise.reject(new Error("connect ECONNREFUSED")), get: () => Promise.reject(new Error("connect ECONNREFUSED")), delete: () => Promise.reject(new Error("connect ECONNREFUSED")) };

  it("answers 503 in OpenAI's shape for previous_response_id, GET and DELETE; a request needing no stored response is answered, its save failure only logged", async () => {
    const gateway = await createTestGateway(storing, { handlers: { primary: answer("Hi there") }, responseStore: down });
    const previous = await create(gateway, { input: "Again", previous_response_id: "resp_x_1" });
    expect(previous.status).toBe(503);
    expect(validateErrorResponse(previous.body)).toEqual([]);
    expect(previous.body).toMatchObject({ error: { code: "responses_store_unavailable" } });
    expect(JSON.stringify(previous.body)).not.toContain("ECONNREFUSED");
    for (const method of ["GET", "DELETE"]) {
      const response = await gateway.app.request("/v1/responses/resp_x_1", { method, headers: alice });
      expect(response.status, method).toBe(503);
    }
    const fresh = await create(gateway, { input: "Hi" });
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ status: "completed" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(gateway.lines.join("\n")).toMatch(/could not be stored/);
    expect(gateway.calls).toHaveLength(1);
  });
});
