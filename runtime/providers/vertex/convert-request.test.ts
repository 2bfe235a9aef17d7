import { describe, expect, it } from "vitest";
import { GatewayError } from "../../http/errors.ts";
import type { ChatCompletionRequest, ChatMessage } from "../../http/openai-types.ts";
import { testDeployment } from "../../testing/deployment.ts";
import type { ResolvedDeployment } from "../types.ts";
import { vertex } from "./index.ts";

const base: ResolvedDeployment = testDeployment({
  provider: "vertex",
  model: "gemini-2.5-flash",
  baseUrl: "https://europe-west4-aiplatform.googleapis.com",
  secrets: { serviceAccount: JSON.stringify({ project_id: "from-key" }) },
  options: { project: "my-project", region: "europe-west4" },
});

const hello: ChatMessage[] = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "Hello" },
];

function build(request: Partial<ChatCompletionRequest>, deployment: Partial<ResolvedDeployment> = {}, stream = false) {
  const converted = vertex.buildRequest({ model: "public", messages: hello, ...request }, { ...base, ...deployment }, stream);
  if (converted instanceof Promise) throw new Error("vertex buildRequest must be synchronous");
  return { ...converted, body: JSON.parse(converted.upstream.body) as Record<string, unknown> };
}

describe("vertex buildRequest for Gemini models", () => {
  it("sends an image URL without an extension as image/jpeg (Vertex AI requires fileData.mimeType)", async () => {
    const { body } = await build({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/photo" } }] }] });
    expect((body as { contents: unknown }).contents).toEqual([{ role: "user", parts: [{ fileData: { mimeType: "image/jpeg", fileUri: "https://example.com/photo" } }] }]);
  });

  it("posts Google's generateContent body to the project/location URL, credentials left to the authorizer", () => {
    const { upstream, body } = build({ max_tokens: 50 });
    expect(upstream.url).toBe(
      "https://europe-west4-aiplatform.googleapis.com/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent",
    );
    expect(upstream.headers).toEqual({ "content-type": "application/json", accept: "application/json" });
    expect(body).toEqual({
      contents: [{ role: "user", parts: [{ text: "Hello" }] }],
      systemInstruction: { parts: [{ text: "Be brief." }] },
      generationConfig: { maxOutputTokens: 50 },
    });
  });

  it("streams from streamGenerateContent?alt=sse", () => {
    const { upstream } = build({}, {}, true);
    expect(upstream.url).toMatch(/\/publishers\/google\/models\/gemini-2\.5-flash:streamGenerateContent\?alt=sse$/);
    expect(upstream.headers.accept).toBe("text/event-stream");
  });

  it("serves the global location from aiplatform.googleapis.com", () => {
    const { upstream } = build({}, { baseUrl: "https://global-aiplatform.googleapis.com", options: { project: "p", region: "global" } });
    expect(upstream.url).toBe("https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/google/models/gemini-2.5-flash:generateContent");
  });

  it("takes the project from the service account when the config names none, and says so when neither does", () => {
    expect(build({}, { options: { region: "us-east5" } }).upstream.url).toContain("/projects/from-key/locations/us-east5/");
    let error: unknown;
    try {
      build({}, { options: { region: "us-east5" }, secrets: {} });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).message).toMatch(/no Google Cloud project/);
  });

  it("names the provider in warnings", () => {
    expect(build({ logit_bias: { "1": 1 } }).warnings).toEqual(["logit_bias dropped: not supported by vertex"]);
  });
});

describe("vertex buildRequest for Claude models", () => {
  const claude = { model: "claude-sonnet-4-5@20250929" };

  it("posts Anthropic's Messages body without model, with anthropic_version, to rawPredict", () => {
    const { upstream, body } = build({ max_tokens: 64 }, claude);
    expect(upstream.url).toBe(
      "https://europe-west4-aiplatform.googleapis.com/v1/projects/my-project/locations/europe-west4/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict",
    );
    expect(upstream.headers).toEqual({ "content-type": "application/json", accept: "application/json" });
    expect(body).toEqual({
      anthropic_version: "vertex-2023-10-16",
      messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
      system: [{ type: "text", text: "Be brief." }],
      max_tokens: 64,
    });
  });

  it("streams from streamRawPredict with stream: true in the body", () => {
    const { upstream, body } = build({}, claude, true);
    expect(upstream.url).toMatch(/\/publishers\/anthropic\/models\/claude-sonnet-4-5@20250929:streamRawPredict$/);
    expect(body.stream).toBe(true);
    expect(body).not.toHaveProperty("model");
  });
});
