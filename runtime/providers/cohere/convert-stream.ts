/**
 * Cohere v2 stream events (SSE, named by `event:` and by the payload's `type`) -> chat.completion.chunk.
 *
 * message-start       -> first chunk: role assistant, empty content; its id names every chunk
 * content-start       -> a text part's opening text, if any; thinking parts are marked and skipped
 * content-delta       -> text: content
 * tool-plan-delta     -> nothing (the words before tool calls have no OpenAI equivalent)
 * tool-call-start     -> tool call delta (index counts tool calls in order; id, name, arguments
 *                        so far)
 * tool-call-delta     -> arguments at that index
 * tool-call-end       -> a tool call whose arguments stayed empty gets "{}"
 * message-end         -> chunk with finish_reason (ERROR / TIMEOUT: GatewayError), then the
 *                        usage chunk (choices: []) if the client asked for it
 * citation-*, debug, unknown -> nothing
 * The stream is complete only after message-end.
 * @see https://docs.cohere.com/reference/chat-stream
 * @see https://docs.cohere.com/docs/streaming
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { ChatCompletionChunk, ChatCompletionRequest, TokenUsage } from "../../http/openai-types.ts";
import { mapStreamError } from "../openai/map-error.ts";
import { createChunkWriter } from "../shared/chunk-writer.ts";
import { parseStreamEvent } from "../shared/parse-stream-event.ts";
import { streamEndedEarly } from "../shared/stream-ended-early.ts";
import { createToolCallDeltas } from "../shared/tool-call-deltas.ts";
import type { ProviderContext, StreamConverter, UpstreamEvent } from "../types.ts";
import { isRecord, readUsage } from "./cohere-api.ts";
import type { CohereUsage, JsonRecord } from "./cohere-api.ts";
import { toCompletionId, toOpenAIUsage, toTokenUsage } from "./convert-response.ts";
import { mapFinishReason } from "./map-finish-reason.ts";

/** `delta.message` of an event, or an empty record. */
function messageDelta(payload: JsonRecord): JsonRecord {
  return isRecord(payload.delta) && isRecord(payload.delta.message) ? payload.delta.message : {};
}

export function createStreamConverter(context: ProviderContext, request: ChatCompletionRequest): StreamConverter {
  const forwardUsage = request.stream_options?.include_usage === true;
  const writer = createChunkWriter(context);
  const { chunk, withStart } = writer;
  /** Keyed by Cohere's tool call index. */
  const tools = createToolCallDeltas();
  let usage: CohereUsage | undefined;
  let ended = false;
  const thinkingParts = new Set<number>();

  function text(payload: JsonRecord): ChatCompletionChunk[] {
    if (typeof payload.index === "number" && thinkingParts.has(payload.index)) return [];
    const content = messageDelta(payload).content;
    const value = isRecord(content) ? content.text : undefined;
    return typeof value === "string" && value.length > 0 ? withStart([chunk({ content: value })]) : [];
  }

  function onContentStart(payload: JsonRecord): ChatCompletionChunk[] {
    const content = messageDelta(payload).content;
    if (isRecord(content) && content.type === "thinking" && typeof payload.index === "number") {
      thinkingParts.add(payload.index);
      return [];
    }
    return text(payload);
  }

  function onToolCallStart(payload: JsonRecord): ChatCompletionChunk[] {
    const call = messageDelta(payload).tool_calls;
    if (!isRecord(call) || typeof call.id !== "string" || !isRecord(call.function) || typeof call.function.name !== "string") {
      throw badUpstreamResponse("cohere", "tool-call-start without an id or function name");
    }
    const key = typeof payload.index === "number" ? payload.index : tools.count;
    const args = typeof call.function.arguments === "string" ? call.function.arguments : "";
    return withStart([chunk({ tool_calls: [tools.start(key, call.id, call.function.name, args)] })]);
  }

  function onToolCallDelta(payload: JsonRecord): ChatCompletionChunk[] {
    if (typeof payload.index !== "number" || !tools.has(payload.index)) {
      throw badUpstreamResponse("cohere", "tool-call-delta for a tool call that did not start");
    }
    const call = messageDelta(payload).tool_calls;
    const args = isRecord(call) && isRecord(call.function) ? call.function.arguments : undefined;
    const piece = typeof args === "string" ? tools.append(payload.index, args) : null;
    return piece ? [chunk({ tool_calls: [piece] })] : [];
  }

  function onToolCallEnd(payload: JsonRecord): ChatCompletionChunk[] {
    const empty = typeof payload.index === "number" ? tools.finish(payload.index) : null;
    return empty ? [chunk({ tool_calls: [empty] })] : [];
  }

  function onMessageEnd(payload: JsonRecord): ChatCompletionChunk[] {
    ended = true;
    const delta = isRecord(payload.delta) ? payload.delta : {};
    usage = readUsage(delta.usage);
    const finished = withStart([chunk({}, mapFinishReason(delta.finish_reason))]);
    if (!forwardUsage) return finished;
    return [...finished, writer.usageChunk(toOpenAIUsage(usage))];
  }

  function push(event: UpstreamEvent): ChatCompletionChunk[] {
    if (ended) return [];
    const payload = parseStreamEvent("cohere", event.data);
    const type = event.event ?? payload.type;
    switch (type) {
      case "message-start":
        writer.id = toCompletionId(payload.id, context);
        return withStart([]);
      case "content-start":
        return onContentStart(payload);
      case "content-delta":
        return text(payload);
      case "tool-call-start":
        return onToolCallStart(payload);
      case "tool-call-delta":
        return onToolCallDelta(payload);
      case "tool-call-end":
        return onToolCallEnd(payload);
      case "message-end":
        return onMessageEnd(payload);
      case "error":
        throw mapStreamError("cohere", payload);
      default:
        return [];
    }
  }

  function end(): ChatCompletionChunk[] {
    if (!ended) throw streamEndedEarly("cohere", "before message-end: the answer is incomplete");
    return [];
  }

  return { push, end, usage: (): TokenUsage | undefined => (usage ? toTokenUsage(usage) : undefined) };
}
