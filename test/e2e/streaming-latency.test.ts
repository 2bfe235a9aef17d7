/**
 * End to end: streaming stays a stream. A gated fake upstream sends the first events of a
 * recorded stream, up to and including the first token, then holds the rest back until the
 * test has seen that token arrive at the official `openai` SDK through the real `gw serve`.
 * If gw buffered anything (a whole response, or events until some later one), the token could
 * not reach the client while the upstream still holds the rest: causality, not a stopwatch.
 * The gate opens by itself after a while so that a buffering gw fails the assertions instead
 * of hanging the test.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { createAnthropicDialect } from "../fakes/anthropic-upstream.ts";
import { readFixtureLines } from "../fakes/fake-server.ts";
import { fixtureStreamText } from "../fakes/fixture-text.ts";
import { createOpenAIDialect } from "../fakes/openai-upstream.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";

const masterKey = "gw-master-streaming-latency";
/** How long the gate stays shut at most; only a buffering gw ever waits this long. */
const gateSafetyMs = 8_000;

interface GatedUpstream {
  readonly baseUrl: string;
  /** Frames written to the socket so far in the current stream. */
  sent(): number;
  /** Frames the upstream will send before waiting at the gate. */
  readonly gateAfter: number;
  /** Let the rest of the stream go. */
  release(): void;
  /** Shut the gate again for the next request. */
  reset(): void;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (part: string) => (text += part));
    request.on("end", () => resolve(text));
    request.on("error", reject);
  });
}

/**
 * Streams `frames` (already framed for the provider's wire format) for every POST, pausing
 * after the first `gateAfter` frames until release().
 */
async function startGatedUpstream(frames: (body: unknown) => string[], gateAfter: number, basePath: string): Promise<GatedUpstream> {
  let sent = 0;
  let open!: () => void;
  let gate = new Promise<void>((resolve) => (open = resolve));
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body: unknown = JSON.parse(await readBody(request));
      const all = frames(body);
      sent = 0;
      response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
      for (const [index, frame] of all.entries()) {
        if (index === gateAfter) {
          await Promise.race([gate, new Promise((wake) => setTimeout(wake, gateSafetyMs))]);
        }
        await new Promise<void>((resolve) => response.write(frame, () => resolve()));
        sent++;
      }
      response.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}${basePath}`,
    sent: () => sent,
    gateAfter,
    release: () => open(),
    reset() {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Index of the first line of a chunks fixture that carries text. */
function firstTextLine(lines: string[], hasText: (event: Record<string, unknown>) => boolean): number {
  const index = lines.findIndex((line) => hasText(JSON.parse(line) as Record<string, unknown>));
  if (index < 0) throw new Error("the fixture has no text");
  return index;
}

const openAILines = readFixtureLines("openai-text");
const openAIGate =
  firstTextLine(openAILines, (event) => {
    const choices = event.choices as Array<{ delta?: { content?: string } }> | undefined;
    return (choices?.[0]?.delta?.content ?? "") !== "";
  }) + 1;
const anthropicLines = readFixtureLines("anthropic-text");
const anthropicGate = firstTextLine(anthropicLines, (event) => event.type === "content_block_delta") + 1;

let openAIUpstream: GatedUpstream;
let anthropicUpstream: GatedUpstream;
let stop: () => Promise<void>;
let client: OpenAI;

beforeAll(async () => {
  const openAIDialect = createOpenAIDialect();
  const anthropicDialect = createAnthropicDialect();
  openAIUpstream = await startGatedUpstream((body) => openAIDialect.streamFrames(openAILines, body) as string[], openAIGate, "/v1");
  anthropicUpstream = await startGatedUpstream((body) => anthropicDialect.streamFrames(anthropicLines, body) as string[], anthropicGate, "");
  ({ client, stop } = await serveTestConfig({
    name: "e2e-streaming-latency",
    upstreams: [openAIUpstream, anthropicUpstream],
    env: { GW_MASTER_KEY: masterKey },
    masterKey,
    config: {
      models: [
        {
          name: "gpt-stream",
          deployments: [{ provider: "openai", model: "gpt-4.1-nano", baseUrl: openAIUpstream.baseUrl, apiKey: "sk-unused", price: { inputPerMTok: 1, outputPerMTok: 1 } }],
        },
        {
          name: "claude-stream",
          deployments: [{ provider: "anthropic", model: "claude-sonnet-4-5", baseUrl: anthropicUpstream.baseUrl, apiKey: "sk-ant-unused", price: { inputPerMTok: 1, outputPerMTok: 1 } }],
        },
      ],
      masterKey: { $env: "GW_MASTER_KEY" },
    },
  }));
});

afterAll(() => stop?.());

beforeEach(() => {
  openAIUpstream.reset();
  anthropicUpstream.reset();
});

/**
 * Reads the stream; when the first text arrives, notes how many frames the upstream had sent
 * and opens the gate. Returns that count and the whole text.
 */
async function readThroughGate(model: string, upstream: GatedUpstream): Promise<{ sentAtFirstText: number; text: string }> {
  const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: "user", content: "Invent a new holiday." }] });
  let sentAtFirstText: number | null = null;
  let text = "";
  for await (const chunk of stream) {
    const content = chunk.choices[0]?.delta.content ?? "";
    if (content !== "" && sentAtFirstText === null) {
      sentAtFirstText = upstream.sent();
      upstream.release();
    }
    text += content;
  }
  upstream.release();
  return { sentAtFirstText: sentAtFirstText ?? -1, text };
}

describe("streaming stays a stream", () => {
  test("through the openai provider, the first token reaches the client while the upstream still holds the rest", async () => {
    const { sentAtFirstText, text } = await readThroughGate("gpt-stream", openAIUpstream);
    expect(sentAtFirstText).toBe(openAIUpstream.gateAfter);
    expect(text).toBe(fixtureStreamText("openai-text"));
  });

  test("through the anthropic translation, the first token reaches the client while the upstream still holds the rest", async () => {
    const { sentAtFirstText, text } = await readThroughGate("claude-stream", anthropicUpstream);
    expect(sentAtFirstText).toBe(anthropicUpstream.gateAfter);
    expect(text).toBe(fixtureStreamText("anthropic-text"));
  });
});
