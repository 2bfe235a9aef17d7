/**
 * End to end: the legacy `POST /v1/completions` through the real `gw serve`, driven by the
 * official `openai` SDK (`client.completions.create`), in front of a fake OpenAI upstream that
 * only speaks chat: gw maps the prompt onto one user message and answers `text_completion`.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { fixtureStreamText, fixtureText, fixtureUsage } from "../fakes/fixture-text.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { lastRecorded } from "../support/last-request.ts";
import { validateTextCompletion } from "../support/openai-schema.ts";
import { serveOpenAIChat } from "../support/serve-test-config.ts";

const upstreamKey = "sk-upstream-openai-completions-test";
const masterKey = "gw-master-completions-test";
const prompt = "Invent a new holiday and describe its traditions.";

let upstream: FakeUpstream;
let client: OpenAI;
let stop: () => Promise<void>;

beforeAll(async () => {
  upstream = await startOpenAIUpstream({ apiKey: upstreamKey });
  ({ client, stop } = await serveOpenAIChat({ name: "e2e-completions", upstream, upstreamKey, masterKey }));
});

afterAll(() => stop?.());

beforeEach(() => upstream.reset());

describe("POST /v1/completions, mapped onto chat", () => {
  test("a completion answers text_completion with the chat answer's text and usage, and validates", async () => {
    const recorded = fixtureUsage("openai-text");
    const completion = await client.completions.create({ model: "chat", prompt });
    expect(validateTextCompletion(completion)).toEqual([]);
    expect(completion.object).toBe("text_completion");
    expect(completion.id).toMatch(/^cmpl-/);
    expect(completion.choices[0]?.text).toBe(fixtureText("openai-text"));
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.prompt_tokens).toBe(recorded.promptTokens);
    expect(completion.usage?.completion_tokens).toBe(recorded.completionTokens);
    // The upstream was asked through chat, with OpenAI's legacy default max_tokens.
    expect(lastRecorded(upstream.chatRequests()).body).toMatchObject({ model: "gpt-4.1-nano", messages: [{ role: "user", content: prompt }], max_tokens: 16 });
  });

  test("a streamed completion delivers the text in text_completion chunks, the finish_reason last, usage when asked", async () => {
    const stream = await client.completions.create({ model: "chat", prompt, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Completion[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.object === "text_completion")).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.text ?? "").join("")).toBe(fixtureStreamText("openai-text"));
    const finishing = chunks.filter((chunk) => chunk.choices[0]?.finish_reason != null);
    expect(finishing).toHaveLength(1);
    expect(finishing[0]?.choices[0]?.finish_reason).toBe("stop");
    expect(validateTextCompletion(finishing[0])).toEqual([]);
    const usage = chunks.at(-1)?.usage;
    expect(usage?.prompt_tokens).toBe(16);
    expect(usage?.completion_tokens).toBe(300);
    expect(lastRecorded(upstream.chatRequests()).body).toMatchObject({ stream: true, messages: [{ role: "user", content: prompt }] });
  });

  test("a token-array prompt is refused with a 400 naming `prompt`, and nothing reaches the upstream", async () => {
    const refused = await client.completions.create({ model: "chat", prompt: [1, 2, 3] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("prompt");
    expect(upstream.chatRequests()).toHaveLength(0);
  });
});
