/**
 * Newline-delimited JSON framing (Ollama's native API), decoded once, centrally: one event per
 * non-empty line, `event` undefined. Bytes are decoded as UTF-8 in streaming mode, so a
 * character or a line split across network chunks is reassembled; `\r\n` is accepted; a last
 * line without a trailing newline is still delivered.
 * @see https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
 */
import { GatewayError } from "../../http/errors.ts";
import type { UpstreamEvent } from "../../providers/types.ts";

const maxLineLength = 16 * 1024 * 1024;

export async function* decodeNdjson(
  body: ReadableStream<Uint8Array>,
  options: { provider?: string } = {},
): AsyncGenerator<UpstreamEvent, void, undefined> {
  const decoder = new TextDecoder("utf-8");
  const reader = body.getReader();
  let buffer = "";
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline = buffer.indexOf("\n");
      while (newline !== -1) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line !== "") yield { event: undefined, data: line };
        newline = buffer.indexOf("\n");
      }
      if (buffer.length > maxLineLength) {
        throw new GatewayError({
          status: 502,
          type: "upstream_error",
          code: "bad_upstream_response",
          message: `The ${options.provider ?? "upstream"} stream sent a line longer than ${maxLineLength} characters; gw stopped reading it.`,
        });
      }
    }
    finished = true;
    const last = (buffer + decoder.decode()).trim();
    if (last !== "") yield { event: undefined, data: last };
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
