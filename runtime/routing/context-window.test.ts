import { describe, expect, it } from "vitest";
import { GatewayError } from "../http/errors.ts";
import { answer, createFakeBundle, failWith, type FakeHandler } from "../testing/fake-provider.ts";
import { createTestGateway } from "../testing/test-gateway.ts";
import { fallbackReasonOf } from "./context-window.ts";

/** A prompt of about `tokens` estimated tokens (ASCII characters / 4). */
const promptOf = (tokens: number, model = "chat") => ({ model, messages: [{ role: "user", content: "word ".repeat(Math.ceil((tokens * 4) / 5)) }] });

const upstream400 = (text: string): FakeHandler => () => new Response(text, { status: 400 });

describe("fallbackReasonOf", () => {
  const error = (status: number, message: string, code: string | null = null, retryable = false) =>
    new GatewayError({ status, type: "invalid_request_error", code, message, retryable });

  it("reads the providers' context-length errors", () => {
    expect(fallbackReasonOf(error(400, "This model's maximum context length is 8192 tokens.", "context_length_exceeded"))).toBe("context-window");
    expect(fallbackReasonOf(error(400, "prompt is too long: 210000 tokens > 200000 maximum"))).toBe("context-window");
    expect(fallbackReasonOf(error(400, "Input is too long for requested model."))).toBe("context-window");
    expect(fallbackReasonOf(error(400, "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."))).toBe("context-window");
  });

  it("reads content-policy refusals", () => {
    expect(fallbackReasonOf(error(400, "Azure OpenAI's content filter blocked the prompt (hate).", "content_filter"))).toBe("content-policy");
    expect(fallbackReasonOf(error(400, "Your request was rejected as a result of our safety system.", "content_policy_violation"))).toBe("content-policy");
    expect(fallbackReasonOf(error(400, "Output blocked by content filtering policy"))).toBe("content-policy");
  });

  it("leaves every other error alone: other 400s, retryable ones, auth and rate limits", () => {
    expect(fallbackReasonOf(error(400, "Invalid value for 'temperature'."))).toBeNull();
    expect(fallbackReasonOf(error(502, "context length exceeded", null, true))).toBeNull();
    expect(fallbackReasonOf(error(429, "Too many tokens per minute"))).toBeNull();
    expect(fallbackReasonOf(error(401, "content policy"))).toBeNull();
  });
});

describe("context-window fallbacks", () => {
  const bundle = createFakeBundle({
    models: [
      {
        name: "chat",
        deployments: [
          { model: "small", maxInputTokens: 1_000 },
          { model: "medium", maxInputTokens: 4_000 },
        ],
        retries: 0,
        fallbacks: ["other"],
        contextWindowFallbacks: ["big"],
      },
      { name: "big", deployments: [{ model: "big", maxInputTokens: 100_000 }], retries: 0 },
      { name: "other", deployments: ["other"], retries: 0 },
      { name: "bare", deployments: [{ model: "bare", maxInputTokens: 1_000 }], retries: 0 },
    ],
  });
  const handlers = { small: answer("small"), medium: answer("medium"), big: answer("big"), other: answer("other"), bare: answer("bare") };

  it("sends a prompt that fits no deployment to the context-window chain without calling the model", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.chat(promptOf(10_000));
    expect(response.status).toBe(200);
    expect(gateway.calls.map((call) => call.model)).toEqual(["big"]);
    expect(response.headers.get("x-gw-model")).toBe("big");
    expect(response.headers.get("x-gw-route")).toBe("strategy=weighted; skipped=chat/0:context-window,chat/1:context-window; fallback=context-window");
    expect(gateway.store.records[0]).toMatchObject({ model: "big", status: 200 });
  });

  it("skips only the deployments too small when another of the model fits", async () => {
    const gateway = await createTestGateway(bundle, { handlers, random: () => 0 });
    for (let index = 0; index < 5; index++) {
      const response = await gateway.chat(promptOf(2_000));
      expect(response.headers.get("x-gw-deployment")).toBe("chat/1");
      expect(response.headers.get("x-gw-route")).toBe("strategy=weighted; skipped=chat/0:context-window");
    }
    expect(new Set(gateway.calls.map((call) => call.model))).toEqual(new Set(["medium"]));
  });

  it("routes a small prompt as before (nothing skipped)", async () => {
    const gateway = await createTestGateway(bundle, { handlers, random: () => 0 });
    const response = await gateway.chat(promptOf(10));
    expect(response.headers.get("x-gw-deployment")).toBe("chat/0");
    expect(response.headers.get("x-gw-route")).toBe("strategy=weighted");
  });

  it("without a context-window chain, tries the model anyway (the upstream decides)", async () => {
    const gateway = await createTestGateway(bundle, { handlers });
    const response = await gateway.chat(promptOf(10_000, "bare"));
    expect(response.status).toBe(200);
    expect(gateway.calls.map((call) => call.model)).toEqual(["bare"]);
    expect(response.headers.get("x-gw-route")).toBe("strategy=weighted");
  });

  it("an upstream context-length 400 goes to the context-window chain, not the ordinary one", async () => {
    const gateway = await createTestGateway(bundle, {
      handlers: { ...handlers, small: upstream400("prompt is too long: 1200 tokens > 1000 maximum"), medium: upstream400("prompt is too long") },
      random: () => 0,
    });
    const response = await gateway.chat(promptOf(10));
    expect(response.status).toBe(200);
    expect(gateway.calls.map((call) => call.model)).toEqual(["small", "big"]);
    expect(response.headers.get("x-gw-route")).toBe("strategy=weighted; fallback=context-window");
    // The 400 is the request's fault: it never counts against the deployment.
    expect(gateway.store.records).toHaveLength(1);
  });

  it("an ordinary 400 is still the answer at once", async () => {
    const gateway = await createTestGateway(bundle, { handlers: { ...handlers, small: upstream400("bad temperature") }, random: () => 0 });
    const response = await gateway.chat(promptOf(10));
    expect(response.status).toBe(400);
    expect(gateway.calls.map((call) => call.model)).toEqual(["small"]);
  });
});

describe("content-policy fallbacks", () => {
  const bundle = createFakeBundle({
    models: [
      { name: "chat", deployments: ["filtered"], retries: 2, fallbacks: ["ordinary"], contentPolicyFallbacks: ["lenient"] },
      { name: "lenient", deployments: ["lenient"], retries: 0, contentPolicyFallbacks: ["chat"] },
      { name: "ordinary", deployments: ["ordinary"], retries: 0 },
    ],
  });

  it("a content-filter refusal goes to the content-policy chain at once (no retries of the same prompt)", async () => {
    const gateway = await createTestGateway(bundle, {
      handlers: { filtered: upstream400("The response was filtered due to the prompt triggering content management policy."), lenient: answer("ok"), ordinary: answer("no") },
    });
    const response = await gateway.chat({ model: "chat", messages: [{ role: "user", content: "hi" }] });
    expect(response.status).toBe(200);
    expect(gateway.calls.map((call) => call.model)).toEqual(["filtered", "lenient"]);
    expect(response.headers.get("x-gw-route")).toBe("strategy=weighted; fallback=content-policy");
  });

  it("never loops back to a model already tried, and answers with the last refusal", async () => {
    const refusal = upstream400("blocked by content filtering policy");
    const gateway = await createTestGateway(bundle, { handlers: { filtered: refusal, lenient: refusal, ordinary: answer("no") } });
    const response = await gateway.chat({ model: "chat", messages: [{ role: "user", content: "hi" }] });
    expect(response.status).toBe(400);
    expect(gateway.calls.map((call) => call.model)).toEqual(["filtered", "lenient"]);
  });
});

describe("a model in its own fallback chain", () => {
  it("gives every deployment an attempt, whatever the retry count", async () => {
    const bundle = createFakeBundle({
      models: [{ name: "chat", deployments: ["a", "b", "c", "d"], retries: 0, sameModelFallback: true }],
    });
    const gateway = await createTestGateway(bundle, { handlers: { a: failWith(500), b: failWith(500), c: failWith(500), d: answer("d") } });
    const response = await gateway.chat({ model: "chat", messages: [{ role: "user", content: "hi" }] });
    expect(response.status).toBe(200);
    expect(new Set(gateway.calls.map((call) => call.model))).toEqual(new Set(["a", "b", "c", "d"]));
    expect(gateway.calls).toHaveLength(4);
  });

  it("without it, retries 0 means one attempt", async () => {
    const bundle = createFakeBundle({ models: [{ name: "chat", deployments: ["a", "b"], retries: 0 }] });
    const gateway = await createTestGateway(bundle, { handlers: { a: failWith(500), b: failWith(500) } });
    expect((await gateway.chat({ model: "chat", messages: [{ role: "user", content: "hi" }] })).status).toBe(500);
    expect(gateway.calls).toHaveLength(1);
  });
});
