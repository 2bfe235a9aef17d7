import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk, ChatCompletionRequest } from "../../http/openai-types.ts";
import { validateChatCompletion, validateChatCompletionChunk, validateEmbeddingsResponse } from "../../../test/support/openai-schema.ts";
import { decodeSse } from "../../upstream/stream/decode-sse.ts";
import { testDeployment } from "../../testing/deployment.ts";
import type { ProviderContext, ResolvedDeployment } from "../types.ts";
import { mock } from "./index.ts";

const deployment: ResolvedDeployment = testDeployment({ provider: "mock", model: "mock-1", baseUrl: mock.defaultBaseUrl });
const context: ProviderContext = { requestId: "req_1", created: 1770000000, publicModel: "demo" };

const request: ChatCompletionRequest = {
  model: "demo",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "What is   the capital of France?" },
  ],
};

async function call(input: ChatCompletionRequest, stream: boolean, target = deployment) {
  const converted = await mock.buildRequest(input, target, stream);
  if (!mock.transport) throw new Error("the mock provider must have a transport");
  return mock.transport(converted.upstream, new AbortController().signal);
}

async function complete(input: ChatCompletionRequest, target = deployment) {
  const response = await call(input, false, target);
  expect(response.status).toBe(200);
  const converted = mock.convertResponse(await response.json(), context);
  expect(validateChatCompletion(JSON.parse(JSON.stringify(converted.completion)))).toEqual([]);
  return converted;
}

async function stream(input: ChatCompletionRequest) {
  const response = await call({ ...input, stream: true }, true);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  const converter = mock.createStreamConverter(context, input);
  const chunks: ChatCompletionChunk[] = [];
  const events: string[] = [];
  for await (const event of decodeSse(response.body!)) {
    events.push(event.data);
    chunks.push(...converter.push(event));
  }
  chunks.push(...converter.end());
  for (const chunk of chunks) expect(validateChatCompletionChunk(JSON.parse(JSON.stringify(chunk)))).toEqual([]);
  return { chunks, events, usage: converter.usage() };
}

describe("mock provider", () => {
  it("is an in-process OpenAI-compatible provider", () => {
    expect(mock.name).toBe("mock");
    expect(mock.defaultBaseUrl).toBe("mock://local");
    expect(mock.streamFormat).toBe("sse");
  });

  it("answers deterministically about the last user message, with realistic usage", async () => {
    const first = await complete(request);
    const second = await complete(structuredClone(request));
    const text = first.completion.choices[0]!.message.content;
    expect(text).toBe('This is a mock reply from gw. You said: "What is the capital of France?"');
    expect(second.completion.choices[0]!.message.content).toBe(text);
    expect(second.completion.id).toBe(first.completion.id);
    const characters = "Be brief.".length + "What is   the capital of France?".length;
    expect(first.usage.inputTokens).toBe(Math.ceil(characters / 4));
    expect(first.usage.outputTokens).toBe(text!.split(" ").length);
    expect(first.completion.choices[0]!.finish_reason).toBe("stop");
  });

  it("gives different replies to different questions", async () => {
    const other = await complete({ ...request, messages: [{ role: "user", content: "Tell me a joke" }] });
    expect(other.completion.choices[0]!.message.content).toContain("Tell me a joke");
  });

  it("stops at max_tokens with finish_reason length", async () => {
    const { completion, usage } = await complete({ ...request, max_tokens: 3 });
    expect(completion.choices[0]!.message.content).toBe("This is a");
    expect(completion.choices[0]!.finish_reason).toBe("length");
    expect(usage.outputTokens).toBe(3);
  });

  it("calls the forced tool with arguments that satisfy its required properties", async () => {
    const tools: ChatCompletionRequest["tools"] = [
      { type: "function", function: { name: "search", parameters: { type: "object" } } },
      {
        type: "function",
        function: {
          name: "weather",
          parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } }, required: ["city", "days"] },
        },
      },
    ];
    const named = await complete({ ...request, tools, tool_choice: { type: "function", function: { name: "weather" } } });
    const call = named.completion.choices[0]!.message.tool_calls![0]!;
    expect(call.function).toEqual({ name: "weather", arguments: '{"city":"mock","days":0}' });
    expect(named.completion.choices[0]!.finish_reason).toBe("tool_calls");
    const required = await complete({ ...request, tools, tool_choice: "required" });
    expect(required.completion.choices[0]!.message.tool_calls![0]!.function).toEqual({ name: "search", arguments: "{}" });
    const auto = await complete({ ...request, tools });
    expect(auto.completion.choices[0]!.message.tool_calls).toBeUndefined();
  });

  it("streams real OpenAI SSE: several chunks, the usage chunk, then [DONE]", async () => {
    const { chunks, events, usage } = await stream({ ...request, stream_options: { include_usage: true } });
    expect(events.at(-1)).toBe("[DONE]");
    expect(chunks.length).toBeGreaterThan(5);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe('This is a mock reply from gw. You said: "What is the capital of France?"');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage?.completion_tokens).toBe(usage?.outputTokens);
  });

  it("counts usage but hides the usage chunk when the client did not ask", async () => {
    const { chunks, events, usage } = await stream(request);
    expect(events.filter((data) => data.includes('"usage"'))).toHaveLength(1);
    expect(chunks.every((chunk) => chunk.choices.length === 1)).toBe(true);
    expect(usage?.outputTokens).toBeGreaterThan(0);
  });

  it("streams a forced tool call", async () => {
    const tools: ChatCompletionRequest["tools"] = [{ type: "function", function: { name: "lookup" } }];
    const { chunks } = await stream({ ...request, tools, tool_choice: "required" });
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({ index: 0, type: "function", function: { name: "lookup", arguments: "" } });
    expect(deltas.map((delta) => delta.function?.arguments ?? "").join("")).toBe("{}");
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("fails on demand with the status named by the model, as OpenAI errors", async () => {
    const response = await call(request, false, { ...deployment, model: "mock-error-503" });
    expect(response.status).toBe(503);
    const error = mock.mapError(response.status, await response.text(), response.headers);
    expect(error).toMatchObject({ status: 503, retryable: true });
    expect(error.message).toContain("mock");
  });

  it("answers a body that is not JSON with a 400", async () => {
    const response = await mock.transport!({ url: "mock://local/chat/completions", method: "POST", headers: {}, body: "nope" }, new AbortController().signal);
    expect(response.status).toBe(400);
    expect(mock.mapError(400, await response.text(), response.headers).status).toBe(400);
  });
});

describe("mock embeddings", () => {
  async function embed(body: Record<string, unknown>) {
    const built = await mock.embeddings!.buildRequests({ model: "demo", input: "x", ...body } as never, deployment);
    expect(built.upstream).toHaveLength(1);
    const response = await mock.transport!(built.upstream[0]!, new AbortController().signal);
    return { response, built };
  }

  it("answers OpenAI's embeddings shape with deterministic unit vectors and chars/4 usage", async () => {
    const { response, built } = await embed({ input: ["What is the capital of France?", "Paris"], encoding_format: "float" });
    expect(built.upstream[0]!.url).toBe("mock://local/embeddings");
    expect(response.status).toBe(200);
    const converted = mock.embeddings!.convertResponses([await response.json()], { model: "demo", input: [] }, context);
    expect(validateEmbeddingsResponse(converted.response)).toEqual([]);
    const [first, second] = converted.response.data as Array<{ embedding: number[] }>;
    expect(first!.embedding).toHaveLength(8);
    expect(Math.hypot(...first!.embedding)).toBeCloseTo(1, 6);
    expect(first!.embedding).not.toEqual(second!.embedding);
    expect(converted.usage.inputTokens).toBe(Math.ceil(30 / 4) + Math.ceil(5 / 4));
    expect(converted.response.usage).toEqual({ prompt_tokens: 10, total_tokens: 10 });

    const again = await embed({ input: "Paris", encoding_format: "float" });
    expect(((await again.response.json()) as { data: Array<{ embedding: number[] }> }).data[0]!.embedding).toEqual(second!.embedding);
  });

  it("honours dimensions, base64 and token inputs, and fails on demand", async () => {
    const sized = (await (await embed({ input: "x", dimensions: 3 })).response.json()) as { data: Array<{ embedding: number[] }> };
    expect(sized.data[0]!.embedding).toHaveLength(3);
    const encoded = (await (await embed({ input: "x", encoding_format: "base64" })).response.json()) as { data: Array<{ embedding: string }> };
    expect(Buffer.from(encoded.data[0]!.embedding, "base64")).toHaveLength(8 * 4);
    const tokens = (await (await embed({ input: [[1, 2, 3], [4]] })).response.json()) as { usage: { prompt_tokens: number } };
    expect(tokens.usage.prompt_tokens).toBe(4);
    const built = await mock.embeddings!.buildRequests({ model: "demo", input: "x" }, { ...deployment, model: "mock-error-429" });
    expect((await mock.transport!(built.upstream[0]!, new AbortController().signal)).status).toBe(429);
    expect((await (await embed({ input: [] })).response).status).toBe(400);
  });
});
