/** Legacy /v1/completions through the app: the completions converters at the edge of chat's one path. */
import { describe, expect, it } from "vitest";
import { GatewayError } from "../http/errors.ts";
import type { ChatCompletionChunk } from "../http/openai-types.ts";
import { answer, createFakeBundle, failWith, streamOf } from "../testing/fake-provider.ts";
import { createTestGateway, readSse } from "../testing/test-gateway.ts";
import { validateErrorResponse, validateTextCompletion } from "../../test/support/openai-schema.ts";
import { parseCompletionRequest, textCompletionAnswer } from "./completions.ts";

const bundle = createFakeBundle({
  models: [
    { name: "chat", deployments: ["primary"], retries: 0, fallbacks: ["backup"] },
    { name: "backup", deployments: ["backup-1"], retries: 0 },
  ],
});
const sayHello = { model: "chat", prompt: "Say hello" };

describe("parseCompletionRequest", () => {
  it("makes the prompt one user message, keeps chat's fields and defaults max_tokens to 16 as OpenAI does", () => {
    const chat = parseCompletionRequest({ ...sayHello, temperature: 0.2, stop: ["\n"], user: "u-1", echo: false, best_of: 1, logprobs: null, suffix: null });
    expect(chat).toEqual({ model: "chat", messages: [{ role: "user", content: "Say hello" }], max_tokens: 16, temperature: 0.2, stop: ["\n"], user: "u-1" });
    expect(parseCompletionRequest({ model: "chat", prompt: ["Only one"], max_tokens: 100 })).toMatchObject({ messages: [{ role: "user", content: "Only one" }], max_tokens: 100 });
  });

  it("refuses prompts chat cannot carry, naming `prompt`", () => {
    for (const prompt of [undefined, [1, 2, 3], ["one", "two"], [], [[1, 2]], 42]) {
      const refused = parseCompletionRequest({ model: "chat", prompt });
      expect(refused).toBeInstanceOf(GatewayError);
      expect((refused as GatewayError).status).toBe(400);
      expect((refused as GatewayError).param).toBe("prompt");
    }
  });

  it("refuses the legacy features chat has no equivalent for, saying they are not supported", () => {
    for (const [param, value] of [["suffix", "tail"], ["echo", true], ["best_of", 3], ["logprobs", 2]] as const) {
      const refused = parseCompletionRequest({ ...sayHello, [param]: value }) as GatewayError;
      expect(refused).toBeInstanceOf(GatewayError);
      expect(refused.param).toBe(param);
      expect(refused.message).toContain("not supported");
    }
  });
});

describe("POST /v1/completions", () => {
  it("answers a text_completion with the chat answer's text and usage, priced and recorded like chat", async () => {
    const gateway = await createTestGateway(bundle, { handlers: { primary: answer("Hello!", 7, 3) } });
    const response = await gateway.post("/v1/completions", sayHello);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(validateTextCompletion(body)).toEqual([]);
    expect(body).toMatchObject({
      object: "text_completion",
      model: "chat",
      choices: [{ text: "Hello!", index: 0, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
    });
    expect(body.id).toMatch(/^cmpl-/);
    expect(response.headers.get("x-gw-cost-usd")).not.toBeNull();
    expect(gateway.calls[0]?.body.messages).toEqual([{ role: "user", content: "Say hello" }]);
    await gateway.store.flush?.();
    expect(gateway.store.records[0]).toMatchObject({ model: "chat", status: 200, inputTokens: 7, outputTokens: 3, stream: false });
    expect(gateway.store.records[0]?.costUsd).toBeGreaterThan(0);
    expect(gateway.entries()[0]).toMatchObject({ path: "/v1/completions", status: 200 });
  });

  it("falls back like chat when the primary deployment answers 500", async () => {
    const gateway = await createTestGateway(bundle, { handlers: { primary: failWith(500), "backup-1": answer("from backup") } });
    const response = await gateway.post("/completions", sayHello);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-model")).toBe("backup");
    expect(response.headers.get("x-gw-attempts")).toBe("2");
    expect(((await response.json()) as { choices: Array<{ text: string }> }).choices[0]?.text).toBe("from backup");
  });

  it("streams text_completion chunks, the finish_reason on the last, then [DONE]", async () => {
    const gateway = await createTestGateway(bundle, {
      handlers: { primary: streamOf(['{"text":"Hel"}', '{"text":"lo"}', '{"input":7,"output":2}', "[DONE]"]) },
    });
    const response = await gateway.post("/v1/completions", { ...sayHello, stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = await readSse(response);
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as { id: string; object: string; choices: Array<{ text: string; finish_reason: string | null }> });
    expect(chunks.every((chunk) => chunk.object === "text_completion" && chunk.id.startsWith("cmpl-"))).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.text).join("")).toBe("Hello");
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(validateTextCompletion(chunks.at(-1))).toEqual([]);
    await gateway.store.flush?.();
    expect(gateway.store.records[0]).toMatchObject({ stream: true, status: 200, inputTokens: 7, outputTokens: 2 });
  });

  it("refuses a token-array prompt with an OpenAI-shaped 400 naming `prompt`, before any upstream call", async () => {
    const gateway = await createTestGateway(bundle, { handlers: { primary: answer("never") } });
    const response = await gateway.post("/v1/completions", { model: "chat", prompt: [1, 2, 3] });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { param: string } };
    expect(validateErrorResponse(body)).toEqual([]);
    expect(body.error.param).toBe("prompt");
    expect(gateway.calls).toHaveLength(0);
  });

  it("answers 405 to other methods", async () => {
    const gateway = await createTestGateway(bundle);
    expect((await gateway.app.request("/v1/completions")).status).toBe(405);
  });
});

describe("textCompletionAnswer.streamEncoder", () => {
  it("keeps the usage-only chunk (stream_options.include_usage) with its empty choices", () => {
    const usage = { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 };
    const chunk: ChatCompletionChunk = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "chat", choices: [], usage };
    const event = new TextDecoder().decode((textCompletionAnswer.streamEncoder({} as never).chunk(chunk) as Uint8Array));
    expect(event.endsWith("\n\n")).toBe(true);
    const data = JSON.parse(event.slice("data: ".length)) as unknown;
    expect(data).toEqual({ id: "cmpl-1", object: "text_completion", created: 1, model: "chat", choices: [], usage });
    expect(validateTextCompletion(data)).toEqual([]);
  });
});
