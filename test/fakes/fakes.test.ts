/**
 * The fake upstreams speak each provider's wire format and do what their scripts say: if they
 * did not, the end-to-end tests built on them would prove nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { parseSseData } from "../support/gateway-client.ts";
import { startAnthropicUpstream } from "./anthropic-upstream.ts";
import type { FakeUpstream } from "./fake-server.ts";
import { fixtureStreamText, fixtureText } from "./fixture-text.ts";
import { startOpenAIUpstream } from "./openai-upstream.ts";

const openAIKey = "sk-fake-test";
const anthropicKey = "sk-ant-fake-test";
let openAI: FakeUpstream;
let anthropic: FakeUpstream;

beforeAll(async () => {
  openAI = await startOpenAIUpstream({ apiKey: openAIKey });
  anthropic = await startAnthropicUpstream({ apiKey: anthropicKey });
});

afterAll(async () => {
  await openAI.close();
  await anthropic.close();
});

beforeEach(() => {
  openAI.reset();
  anthropic.reset();
});

const chatBody = { model: "gpt-4.1-nano", messages: [{ role: "user", content: "hi" }] };
const tool = { type: "function", function: { name: "weather", parameters: { type: "object" } } };

function postOpenAI(body: unknown, headers: Record<string, string> = { authorization: `Bearer ${openAIKey}` }): Promise<Response> {
  return fetch(`${openAI.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const anthropicHeaders = { "x-api-key": anthropicKey, "anthropic-version": "2023-06-01" };
const messagesBody = { model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "hi" }] };

function postAnthropic(body: unknown, headers: Record<string, string> = anthropicHeaders, path = "/v1/messages"): Promise<Response> {
  return fetch(`${anthropic.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

describe("openai fake", () => {
  test("answers a plain request with the recorded text completion and records the request", async () => {
    const response = await postOpenAI(chatBody);
    expect(response.status).toBe(200);
    const completion = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(completion.choices[0]?.message.content).toBe(fixtureText("openai-text"));
    expect(openAI.chatRequests()).toHaveLength(1);
    expect(openAI.requests[0]).toMatchObject({ method: "POST", path: "/v1/chat/completions", body: chatBody });
    expect(openAI.requests[0]?.headers.authorization).toBe(`Bearer ${openAIKey}`);
  });

  test("answers a request with tools with the recorded tool call", async () => {
    const response = await postOpenAI({ ...chatBody, tools: [tool] });
    const completion = (await response.json()) as { choices: Array<{ finish_reason: string; message: { tool_calls: unknown[] } }> };
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(completion.choices[0]?.message.tool_calls).toHaveLength(1);
  });

  test("streams `data:` frames ending in [DONE]; the usage chunk only when include_usage is set", async () => {
    const plain = parseSseData(await (await postOpenAI({ ...chatBody, stream: true })).text());
    expect(plain[plain.length - 1]).toBe("[DONE]");
    const chunks = plain.slice(0, -1).map((payload) => JSON.parse(payload) as { object: string; usage?: unknown; choices: Array<{ delta: { content?: string } }> });
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(fixtureStreamText("openai-text"));
    expect(chunks.some((chunk) => chunk.usage != null)).toBe(false);

    const withUsage = parseSseData(await (await postOpenAI({ ...chatBody, stream: true, stream_options: { include_usage: true } })).text());
    expect(withUsage).toHaveLength(plain.length + 1);
    expect(JSON.parse(withUsage[withUsage.length - 2]!)).toMatchObject({ choices: [], usage: { prompt_tokens: 16 } });
  });

  test("rejects a wrong key with OpenAI's 401 and a bad body with a 400", async () => {
    const unauthorized = await postOpenAI(chatBody, { authorization: "Bearer wrong" });
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject({ error: { code: "invalid_api_key" } });
    const missingMessages = await postOpenAI({ model: "x" });
    expect(missingMessages.status).toBe(400);
    expect(await missingMessages.json()).toMatchObject({ error: { type: "invalid_request_error", param: "messages" } });
    const notJson = await postOpenAI("{");
    expect(notJson.status).toBe(400);
  });

  test("scripted failures apply to the next requests in order, then normal service resumes", async () => {
    openAI.failNext([{ status: 429, headers: { "retry-after": "0" } }, { status: 500 }]);
    const first = await postOpenAI(chatBody);
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("0");
    expect(await first.json()).toMatchObject({ error: { code: "rate_limit_exceeded" } });
    const second = await postOpenAI(chatBody);
    expect(second.status).toBe(500);
    expect(await second.json()).toMatchObject({ error: { type: "server_error" } });
    expect((await postOpenAI(chatBody)).status).toBe(200);
    expect(openAI.chatRequests()).toHaveLength(3);
  });

  test("dropConnection fails the client's request; hang never answers", async () => {
    openAI.failNext([{ dropConnection: true }, { hang: true }]);
    await expect(postOpenAI(chatBody)).rejects.toThrow();
    await expect(
      fetch(`${openAI.baseUrl}/chat/completions`, { method: "POST", body: JSON.stringify(chatBody), signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow();
    expect(openAI.chatRequests()).toHaveLength(2);
  });

  test("streamCutAfter sends that many events and destroys the socket", async () => {
    openAI.failNext([{ streamCutAfter: 3 }]);
    const response = await postOpenAI({ ...chatBody, stream: true });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let text = "";
    await expect(
      (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          text += new TextDecoder().decode(value);
        }
      })(),
    ).rejects.toThrow();
    expect(parseSseData(text)).toHaveLength(3);
  });
});

describe("anthropic fake", () => {
  test("answers on /v1/messages and /messages with the recorded message", async () => {
    for (const path of ["/v1/messages", "/messages"]) {
      const response = await postAnthropic(messagesBody, anthropicHeaders, path);
      expect(response.status).toBe(200);
      expect(response.headers.get("request-id")).toMatch(/^req_/);
      expect(await response.json()).toMatchObject({ type: "message", content: [{ type: "text", text: fixtureText("anthropic-text") }] });
    }
  });

  test("checks x-api-key (401 authentication_error) and anthropic-version (400)", async () => {
    const wrongKey = await postAnthropic(messagesBody, { ...anthropicHeaders, "x-api-key": "nope" });
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const noVersion = await postAnthropic(messagesBody, { "x-api-key": anthropicKey });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });

  test("rejects what the Messages API rejects: no max_tokens, a system role message, OpenAI-only fields", async () => {
    const { max_tokens: _dropped, ...withoutMaxTokens } = messagesBody;
    expect((await postAnthropic(withoutMaxTokens)).status).toBe(400);
    expect((await postAnthropic({ ...messagesBody, messages: [{ role: "system", content: "x" }, ...messagesBody.messages] })).status).toBe(400);
    expect((await postAnthropic({ ...messagesBody, stream_options: { include_usage: true } })).status).toBe(400);
    expect((await postAnthropic({ ...messagesBody, tools: [{ type: "function", function: { name: "x" } }] })).status).toBe(400);
  });

  test("streams `event: TYPE` frames from the recording, the tool recording when tools are sent", async () => {
    const response = await postAnthropic({
      ...messagesBody,
      stream: true,
      tools: [{ name: "json", input_schema: { type: "object" } }],
    });
    const text = await response.text();
    expect(text.startsWith("event: message_start\ndata: {")).toBe(true);
    expect(text).toContain("event: content_block_delta\ndata: ");
    expect(text).toContain('"input_json_delta"');
    expect(text.trimEnd().endsWith('data: {"type":"message_stop"}')).toBe(true);
  });

  test("scripted errors use Anthropic's error body; streamErrorAfter ends with an error event", async () => {
    anthropic.failNext([{ status: 529 }, { streamErrorAfter: 2 }]);
    const overloaded = await postAnthropic(messagesBody);
    expect(overloaded.status).toBe(529);
    expect(await overloaded.json()).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
    const streamed = await (await postAnthropic({ ...messagesBody, stream: true })).text();
    const events = streamed.trim().split("\n\n");
    expect(events).toHaveLength(3);
    expect(events[2]).toMatch(/^event: error\ndata: \{"type":"error"/);
  });
});
