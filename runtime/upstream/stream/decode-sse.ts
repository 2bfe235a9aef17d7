/**
 * Server-sent events framing, decoded once, centrally, for every provider.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 *
 * Invariants: bytes are decoded as UTF-8 in streaming mode, so a character split across
 * network chunks is never mangled; `\n`, `\r\n` and `\r` line endings are all accepted
 * (Gemini frames with `\r\n`); comments (`: ping`) and `retry:` lines are not events.
 */
import { createParser } from "eventsource-parser";
import { GatewayError } from "../../http/errors.ts";
import type { UpstreamEvent } from "../../providers/types.ts";

/** Largest event (in characters) gw buffers before giving up on an upstream stream. */
export const maxSseEventSize = 16 * 1024 * 1024;

export interface DecodeSseOptions {
  /** Named in the error when the stream is unreadable. */
  provider?: string;
  maxEventSize?: number;
}

/**
 * Decode an SSE byte stream into events, in order. An event still open when the body
 * ends (no trailing blank line) is delivered too: a truncated JSON payload then fails in
 * the provider's converter, which reports it, rather than vanishing silently.
 * Breaking out of the loop cancels the body.
 */
export async function* decodeSse(
  body: ReadableStream<Uint8Array>,
  options: DecodeSseOptions = {},
): AsyncGenerator<UpstreamEvent, void, undefined> {
  const maxEventSize = options.maxEventSize ?? maxSseEventSize;
  let pending: UpstreamEvent[] = [];
  let failure: GatewayError | undefined;
  const parser = createParser({
    maxBufferSize: maxEventSize,
    onEvent(message) {
      pending.push({ event: message.event, data: message.data });
    },
    onError(error) {
      if (error.type === "max-buffer-size-exceeded") {
        failure = new GatewayError({
          status: 502,
          type: "upstream_error",
          code: "bad_upstream_response",
          message: `The ${options.provider ?? "upstream"} stream sent an event larger than ${maxEventSize} characters; gw stopped reading it.`,
        });
      }
      // Unknown fields and invalid `retry:` values are ignored, as the SSE spec says.
    },
  });
  const decoder = new TextDecoder("utf-8");
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      if (failure) throw failure;
      if (pending.length > 0) {
        const events = pending;
        pending = [];
        yield* events;
      }
    }
    finished = true;
    // Flush a trailing partial character, then close any event left open at the end.
    parser.feed(decoder.decode() + "\n\n");
    if (failure) throw failure;
    yield* pending;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
