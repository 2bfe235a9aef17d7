/**
 * AWS event-stream framing (Bedrock ConverseStream), decoded once, centrally.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/RESTSelectObjectAppendix.html (message format)
 *
 * Each binary message is: a prelude (total length, headers length, prelude CRC), headers,
 * payload, message CRC. The AWS SDK's own maintained codec (@smithy) splits the byte stream into
 * messages at any chunk boundary and verifies both CRCs, which is why gw does not hand-roll it.
 * An event message (`:message-type` "event") becomes `{ event: <:event-type>, data: <payload> }`;
 * an exception (`:message-type` "exception" or "error") becomes `{ event: "exception:<type>", data }`
 * so the provider's converter can map it to a GatewayError.
 */
import { EventStreamCodec, getChunkedStream, type MessageHeaders } from "@smithy/core/event-streams";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { GatewayError } from "../../http/errors.ts";
import type { UpstreamEvent } from "../../providers/types.ts";

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const utf8 = new TextDecoder("utf-8");

async function* chunksOf(reader: ReadableStreamDefaultReader<Uint8Array>): AsyncGenerator<Uint8Array> {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

function headerString(headers: Record<string, { type: string; value: unknown }>, name: string): string | undefined {
  const header = headers[name];
  return header !== undefined && header.type === "string" ? (header.value as string) : undefined;
}

export async function* decodeAwsEventStream(
  body: ReadableStream<Uint8Array>,
  options: { provider?: string } = {},
): AsyncGenerator<UpstreamEvent, void, undefined> {
  const reader = body.getReader();
  let finished = false;
  try {
    for await (const bytes of getChunkedStream(chunksOf(reader))) {
      let message;
      try {
        message = codec.decode(bytes);
      } catch (error) {
        throw new GatewayError({
          status: 502,
          type: "upstream_error",
          code: "bad_upstream_response",
          message: `The ${options.provider ?? "upstream"} event stream sent a corrupt message (${error instanceof Error ? error.message : String(error)}).`,
        });
      }
      const headers = message.headers as Record<string, { type: string; value: unknown }>;
      const kind = headerString(headers, ":message-type") ?? "event";
      const data = utf8.decode(message.body);
      if (kind === "event") {
        yield { event: headerString(headers, ":event-type"), data };
      } else {
        const type = headerString(headers, ":exception-type") ?? headerString(headers, ":error-code") ?? "unknown";
        const text = data === "" ? JSON.stringify({ message: headerString(headers, ":error-message") ?? type }) : data;
        yield { event: `exception:${type}`, data: text };
      }
    }
    finished = true;
  } catch (error) {
    if (error instanceof Error && /Truncated event message/.test(error.message)) {
      throw new GatewayError({
        status: 502,
        type: "upstream_error",
        code: "stream_ended_early",
        message: `The ${options.provider ?? "upstream"} event stream ended in the middle of a message.`,
      });
    }
    throw error;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Encode one event-stream message (used by tests and fake upstreams to speak Bedrock's framing). */
export function encodeAwsEvent(eventType: string, payload: unknown, messageType: "event" | "exception" = "event"): Uint8Array {
  const typeHeader = messageType === "event" ? ":event-type" : ":exception-type";
  const headers: MessageHeaders = {
    ":message-type": { type: "string", value: messageType },
    [typeHeader]: { type: "string", value: eventType },
    ":content-type": { type: "string", value: "application/json" },
  };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}
