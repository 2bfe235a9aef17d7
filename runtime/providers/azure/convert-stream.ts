/**
 * Azure OpenAI stream events -> chat.completion.chunk: OpenAI's converter, after dropping the
 * chunks only Azure sends and no OpenAI client expects (see isAnnotationChunk): the
 * `prompt_filter_results` chunk that opens every stream (empty `choices`, `id: ""`,
 * `object: ""`) and the asynchronous filter's annotation chunks. Only events that mention
 * those fields are parsed here; every other event goes to OpenAI's converter untouched.
 * A completion stopped by the filter ends with `finish_reason: "content_filter"`, as on OpenAI.
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-streaming
 */
import type { ChatCompletionChunk, ChatCompletionRequest } from "../../http/openai-types.ts";
import { createStreamConverter as createOpenAIStreamConverter } from "../openai/convert-stream.ts";
import { isRecord } from "../openai/openai-api.ts";
import type { ProviderContext, StreamConverter, UpstreamEvent } from "../types.ts";
import { isAnnotationChunk } from "./azure-api.ts";

function isAnnotationEvent(data: string): boolean {
  if (!data.includes('"prompt_filter_results"') && !data.includes('"content_filter_offsets"')) return false;
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    return false; // OpenAI's converter reports the unreadable event
  }
  return isRecord(chunk) && isAnnotationChunk(chunk);
}

export function createStreamConverter(context: ProviderContext, request: ChatCompletionRequest): StreamConverter {
  const converter = createOpenAIStreamConverter("azure", context, request);
  return {
    push: (event: UpstreamEvent): ChatCompletionChunk[] => (isAnnotationEvent(event.data) ? [] : converter.push(event)),
    end: () => converter.end(),
    usage: () => converter.usage(),
  };
}
