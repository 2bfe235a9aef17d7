import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../http/errors.ts";
import type { UpstreamEvent } from "../../providers/types.ts";
import { byteStream, splitBytes } from "./byte-stream.ts";
import { decodeSse } from "./decode-sse.ts";

const encoder = new TextEncoder();

function fixtureLines(path: string): string[] {
  return readFileSync(new URL(path, import.meta.url), "utf8").split("\n").filter((line) => line.length > 0);
}

async function collect(body: ReadableStream<Uint8Array>): Promise<UpstreamEvent[]> {
  const events: UpstreamEvent[] = [];
  for await (const event of decodeSse(body)) events.push(event);
  return events;
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing split is reproducible. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const anthropicLines = fixtureLines("../../providers/anthropic/__fixtures__/anthropic-clear-thinking.1.chunks.txt");
const anthropicWire = anthropicLines
  .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`)
  .join("");
const anthropicExpected = anthropicLines.map((line) => ({ event: (JSON.parse(line) as { type: string }).type, data: line }));

describe("decodeSse", () => {
  it("decodes OpenAI framing (data only) including the [DONE] sentinel", async () => {
    const lines = fixtureLines("../../providers/openai/__fixtures__/openai-text.chunks.txt");
    const wire = lines.map((line) => `data: ${line}\n\n`).join("") + "data: [DONE]\n\n";
    const events = await collect(byteStream([wire]));
    expect(events).toEqual([...lines.map((data) => ({ event: undefined, data })), { event: undefined, data: "[DONE]" }]);
  });

  it("decodes named events (Anthropic framing)", async () => {
    expect(await collect(byteStream([anthropicWire]))).toEqual(anthropicExpected);
  });

  it("decodes \\r\\n framing (Gemini)", async () => {
    const wire = 'data: {"a":1}\r\n\r\ndata: {"b":"é"}\r\n\r\n';
    expect(await collect(byteStream([wire]))).toEqual([
      { event: undefined, data: '{"a":1}' },
      { event: undefined, data: '{"b":"é"}' },
    ]);
  });

  it("gives the same events whatever the chunk boundaries, even inside multi-byte characters", async () => {
    // The fixture contains "÷" (2 bytes in UTF-8); add 3- and 4-byte characters too.
    const wire = encoder.encode(anthropicWire + 'event: extra\r\ndata: {"text":"€ 😀 ÷"}\r\n\r\n');
    const expected = [...anthropicExpected, { event: "extra", data: '{"text":"€ 😀 ÷"}' }];
    const next = random(42);
    for (let round = 0; round < 200; round++) {
      const count = 1 + Math.floor(next() * 40);
      const offsets = Array.from({ length: count }, () => Math.floor(next() * wire.length)).sort((a, b) => a - b);
      expect(await collect(byteStream(splitBytes(wire, offsets)))).toEqual(expected);
    }
  });

  it("survives one byte at a time", async () => {
    const wire = encoder.encode(anthropicWire);
    const parts = Array.from(wire, (byte) => Uint8Array.of(byte));
    expect(await collect(byteStream(parts))).toEqual(anthropicExpected);
  });

  it("ignores comments and joins multi-line data", async () => {
    const wire = ": keep-alive\n\ndata: first\ndata: second\n\n";
    expect(await collect(byteStream([wire]))).toEqual([{ event: undefined, data: "first\nsecond" }]);
  });

  it("delivers a last event that lacks the trailing blank line", async () => {
    expect(await collect(byteStream(['data: {"x":1}\n\ndata: [DONE]']))).toEqual([
      { event: undefined, data: '{"x":1}' },
      { event: undefined, data: "[DONE]" },
    ]);
  });

  it("refuses an event larger than the limit with a 502", async () => {
    const body = byteStream([`data: ${"x".repeat(5000)}`]);
    const reading = (async () => {
      for await (const _event of decodeSse(body, { provider: "openai", maxEventSize: 1000 })) void _event;
    })();
    await expect(reading).rejects.toBeInstanceOf(GatewayError);
    await expect(reading).rejects.toMatchObject({ status: 502 });
  });

  it("cancels the upstream body when the consumer stops early", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(encoder.encode("data: tick\n\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of decodeSse(body)) {
      expect(event.data).toBe("tick");
      break;
    }
    expect(cancelled).toBe(true);
  });
});
