/**
 * Replays a recorded upstream stream through a provider's stream converter the way the runtime
 * does (runtime/upstream/upstream.ts): the decoded events pushed in order, then end(). Every chunk a
 * client would receive is checked against OpenAI's chunk schema, as the runtime sends it
 * (through JSON), so each converter test also proves its output is valid.
 */
import { expect } from "vitest";
import type { ChatCompletionChunk } from "../../runtime/http/openai-types.ts";
import type { StreamConverter, UpstreamEvent } from "../../runtime/providers/types.ts";
import { byteStream } from "../../runtime/upstream/stream/byte-stream.ts";
import { decodeSse } from "../../runtime/upstream/stream/decode-sse.ts";
import { validateChatCompletionChunk } from "./openai-schema.ts";

/** The converter's chunks for `events`, end() included; rejects with what push() or end() threw. */
export async function replayEvents(events: AsyncIterable<UpstreamEvent>, converter: StreamConverter): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const event of events) chunks.push(...converter.push(event));
  chunks.push(...converter.end());
  for (const chunk of chunks) expect(validateChatCompletionChunk(JSON.parse(JSON.stringify(chunk)))).toEqual([]);
  return chunks;
}

/** `text` is the SSE body as the provider sends it, decoded by the runtime's SSE decoder. */
export function replaySse(text: string, converter: StreamConverter): Promise<ChatCompletionChunk[]> {
  return replayEvents(decodeSse(byteStream([text])), converter);
}

/** The text content of the first choice, all chunks joined. */
export function streamedContent(chunks: ChatCompletionChunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
}
