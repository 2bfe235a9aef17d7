/**
 * End to end through Mistral: the real `gw serve`, the official `openai` SDK as client, and a
 * fake Mistral upstream (test/fakes/mistral-upstream.ts) replaying recorded Mistral responses
 * and refusing what Mistral refuses (unknown fields, tool-call ids that are not nine letters
 * and digits), so the request conversion is checked by the upstream itself.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { fixtureStreamText, fixtureText, fixtureUsage } from "../fakes/fixture-text.ts";
import { startMistralUpstream, type FakeUpstream } from "../fakes/mistral-upstream.ts";
import { assembleContent, assembleToolCalls, collectStream, finalFinishReason } from "../support/gateway-client.ts";
import { lastRecorded } from "../support/last-request.ts";
import { validateChatCompletion, validateChatCompletionChunk, validateEmbeddingsResponse } from "../support/openai-schema.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import { weatherTool } from "../support/weather-tool.ts";

const mistralKey = "mistral-upstream-key-e2e";
const masterKey = "gw-master-mistral-test";

let upstream: FakeUpstream;
let client: OpenAI;
let stop: () => Promise<void>;

beforeAll(async () => {
  upstream = await startMistralUpstream({ apiKey: mistralKey });
  // No apiKey in the config: the compiler's default for mistral is MISTRAL_API_KEY.
  ({ client, stop } = await serveTestConfig({
    name: "e2e-mistral",
    upstreams: [upstream],
    env: { MISTRAL_API_KEY: mistralKey, GW_MASTER_KEY: masterKey },
    masterKey,
    config: {
      models: [
        {
          name: "mistral-small",
          deployments: [{ provider: "mistral", model: "mistral-small-latest", baseUrl: upstream.baseUrl, price: { inputPerMTok: 0.1, outputPerMTok: 0.3 } }],
        },
        {
          name: "mistral-embed",
          deployments: [{ provider: "mistral", model: "mistral-embed", baseUrl: upstream.baseUrl, price: { inputPerMTok: 0.1, outputPerMTok: 0 } }],
        },
      ],
      masterKey: { $env: "GW_MASTER_KEY" },
    },
  }));
});

afterAll(() => stop?.());

beforeEach(() => upstream.reset());

function lastBody(): Record<string, unknown> {
  return lastRecorded(upstream.chatRequests()).body as Record<string, unknown>;
}

describe("through the mistral provider", () => {
  test("a chat reaches /v1/chat/completions with the key from MISTRAL_API_KEY and Mistral's parameter names", async () => {
    const completion = await client.chat.completions.create({
      model: "mistral-small",
      messages: [
        { role: "developer", content: "Be creative." },
        { role: "user", content: "Invent a new holiday and describe its traditions." },
      ],
      seed: 7,
      max_completion_tokens: 500,
      temperature: 0.4,
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.message.content).toBe(fixtureText("mistral-text"));
    expect(completion.usage?.completion_tokens).toBe(fixtureUsage("mistral-text").completionTokens);

    const sent = upstream.chatRequests()[0]!;
    expect(sent.headers.authorization).toBe(`Bearer ${mistralKey}`);
    expect(sent.body).toEqual({
      model: "mistral-small-latest",
      messages: [
        { role: "system", content: "Be creative." },
        { role: "user", content: "Invent a new holiday and describe its traditions." },
      ],
      temperature: 0.4,
      random_seed: 7,
      max_tokens: 500,
    });
  });

  test("parameters Mistral refuses are dropped (the upstream would 422) and named in x-gw-warnings", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "mistral-small", messages: [{ role: "user", content: "Hi" }], logit_bias: { "1": 1 }, user: "end-user-1", safe_prompt: true } as never)
      .withResponse();
    expect(validateChatCompletion(data)).toEqual([]);
    const warnings = response.headers.get("x-gw-warnings") ?? "";
    expect(warnings).toContain("logit_bias dropped: not supported by mistral");
    expect(warnings).toContain("user dropped: not supported by mistral");
    expect(lastBody().safe_prompt).toBe(true);
  });

  test("a stream is relayed chunk by chunk, ending with usage when asked", async () => {
    const stream = await client.chat.completions.create({
      model: "mistral-small",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collectStream(stream);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    expect(assembleContent(chunks)).toBe(fixtureStreamText("mistral-text"));
    expect(finalFinishReason(chunks)).toBe("stop");
    expect(chunks.find((chunk) => chunk.usage)?.usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 8 });
    expect(lastBody()).toMatchObject({ stream: true });
    expect(lastBody()).not.toHaveProperty("stream_options");
  });

  test("tools: tool_choice required becomes any; the tool call comes back typed, streamed or not", async () => {
    const completion = await client.chat.completions.create({
      model: "mistral-small",
      messages: [{ role: "user", content: "Weather in San Francisco?" }],
      tools: [weatherTool],
      tool_choice: "required",
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(completion.choices[0]?.message.tool_calls).toEqual([
      { id: "gSIMJiOkT", type: "function", function: { name: "weather", arguments: '{"location": "San Francisco"}' } },
    ]);
    expect(lastBody().tool_choice).toBe("any");

    const chunks = await collectStream(
      await client.chat.completions.create({ model: "mistral-small", messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool], stream: true }),
    );
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    expect(assembleToolCalls(chunks)).toEqual([{ id: "gSIMJiOkT", name: "weather", arguments: '{"location": "San Francisco"}' }]);
    expect(finalFinishReason(chunks)).toBe("tool_calls");
  });

  test("a conversation with tool-call ids from another provider is accepted: ids are mapped consistently", async () => {
    const foreignId = "call_00_9V0vrf86Pc9aelHCJMZqnJBo";
    const completion = await client.chat.completions.create({
      model: "mistral-small",
      messages: [
        { role: "user", content: "Weather in San Francisco?" },
        { role: "assistant", content: null, tool_calls: [{ id: foreignId, type: "function", function: { name: "weather", arguments: '{"location":"San Francisco"}' } }] },
        { role: "tool", tool_call_id: foreignId, content: "18C and sunny" },
      ],
      tools: [weatherTool],
    });
    expect(validateChatCompletion(completion)).toEqual([]);
    expect(completion.choices[0]?.message.content).toBe(fixtureText("mistral-text"));
    const messages = lastBody().messages as Array<Record<string, unknown>>;
    const mappedId = (messages[1]!.tool_calls as Array<{ id: string }>)[0]!.id;
    expect(mappedId).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(messages[2]).toEqual({ role: "tool", content: "18C and sunny", tool_call_id: mappedId, name: "weather" });
  });

  test("embeddings: the SDK's default base64 is served from Mistral's floats", async () => {
    const response = await client.embeddings.create({ model: "mistral-embed", input: ["The sky is blue", "Grass is green"] });
    expect(response.data).toHaveLength(2);
    expect(response.data[1]?.embedding).toHaveLength(5);
    expect(response.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
    expect(lastBody()).toEqual({ model: "mistral-embed", input: ["The sky is blue", "Grass is green"] });

    const floats = await client.embeddings.create({ model: "mistral-embed", input: "The sky is blue", encoding_format: "float" });
    expect(validateEmbeddingsResponse(floats)).toEqual([]);
    expect(floats.data[0]?.embedding[2]).toBeCloseTo(response.data[0]!.embedding[2]!, 6);
  });

  test("Mistral's 429 reaches the client as a rate limit error after gw's retries", async () => {
    upstream.failNext([{ status: 429 }, { status: 429 }, { status: 429 }, { status: 429 }]);
    const error = await client.chat.completions.create({ model: "mistral-small", messages: [{ role: "user", content: "Hi" }] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 429, type: "rate_limit_error" });
    expect((error as Error).message).toContain("Requests rate limit exceeded");
  });
});
