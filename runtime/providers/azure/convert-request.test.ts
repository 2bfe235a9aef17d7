import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import { testDeployment } from "../../testing/deployment.ts";
import type { ResolvedDeployment } from "../types.ts";
import { azure } from "./index.ts";

const deployment: ResolvedDeployment = testDeployment({
  id: "gpt/0",
  provider: "azure",
  model: "my-gpt4o",
  baseUrl: "https://contoso.openai.azure.com",
  apiKey: "azure-key-123",
  options: { apiVersion: "2024-10-21" },
});
const v1: ResolvedDeployment = { ...deployment, options: {} };

const request: ChatCompletionRequest = {
  model: "gpt",
  messages: [{ role: "user", content: "Hi" }],
  temperature: 0.2,
  tools: [{ type: "function", function: { name: "weather", parameters: { type: "object" } } }],
};

async function build(input: ChatCompletionRequest, stream: boolean, target = deployment) {
  const converted = await azure.buildRequest(input, target, stream);
  return { ...converted, body: JSON.parse(converted.upstream.body) as Record<string, unknown> };
}

describe("azure buildRequest", () => {
  it("with apiVersion: posts to the deployment URL with api-version, api-key header, no model in the body", async () => {
    const { upstream, body, warnings } = await build(request, false);
    expect(upstream.url).toBe("https://contoso.openai.azure.com/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21");
    expect(upstream.method).toBe("POST");
    expect(upstream.headers["api-key"]).toBe("azure-key-123");
    expect(upstream.headers.authorization).toBeUndefined();
    expect(body).not.toHaveProperty("model");
    expect(body).toMatchObject({ messages: request.messages, temperature: 0.2, tools: request.tools });
    expect(warnings).toEqual([]);
  });

  it("without apiVersion: uses the v1 endpoint with the deployment name as model", async () => {
    const { upstream, body } = await build(request, false, v1);
    expect(upstream.url).toBe("https://contoso.openai.azure.com/openai/v1/chat/completions");
    expect(body.model).toBe("my-gpt4o");
    expect(upstream.headers["api-key"]).toBe("azure-key-123");
  });

  it("sends an Entra ID token as a bearer token instead of the api-key", async () => {
    const { upstream } = await build(request, false, { ...deployment, apiKey: null, secrets: { entraToken: "eyJ0eXAi.entra.token" } });
    expect(upstream.headers.authorization).toBe("Bearer eyJ0eXAi.entra.token");
    expect(upstream.headers["api-key"]).toBeUndefined();
  });

  it("tolerates a baseUrl copied with /openai or /openai/v1, and encodes the deployment name and version", async () => {
    const odd: ResolvedDeployment = { ...deployment, model: "gpt 4o/east", baseUrl: "https://contoso.openai.azure.com/openai", options: { apiVersion: "2025-01-01-preview" } };
    expect((await build(request, false, odd)).upstream.url).toBe(
      "https://contoso.openai.azure.com/openai/deployments/gpt%204o%2Feast/chat/completions?api-version=2025-01-01-preview",
    );
    expect((await build(request, false, { ...v1, baseUrl: "https://contoso.openai.azure.com/openai/v1" })).upstream.url).toBe(
      "https://contoso.openai.azure.com/openai/v1/chat/completions",
    );
  });

  it("always asks for usage when streaming and keeps the client's stream options", async () => {
    const { body, upstream } = await build({ ...request, stream: true }, true);
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
    expect(upstream.headers.accept).toBe("text/event-stream");
    const plain = await build({ ...request, stream: false, stream_options: { include_usage: true } }, false);
    expect(plain.body).not.toHaveProperty("stream");
    expect(plain.body).not.toHaveProperty("stream_options");
  });
});

describe("azure buildRequest: an Anthropic-style thinking object", () => {
  const thinking = { type: "enabled", budget_tokens: 4096 };
  it("becomes reasoning_effort when the deployment's model is a reasoning model, and is dropped with a warning otherwise", async () => {
    const reasoning = await build({ ...request, thinking, top_k: 5 } as ChatCompletionRequest, false, { ...v1, model: "o4-mini" });
    expect(reasoning.body.reasoning_effort).toBe("high");
    expect(reasoning.body).not.toHaveProperty("thinking");
    expect(reasoning.body).not.toHaveProperty("top_k");
    expect(reasoning.warnings).toEqual(["top_k dropped: not supported by azure"]);
    const plain = await build({ ...request, thinking } as ChatCompletionRequest, false);
    expect(plain.body).not.toHaveProperty("reasoning_effort");
    expect(plain.warnings).toEqual(["thinking dropped: azure model my-gpt4o does not take reasoning_effort"]);
  });
});
