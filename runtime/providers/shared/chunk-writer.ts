/**
 * Writes the chat.completion.chunk objects of a streamed answer with one choice (index 0), for
 * converters that build chunks from provider events rather than relaying OpenAI-shaped ones.
 *
 * Invariants: every chunk of one answer carries the same `created` and the writer's current `id`
 * and `model` (a converter that learns the provider's message id or model from its first event
 * sets them before writing any chunk); the client's first chunk is the role chunk
 * (`{role: "assistant", content: ""}`), written once, by `withStart`, before whatever comes first.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 */
import type { ChatCompletionChunk, FinishReason, Usage } from "../../http/openai-types.ts";
import type { ProviderContext } from "../types.ts";

export type ChunkDelta = ChatCompletionChunk["choices"][number]["delta"];

export interface ChunkWriter {
  /** `chatcmpl-<gw request id>` until the converter sets the provider's. */
  id: string;
  /** The public model name until the converter sets the model the provider reported. */
  model: string;
  /** A chunk of choice 0. */
  chunk(delta: ChunkDelta, finishReason?: FinishReason | null): ChatCompletionChunk;
  /** `chunks`, preceded by the role chunk when it was not written yet. */
  withStart(chunks: ChatCompletionChunk[]): ChatCompletionChunk[];
  /** The usage-only chunk (`choices: []`) sent last when the client asked for usage. */
  usageChunk(usage: Usage): ChatCompletionChunk;
}

export function createChunkWriter(context: ProviderContext): ChunkWriter {
  let started = false;
  const writer: ChunkWriter = {
    id: `chatcmpl-${context.requestId}`,
    model: context.publicModel,
    chunk(delta, finishReason = null) {
      return {
        id: writer.id,
        object: "chat.completion.chunk",
        created: context.created,
        model: writer.model,
        choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
      };
    },
    withStart(chunks) {
      if (started) return chunks;
      started = true;
      return [writer.chunk({ role: "assistant", content: "" }), ...chunks];
    },
    usageChunk(usage) {
      return { id: writer.id, object: "chat.completion.chunk", created: context.created, model: writer.model, choices: [], usage };
    },
  };
  return writer;
}
