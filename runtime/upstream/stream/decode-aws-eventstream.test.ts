import { describe, expect, it } from "vitest";
import { GatewayError } from "../../http/errors.ts";
import type { UpstreamEvent } from "../../providers/types.ts";
import { byteStream, splitBytes } from "./byte-stream.ts";
import { decodeAwsEventStream, encodeAwsEvent } from "./decode-aws-eventstream.ts";

// Lines of a recorded Bedrock ConverseStream: the key is the event type, the value the payload.
const recorded = [
  { messageStart: { role: "assistant" } },
  { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Let" } } },
  { contentBlockDelta: { contentBlockIndex: 0, delta: { text: " me count the \"r\"s — ✓" } } },
  { contentBlockStop: { contentBlockIndex: 0 } },
  { messageStop: { stopReason: "end_turn" } },
  { metadata: { usage: { inputTokens: 17, outputTokens: 227, totalTokens: 244 }, metrics: { latencyMs: 2904 } } },
];

function encoded(): Uint8Array {
  const messages = recorded.map((line) => {
    const [type, payload] = Object.entries(line)[0]!;
    return encodeAwsEvent(type, payload);
  });
  const total = messages.reduce((sum, message) => sum + message.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const message of messages) {
    bytes.set(message, offset);
    offset += message.length;
  }
  return bytes;
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<UpstreamEvent[]> {
  const events: UpstreamEvent[] = [];
  for await (const event of decodeAwsEventStream(stream, { provider: "bedrock" })) events.push(event);
  return events;
}

const expected = recorded.map((line) => {
  const [type, payload] = Object.entries(line)[0]!;
  return { event: type, data: JSON.stringify(payload) };
});

describe("decodeAwsEventStream", () => {
  it("decodes every message with its :event-type and payload", async () => {
    expect(await collect(byteStream([encoded()]))).toEqual(expected);
  });

  it("reassembles messages split at any byte, including inside the prelude and multi-byte characters", async () => {
    const bytes = encoded();
    for (let cut = 1; cut < bytes.length; cut += 7) {
      expect(await collect(byteStream(splitBytes(bytes, [cut, Math.min(bytes.length - 1, cut + 3)])))).toEqual(expected);
    }
  });

  it("turns an exception message into an `exception:<type>` event", async () => {
    const bytes = encodeAwsEvent("throttlingException", { message: "Too many requests" }, "exception");
    expect(await collect(byteStream([bytes]))).toEqual([
      { event: "exception:throttlingException", data: JSON.stringify({ message: "Too many requests" }) },
    ]);
  });

  it("rejects a message whose CRC does not match with a 502", async () => {
    const bytes = encoded();
    bytes[bytes.length - 20] = (bytes[bytes.length - 20]! + 1) % 256;
    const failure = await collect(byteStream([bytes])).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GatewayError);
    expect((failure as GatewayError).status).toBe(502);
  });

  it("reports a stream cut in the middle of a message", async () => {
    const bytes = encoded();
    const failure = await collect(byteStream([bytes.slice(0, bytes.length - 10)])).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GatewayError);
    expect((failure as GatewayError).code).toBe("stream_ended_early");
  });
});
