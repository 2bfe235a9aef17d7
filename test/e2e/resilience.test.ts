/**
 * End to end: retries, fallbacks, timeouts and broken streams, with failures scripted on the
 * fake upstreams. vitest's timeout is the guard against a hang.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { startAnthropicUpstream } from "../fakes/anthropic-upstream.ts";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { fixtureStreamText, fixtureText } from "../fakes/fixture-text.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { assembleContent, collectStream, createClient, parseSseData, postRaw } from "../support/gateway-client.ts";
import { validateChatCompletion, validateChatCompletionChunk, validateErrorResponse } from "../support/openai-schema.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";

const openAIKey = "sk-upstream-resilience";
const anthropicKey = "sk-ant-upstream-resilience";
const masterKey = "gw-master-resilience";
/** Retries after the first attempt, per model (so each model gets 1 + retryAttempts tries). */
const retryAttempts = 2;
const primaryTimeoutMs = 400;

let primaryUpstream: FakeUpstream;
let backupUpstream: FakeUpstream;
let gateway: GatewayProcess;
let stop: () => Promise<void>;

const hello = [{ role: "user" as const, content: "Hello, how are you?" }];
const anthropicText = fixtureText("anthropic-text");
const openAIText = fixtureText("openai-text");

beforeAll(async () => {
  primaryUpstream = await startOpenAIUpstream({ apiKey: openAIKey });
  backupUpstream = await startAnthropicUpstream({ apiKey: anthropicKey });
  const price = { inputPerMTok: 1, outputPerMTok: 2 };
  ({ gateway, stop } = await serveTestConfig({
    name: "e2e-resilience",
    upstreams: [primaryUpstream, backupUpstream],
    env: { OPENAI_API_KEY: openAIKey, ANTHROPIC_API_KEY: anthropicKey, GW_MASTER_KEY: masterKey },
    masterKey,
    config: {
      models: [
        {
          name: "primary",
          deployments: [
            {
              name: "primary-openai",
              provider: "openai",
              model: "gpt-4.1-nano",
              baseUrl: primaryUpstream.baseUrl,
              apiKey: { $env: "OPENAI_API_KEY" },
              timeoutMs: primaryTimeoutMs,
              price,
            },
          ],
        },
        {
          name: "backup",
          deployments: [
            {
              name: "backup-anthropic",
              provider: "anthropic",
              model: "claude-sonnet-4-5",
              baseUrl: backupUpstream.baseUrl,
              apiKey: { $env: "ANTHROPIC_API_KEY" },
              price,
            },
          ],
        },
      ],
      fallbacks: { primary: ["backup"] },
      retries: { attempts: retryAttempts, initialBackoffMs: 1, maxBackoffMs: 20 },
      masterKey: { $env: "GW_MASTER_KEY" },
    },
  }));
});

afterAll(() => stop?.());

beforeEach(() => {
  primaryUpstream.reset();
  backupUpstream.reset();
});

const client = () => createClient(gateway, masterKey);

function times<T>(count: number, value: T): T[] {
  return Array.from({ length: count }, () => value);
}

describe("retries", () => {
  test("a 429 with retry-after 0 is retried and the client gets the 200", async () => {
    primaryUpstream.failNext([{ status: 429, headers: { "retry-after": "0" } }]);
    const { data, response } = await client().chat.completions.create({ model: "primary", messages: hello }).withResponse();
    expect(response.status).toBe(200);
    expect(data.choices[0]?.message.content).toBe(openAIText);
    expect(primaryUpstream.chatRequests()).toHaveLength(2);
    expect(backupUpstream.chatRequests()).toHaveLength(0);
  });

  test("a dropped connection is retried", async () => {
    primaryUpstream.failNext([{ dropConnection: true }]);
    const completion = await client().chat.completions.create({ model: "primary", messages: hello });
    expect(completion.choices[0]?.message.content).toBe(openAIText);
    expect(primaryUpstream.chatRequests()).toHaveLength(2);
  });

  test("a 400 is neither retried nor sent to the fallback: the client gets the 400", async () => {
    primaryUpstream.failNext([{ status: 400 }]);
    const response = await postRaw(gateway, { model: "primary", messages: hello }, { apiKey: masterKey });
    expect(response.status).toBe(400);
    expect(validateErrorResponse(response.json)).toEqual([]);
    expect(primaryUpstream.chatRequests()).toHaveLength(1);
    expect(backupUpstream.chatRequests()).toHaveLength(0);
  });
});

describe("fallbacks", () => {
  test("500s until retries run out: the fallback model's provider answers, named in x-gw-deployment", async () => {
    primaryUpstream.failNext(times(retryAttempts + 1, { status: 500 }));
    const { data, response } = await client().chat.completions.create({ model: "primary", messages: hello }).withResponse();
    expect(validateChatCompletion(data)).toEqual([]);
    expect(data.choices[0]?.message.content).toBe(anthropicText);
    expect(response.headers.get("x-gw-deployment")).toBe("backup-anthropic");
    expect(primaryUpstream.chatRequests()).toHaveLength(retryAttempts + 1);
    expect(backupUpstream.chatRequests()).toHaveLength(1);
  });

  test("an upstream that never answers times out per attempt and falls back", async () => {
    primaryUpstream.failNext(times(retryAttempts + 1, { hang: true }));
    const { data, response } = await client().chat.completions.create({ model: "primary", messages: hello }).withResponse();
    expect(data.choices[0]?.message.content).toBe(anthropicText);
    expect(response.headers.get("x-gw-deployment")).toBe("backup-anthropic");
    expect(primaryUpstream.chatRequests()).toHaveLength(retryAttempts + 1);
  });

  test("when every model in the chain fails, the client gets the last error in OpenAI's shape", async () => {
    primaryUpstream.failNext(times(retryAttempts + 1, { status: 503 }));
    backupUpstream.failNext(times(retryAttempts + 1, { status: 529 }));
    const response = await postRaw(gateway, { model: "primary", messages: hello }, { apiKey: masterKey });
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(validateErrorResponse(response.json)).toEqual([]);
    expect(backupUpstream.chatRequests()).toHaveLength(retryAttempts + 1);
  });

  test("the successful deployment is named in x-gw-deployment without any failure too", async () => {
    const { response } = await client().chat.completions.create({ model: "primary", messages: hello }).withResponse();
    expect(response.headers.get("x-gw-deployment")).toBe("primary-openai");
  });
});

describe("streaming failures", () => {
  test("a stream that fails before its first byte falls back transparently", async () => {
    primaryUpstream.failNext(times(retryAttempts + 1, { status: 500 }));
    const { data: stream, response } = await client()
      .chat.completions.create({ model: "primary", messages: hello, stream: true })
      .withResponse();
    expect(response.headers.get("x-gw-deployment")).toBe("backup-anthropic");
    const chunks = await collectStream(stream);
    for (const chunk of chunks) expect(validateChatCompletionChunk(chunk)).toEqual([]);
    expect(assembleContent(chunks)).toBe(fixtureStreamText("anthropic-text"));
    expect(backupUpstream.chatRequests()).toHaveLength(1);
  });

  test("a stream whose upstream never answers times out and falls back before the first byte", async () => {
    primaryUpstream.failNext(times(retryAttempts + 1, { hang: true }));
    const { data: stream, response } = await client()
      .chat.completions.create({ model: "primary", messages: hello, stream: true })
      .withResponse();
    expect(response.headers.get("x-gw-deployment")).toBe("backup-anthropic");
    expect(assembleContent(await collectStream(stream))).toBe(fixtureStreamText("anthropic-text"));
  });

  test("a stream that stalls mid-way for longer than the timeout does not hang the client", async () => {
    primaryUpstream.setChunkDelay(primaryTimeoutMs * 3);
    const response = await postRaw(gateway, { model: "primary", messages: hello, stream: true }, { apiKey: masterKey });
    primaryUpstream.setChunkDelay(0);
    const payloads = parseSseData(response.text);
    const last = payloads[payloads.length - 1];
    if (last === "[DONE]") {
      // Nothing had been sent yet, so gw could fall back: the answer is the backup's, complete.
      expect(response.headers.get("x-gw-deployment")).toBe("backup-anthropic");
    } else {
      // Chunks were already sent: the stream must end with an error event.
      expect(validateErrorResponse(JSON.parse(last ?? "null"))).toEqual([]);
    }
  });

  test("a stream cut after only its role chunk (no text yet) falls back transparently", async () => {
    primaryUpstream.failNext(times(retryAttempts + 1, { streamCutAfter: 1 }));
    const { data: stream, response } = await client()
      .chat.completions.create({ model: "primary", messages: hello, stream: true })
      .withResponse();
    expect(response.headers.get("x-gw-deployment")).toBe("backup-anthropic");
    expect(assembleContent(await collectStream(stream))).toBe(fixtureStreamText("anthropic-text"));
  });

  test("a stream cut mid-way ends with an error event and a clean close, without fallback", async () => {
    primaryUpstream.failNext([{ streamCutAfter: 20 }]);
    const response = await postRaw(gateway, { model: "primary", messages: hello, stream: true }, { apiKey: masterKey });
    expect(response.status).toBe(200);
    const payloads = parseSseData(response.text).filter((payload) => payload !== "[DONE]");
    expect(payloads.length).toBeGreaterThan(1);
    const last = JSON.parse(payloads[payloads.length - 1]!) as unknown;
    expect(validateErrorResponse(last)).toEqual([]);
    // Everything before the error is ordinary chunks carrying the text sent so far.
    for (const payload of payloads.slice(0, -1)) expect(validateChatCompletionChunk(JSON.parse(payload))).toEqual([]);
    expect(backupUpstream.chatRequests()).toHaveLength(0);
  });

  test("the SDK's iteration over a cut stream throws instead of hanging", async () => {
    primaryUpstream.failNext([{ streamCutAfter: 20 }]);
    const stream = await client().chat.completions.create({ model: "primary", messages: hello, stream: true });
    const received: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? "");
      })(),
    ).rejects.toThrow();
    expect(received.join("").length).toBeGreaterThan(0);
  });

  test("an anthropic stream cut before message_stop also ends with an error event", async () => {
    backupUpstream.failNext([{ streamCutAfter: 5 }]);
    const response = await postRaw(gateway, { model: "backup", messages: hello, stream: true }, { apiKey: masterKey });
    expect(response.status).toBe(200);
    const payloads = parseSseData(response.text).filter((payload) => payload !== "[DONE]");
    const last = JSON.parse(payloads[payloads.length - 1]!) as unknown;
    expect(validateErrorResponse(last)).toEqual([]);
  });

  test("an error event inside the upstream stream reaches the client as an error event", async () => {
    backupUpstream.failNext([{ streamErrorAfter: 5 }]);
    const stream = await client().chat.completions.create({ model: "backup", messages: hello, stream: true });
    await expect(collectStream(stream)).rejects.toThrow();
  });

  test("after the failures, the gateway still serves normally", async () => {
    const stream = await client().chat.completions.create({ model: "primary", messages: hello, stream: true });
    const chunks = await collectStream(stream);
    expect(assembleContent(chunks)).toBe(fixtureStreamText("openai-text"));
  });
});
