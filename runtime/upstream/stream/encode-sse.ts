/**
 * Server-sent events encoding of what gw sends to clients: OpenAI's stream framing,
 * `data: <json>\n\n` per chunk and `data: [DONE]\n\n` at the end.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
import type { GatewayError } from "../../http/errors.ts";
import type { ChatCompletionChunk } from "../../http/openai-types.ts";

const encoder = new TextEncoder();

/** The terminating `data: [DONE]\n\n` event, encoded once. Treat as read-only. */
export const sseDone: Uint8Array = encoder.encode("data: [DONE]\n\n");

/** Any JSON value as one `data:` event. JSON.stringify never emits a raw newline, so one line suffices. */
export function encodeSseData(value: unknown): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(value)}\n\n`);
}

/** A chat.completion.chunk as one `data:` event. */
export function encodeSseChunk(chunk: ChatCompletionChunk): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`);
}

/**
 * An error sent inside an already-started stream, in OpenAI's shape
 * (`data: {"error": {"message", "type", "param", "code"}}`); the stream should end after it.
 */
export function encodeSseError(error: GatewayError): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(error.toJSON())}\n\n`);
}

/** A named event (`event: NAME\ndata: <json>\n\n`), as Anthropic-style streams frame them. */
export function encodeSseEvent(event: string, value: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(value)}\n\n`);
}
