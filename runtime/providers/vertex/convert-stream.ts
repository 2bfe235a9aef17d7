/**
 * A Vertex AI stream -> chat.completion.chunk. The first event tells the family: Claude's
 * streamRawPredict sends Anthropic's named SSE events (`event: message_start`, payloads with a
 * `type`), Gemini's streamGenerateContent sends unnamed events holding GenerateContentResponses.
 * Every event, the first included, then goes to that family's converter.
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { ChatCompletionChunk, ChatCompletionRequest, TokenUsage } from "../../http/openai-types.ts";
import { createStreamConverter as createAnthropicStreamConverter } from "../anthropic/convert-stream.ts";
import { createGeminiStreamConverter } from "../gemini/convert-stream.ts";
import { isRecord } from "../gemini/gemini-api.ts";
import type { ProviderContext, StreamConverter, UpstreamEvent } from "../types.ts";
import { vertexErrors } from "./map-error.ts";

function isAnthropicEvent(event: UpstreamEvent): boolean {
  if (event.event !== undefined) return true;
  try {
    const payload: unknown = JSON.parse(event.data);
    return isRecord(payload) && typeof payload.type === "string";
  } catch {
    throw badUpstreamResponse("vertex", "a stream event is not JSON");
  }
}

export function createStreamConverter(context: ProviderContext, request: ChatCompletionRequest): StreamConverter {
  let family: StreamConverter | undefined;
  return {
    push(event: UpstreamEvent): ChatCompletionChunk[] {
      family ??= isAnthropicEvent(event) ? createAnthropicStreamConverter(context, request) : createGeminiStreamConverter(context, request, vertexErrors);
      return family.push(event);
    },
    end(): ChatCompletionChunk[] {
      return (family ?? createGeminiStreamConverter(context, request, vertexErrors)).end();
    },
    usage(): TokenUsage | undefined {
      return family?.usage();
    },
  };
}
