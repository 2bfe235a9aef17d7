import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import { testDeployment } from "../../testing/deployment.ts";
import type { ResolvedDeployment } from "../types.ts";
import { openai } from "./index.ts";

const deployment: ResolvedDeployment = testDeployment({
  id: "gpt/0",
  provider: "openai",
  model: "gpt-4o-mini-2024-07-18",
  baseUrl: "https://api.openai.com/v1",
  apiKey: "sk-test-123",
});

const request: ChatCompletionRequest = {
  model: "gpt",
  messages: [{ role: "user", content: "Hi" }],
  temperature: 0.2,
  tools: [{ type: "function", function: { name: "weather", parameters: { type: "object" } } }],
  seed: 7,
};

async function build(input: ChatCompletionRequest, stream: boolean, target = deployment) {
  const converted = await openai.buildRequest(input, target, stream);
  return { ...converted, body: JSON.parse(converted.upstream.body) as Record<string, unknown> };
}

describe("openai buildRequest", () => {
  it("posts to /chat/completions with a bearer key and the deployment's model", async () => {
    const { upstream, body, warnings } = await build(request, false);
    expect(upstream.method).toBe("POST");
    expect(upstream.url).toBe("https://api.openai.com/v1/chat/completions");
    expect(upstream.headers.authorization).toBe("Bearer sk-test-123");
    expect(upstream.headers["content-type"]).toBe("application/json");
    expect(body.model).toBe("gpt-4o-mini-2024-07-18");
    expect(warnings).toEqual([]);
  });

  it("passes every other parameter through unchanged, including ones gw does not know", async () => {
    const { body } = await build({ ...request, reasoning_effort: "low", metadata: { a: "b" } }, false);
    expect(body).toEqual({ ...request, model: "gpt-4o-mini-2024-07-18", reasoning_effort: "low", metadata: { a: "b" } });
  });

  it("sends no Authorization header when the deployment has no key (local servers)", async () => {
    const { upstream } = await build(request, false, { ...deployment, apiKey: null, baseUrl: "http://localhost:11434/v1" });
    expect(upstream.headers.authorization).toBeUndefined();
    expect(upstream.url).toBe("http://localhost:11434/v1/chat/completions");
  });

  it("always asks for usage when streaming, keeping the client's other stream options", async () => {
    const { body, upstream } = await build({ ...request, stream: true, stream_options: { include_obfuscation: false } as never }, true);
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_obfuscation: false, include_usage: true });
    expect(upstream.headers.accept).toBe("text/event-stream");
  });

  it("drops stream and stream_options when not streaming", async () => {
    const { body } = await build({ ...request, stream: false, stream_options: { include_usage: true } }, false);
    expect(body).not.toHaveProperty("stream");
    expect(body).not.toHaveProperty("stream_options");
  });

  it("does not modify the client's request object", async () => {
    const original = structuredClone({ ...request, stream: true });
    const input = structuredClone(original);
    await build(input, true);
    expect(input).toEqual(original);
  });
});

describe("openai buildRequest: what a Messages or Responses client's request carries that OpenAI does not take", () => {
  it("leaves gw's reasoning fields out of history messages and drops top_k with a warning; a request without them is sent as it came", async () => {
    const request = {
      model: "m",
      top_k: 40,
      thinking: { type: "enabled", budget_tokens: 2048 },
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello", reasoning_content: "Think", thinking_blocks: [{ type: "thinking", thinking: "Think", signature: "s" }] },
        { role: "user", content: "Again" },
      ],
    } as unknown as ChatCompletionRequest;
    const built = await openai.buildRequest(request, deployment, false);
    const body = JSON.parse(built.upstream.body) as Record<string, unknown>;
    expect(body.messages).toEqual([
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello" },
      { role: "user", content: "Again" },
    ]);
    expect(body).not.toHaveProperty("top_k");
    expect(body).not.toHaveProperty("thinking");
    expect(body).not.toHaveProperty("reasoning_effort");
    expect(built.warnings).toEqual(["top_k dropped: not supported by openai", "thinking dropped: openai model gpt-4o-mini-2024-07-18 does not take reasoning_effort"]);
    const plain = { model: "m", messages: [{ role: "user", content: "Hi" }] } as ChatCompletionRequest;
    const sent = JSON.parse((await openai.buildRequest(plain, deployment, false)).upstream.body) as Record<string, unknown>;
    expect(sent.messages).toEqual(plain.messages);
  });
});

describe("openai buildRequest: an Anthropic-style thinking object becomes reasoning_effort", () => {
  const thinking = (value: unknown, model: string, extra: Record<string, unknown> = {}) =>
    build({ model: "m", messages: [{ role: "user", content: "Hi" }], thinking: value, ...extra } as ChatCompletionRequest, false, { ...deployment, model });

  it("maps the budget to the effort whose Claude budget it is (low 1024, medium 2048, high 4096) on a reasoning model", async () => {
    const efforts = [];
    for (const budget of [1024, 2047, 2048, 4095, 4096, 31999]) {
      const { body, warnings } = await thinking({ type: "enabled", budget_tokens: budget }, "o3");
      expect(body).not.toHaveProperty("thinking");
      expect(warnings).toEqual([]);
      efforts.push(body.reasoning_effort);
    }
    expect(efforts).toEqual(["low", "low", "medium", "medium", "high", "high"]);
  });

  it("turns reasoning off where the family can (gpt-5.1: none), else asks for its lowest effort with a warning", async () => {
    const off = await thinking({ type: "disabled" }, "gpt-5.1-2025-11-13");
    expect(off.body.reasoning_effort).toBe("none");
    expect(off.warnings).toEqual([]);
    const gpt5 = await thinking({ type: "disabled" }, "gpt-5-mini");
    expect(gpt5.body.reasoning_effort).toBe("minimal");
    expect(gpt5.warnings.join("\n")).toMatch(/cannot turn reasoning off/);
    const pro = await thinking({ type: "enabled", budget_tokens: 1024 }, "gpt-5-pro");
    expect(pro.body.reasoning_effort).toBe("high");
  });

  it("sends no reasoning_effort to a model that does not reason, and a bad thinking object is a 400", async () => {
    for (const model of ["gpt-4o", "gpt-4.1-mini", "gpt-5-chat-latest", "o1-mini"]) {
      const { body, warnings } = await thinking({ type: "enabled", budget_tokens: 4096 }, model);
      expect(body).not.toHaveProperty("reasoning_effort");
      expect(warnings).toEqual([`thinking dropped: openai model ${model} does not take reasoning_effort`]);
    }
    await expect(thinking({ type: "enabled", budget_tokens: -1 }, "o3")).rejects.toMatchObject({ status: 400 });
  });

  it("leaves a reasoning_effort the client sent alone when there is no thinking object; OpenAI-compatible servers get thinking as sent", async () => {
    const { body } = await build({ ...request, reasoning_effort: "high" }, false, { ...deployment, model: "gpt-4o" });
    expect(body.reasoning_effort).toBe("high");
    const compatible = await thinking({ type: "enabled", budget_tokens: 4096 }, "glm-4.6", {});
    expect(compatible.body.thinking).toBeUndefined();
    const vllm = await build({ model: "m", messages: [{ role: "user", content: "Hi" }], thinking: { type: "enabled", budget_tokens: 4096 } } as ChatCompletionRequest, false, { ...deployment, provider: "vllm", model: "glm-4.6" });
    expect(vllm.body.thinking).toEqual({ type: "enabled", budget_tokens: 4096 });
    expect(vllm.body).not.toHaveProperty("reasoning_effort");
  });
});
