import { describe, expect, it } from "vitest";
import { answer, createFakeBundle, failWith } from "../testing/fake-provider.ts";
import { createTestGateway, hello } from "../testing/test-gateway.ts";

const bundle = createFakeBundle({
  models: [
    { name: "chat", deployments: ["fake-1"], fallbacks: ["third"] },
    { name: "other", deployments: ["fake-2"] },
    { name: "third", deployments: ["fake-3"] },
  ],
});

async function errorOf(response: Response): Promise<{ code: string; param: string | null; message: string }> {
  return ((await response.json()) as { error: { code: string; param: string | null; message: string } }).error;
}

describe("per-request num_retries and fallbacks (LiteLLM's)", () => {
  it("num_retries replaces the route's retries, and is not sent upstream", async () => {
    const gateway = await createTestGateway(bundle, { handlers: { "fake-1": failWith(500), "fake-3": failWith(500) } });
    const response = await gateway.chat({ ...hello, num_retries: 0 });
    expect(response.status).toBe(500);
    // One attempt at chat, one at its configured fallback "third".
    expect(gateway.calls.map((call) => call.model)).toEqual(["fake-1", "fake-3"]);
    for (const call of gateway.calls) expect(Object.keys(call.body)).not.toContain("num_retries");
  });

  it("fallbacks replace the configured chain, in order, and are not sent upstream", async () => {
    const gateway = await createTestGateway(bundle, { handlers: { "fake-1": failWith(500), "fake-2": answer("from other") } });
    const response = await gateway.chat({ ...hello, num_retries: 0, fallbacks: ["other", { model: "third" }] });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-model")).toBe("other");
    expect(gateway.calls.map((call) => call.model)).toEqual(["fake-1", "fake-2"]);
    for (const call of gateway.calls) expect(Object.keys(call.body)).not.toContain("fallbacks");
  });

  it("refuses malformed overrides and unknown fallback models with a 400 naming the field", async () => {
    const gateway = await createTestGateway(bundle, { handlers: { "fake-1": answer("hi") } });
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ num_retries: 11 }, "num_retries", "invalid_value"],
      [{ num_retries: "2" }, "num_retries", "invalid_value"],
      [{ fallbacks: "other" }, "fallbacks", "invalid_type"],
      [{ fallbacks: ["other", 3] }, "fallbacks[1]", "invalid_type"],
      [{ fallbacks: ["nope"] }, "fallbacks[0]", "invalid_fallback"],
    ];
    for (const [extra, param, code] of cases) {
      const response = await gateway.chat({ ...hello, ...extra });
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({ param, code });
    }
    expect(gateway.calls).toHaveLength(0);
  });
});

describe("the other LiteLLM client fields", () => {
  const openAIBundle = createFakeBundle({ models: [{ name: "chat", deployments: [{ model: "gpt-4o-mini", provider: "openai" }] }] });
  const completion = () =>
    Response.json({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1,
      model: "gpt-4o-mini",
      choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    });
  const openAI = async () => createTestGateway(openAIBundle, { getProvider: (await import("../providers/registry.ts")).getProvider, handlers: { "gpt-4o-mini": completion } });

  it("metadata (tags, trace ids) is gw's: recorded, never sent to an OpenAI upstream unless the request stores the completion", async () => {
    const gateway = await openAI();
    const response = await gateway.chat({ ...hello, metadata: { tags: ["batch"], trace_id: "t-1" }, caching: true });
    expect(response.status).toBe(200);
    expect(gateway.calls[0]?.body).not.toHaveProperty("metadata");
    expect(gateway.calls[0]?.body).not.toHaveProperty("caching");
    expect(gateway.store.records[0]?.tags).toEqual(["batch"]);
    await gateway.chat({ ...hello, store: true, metadata: { project: "a" } });
    expect(gateway.calls[1]?.body).toMatchObject({ store: true, metadata: { project: "a" } });
  });

  it("client-side credentials and mock_response are refused with a 400 naming the field, before any call", async () => {
    const gateway = await openAI();
    for (const [field, code] of [
      ["api_key", "client_credentials_not_allowed"],
      ["api_base", "client_credentials_not_allowed"],
      ["base_url", "client_credentials_not_allowed"],
      ["mock_response", "mock_response_not_allowed"],
    ] as const) {
      const response = await gateway.chat({ ...hello, [field]: "x" });
      expect(response.status).toBe(400);
      const error = await errorOf(response);
      expect(error).toMatchObject({ param: field, code });
      expect(error.message).not.toContain('"x"');
    }
    expect(gateway.calls).toHaveLength(0);
  });
});

describe("mock_response where the config allows it", () => {
  const allowing = { ...createFakeBundle({ models: [{ name: "chat", deployments: ["fake-1"] }] }), allowMockResponses: true as const };

  it("answers with the given text in-process, streamed too, recorded at price 0; the upstream never sees it", async () => {
    const gateway = await createTestGateway(allowing, { handlers: { "fake-1": answer("real") } });
    const response = await gateway.chat({ ...hello, mock_response: "Paris is the capital of France." });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gw-deployment")).toBe("mock_response");
    const completion = (await response.json()) as { choices: Array<{ message: { content: string } }>; model: string };
    expect(completion.choices[0]?.message.content).toBe("Paris is the capital of France.");
    expect(completion.model).toBe("chat");
    const streamed = await gateway.chat({ ...hello, stream: true, mock_response: "one two three" });
    const text = (await streamed.text())
      .split("\n\n")
      .filter((event) => event.startsWith("data: {"))
      .map((event) => (JSON.parse(event.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? "")
      .join("");
    expect(text).toBe("one two three");
    expect(gateway.calls).toHaveLength(0);
    expect(gateway.store.records.map((record) => [record.deployment, record.costUsd, record.status])).toEqual([
      ["mock_response", 0, 200],
      ["mock_response", 0, 200],
    ]);
    const refused = await gateway.chat({ ...hello, mock_response: 42 });
    expect(refused.status).toBe(400);
  });
});
