/**
 * The official SDKs accept what the fakes send: the fakes are faithful enough to the real wire
 * formats that Anthropic's and OpenAI's own clients parse their answers, streams included.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startAnthropicUpstream } from "./anthropic-upstream.ts";
import type { FakeUpstream } from "./fake-server.ts";
import { fixtureStreamText, fixtureText } from "./fixture-text.ts";
import { startOpenAIUpstream } from "./openai-upstream.ts";

let openAI: FakeUpstream;
let anthropic: FakeUpstream;

beforeAll(async () => {
  openAI = await startOpenAIUpstream({ apiKey: "sk-openai-fake" });
  anthropic = await startAnthropicUpstream({ apiKey: "sk-ant-fake" });
});

afterAll(async () => {
  await openAI.close();
  await anthropic.close();
});

describe("@anthropic-ai/sdk against the Anthropic fake", () => {
  const client = () => new Anthropic({ apiKey: "sk-ant-fake", baseURL: anthropic.url, maxRetries: 0 });

  test("a message, with its recorded text and usage", async () => {
    const message = await client().messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "hi" }],
    });
    const text = message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
    expect(text).toBe(fixtureText("anthropic-text"));
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  test("a stream, accumulated by the SDK into the recorded text", async () => {
    const stream = client().messages.stream({ model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "hi" }] });
    const message = await stream.finalMessage();
    const text = message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
    expect(text).toBe(fixtureStreamText("anthropic-text"));
  });

  test("a wrong key is an AuthenticationError, as from the real API", async () => {
    const wrong = new Anthropic({ apiKey: "sk-ant-wrong", baseURL: anthropic.url, maxRetries: 0 });
    await expect(wrong.messages.create({ model: "m", max_tokens: 1, messages: [{ role: "user", content: "hi" }] })).rejects.toBeInstanceOf(
      Anthropic.AuthenticationError,
    );
  });
});

describe("openai SDK against the OpenAI fake", () => {
  const client = () => new OpenAI({ apiKey: "sk-openai-fake", baseURL: openAI.baseUrl, maxRetries: 0 });

  test("a completion and a stream with usage", async () => {
    const completion = await client().chat.completions.create({ model: "gpt-4.1-nano", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]?.message.content).toBe(fixtureText("openai-text"));
    const stream = await client().chat.completions.create({
      model: "gpt-4.1-nano",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(fixtureStreamText("openai-text"));
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });
});
