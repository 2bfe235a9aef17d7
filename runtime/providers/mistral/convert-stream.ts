/**
 * Mistral stream events -> chat.completion.chunk, through OpenAI's converter: Mistral frames
 * its stream as OpenAI does (`data: ...`, `data: [DONE]`); tool-call deltas arrive whole, in
 * one chunk, without `index` or `type` (the converter numbers and types them), and usage
 * comes on the chunk that carries the finish_reason (hidden unless the client asked for it).
 * An error sent inside the stream in Mistral's own error shape (`{"object": "error", ...}`,
 * not OpenAI's `{"error": ...}`) is mapped here; only events mentioning it are parsed twice.
 * @see https://docs.mistral.ai/api/#tag/chat/operation/chat_completion_v1_chat_completions_post
 */
import type { ChatCompletionChunk, ChatCompletionRequest } from "../../http/openai-types.ts";
import { createStreamConverter as createOpenAIStreamConverter } from "../openai/convert-stream.ts";
import { mapStreamError } from "../openai/map-error.ts";
import { isRecord } from "../openai/openai-api.ts";
import type { ProviderContext, StreamConverter, UpstreamEvent } from "../types.ts";
import { readMistralError } from "./mistral-api.ts";

function mistralStreamError(data: string): unknown {
  if (!data.includes('"error"')) return null;
  try {
    const payload: unknown = JSON.parse(data);
    return isRecord(payload) && payload.object === "error" ? payload : null;
  } catch {
    return null; // OpenAI's converter reports the unreadable event
  }
}

export function createStreamConverter(context: ProviderContext, request: ChatCompletionRequest): StreamConverter {
  const converter = createOpenAIStreamConverter("mistral", context, request);
  return {
    push(event: UpstreamEvent): ChatCompletionChunk[] {
      const error = mistralStreamError(event.data);
      if (error !== null) throw mapStreamError("mistral", { error: readMistralError(error) });
      return converter.push(event);
    },
    end: () => converter.end(),
    usage: () => converter.usage(),
  };
}
