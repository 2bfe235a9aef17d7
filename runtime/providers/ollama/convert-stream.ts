/**
 * Ollama NDJSON stream lines (decoded centrally: one event per line) -> chat.completion.chunk.
 *
 * line with message.content     -> content delta (the first chunk also carries role assistant)
 * line with message.thinking    -> `reasoning_content` delta (thinking models with `think` on)
 * line with message.tool_calls  -> one tool-call delta per call, whole (id, name, arguments as a
 *                                  string); Ollama sends a call complete, usually in one line
 * line with done: true          -> chunk with finish_reason (tool_calls if any call was made),
 *                                  then the usage chunk (choices: []) if the client asked for it
 * line with error               -> GatewayError (mid-stream failure)
 * The stream is complete only after the `done: true` line; lines after it are ignored.
 * @see https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
 */
import type { ChatCompletionChunk, ChatCompletionRequest, TokenUsage } from "../../http/openai-types.ts";
import { parseStreamEvent } from "../shared/parse-stream-event.ts";
import { streamEndedEarly } from "../shared/stream-ended-early.ts";
import type { ProviderContext, StreamConverter, UpstreamEvent } from "../types.ts";
import { convertToolCalls, readUsage, toCompletionId, toOpenAIUsage } from "./convert-response.ts";
import { mapFinishReason } from "./map-finish-reason.ts";
import { mapStreamError } from "./map-error.ts";
import { isRecord, readOllamaError } from "./ollama-api.ts";

type ChunkDelta = ChatCompletionChunk["choices"][number]["delta"] & { reasoning_content?: string };

export function createStreamConverter(context: ProviderContext, request: ChatCompletionRequest): StreamConverter {
  const forwardUsage = request.stream_options?.include_usage === true;
  const id = toCompletionId(context);
  let model = context.publicModel;
  let started = false;
  let done = false;
  let toolCount = 0;
  let usage: TokenUsage | undefined;

  function chunk(delta: ChunkDelta, finishReason: ChatCompletionChunk["choices"][number]["finish_reason"] = null): ChatCompletionChunk {
    if (!started) {
      started = true;
      delta = { role: "assistant", ...delta };
    }
    return { id, object: "chat.completion.chunk", created: context.created, model, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }] };
  }

  function push(event: UpstreamEvent): ChatCompletionChunk[] {
    if (done) return [];
    const line = parseStreamEvent("ollama", event.data, "a stream line");
    if (readOllamaError(line) !== null) throw mapStreamError(line);
    if (typeof line.model === "string") model = line.model;

    const chunks: ChatCompletionChunk[] = [];
    const message = isRecord(line.message) ? line.message : {};
    const delta: ChunkDelta = {};
    if (typeof message.thinking === "string" && message.thinking.length > 0) delta.reasoning_content = message.thinking;
    if (typeof message.content === "string" && message.content.length > 0) delta.content = message.content;
    if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      const calls = convertToolCalls(message.tool_calls, context, toolCount);
      delta.tool_calls = calls.map((call, position) => ({ index: toolCount + position, ...call }));
      toolCount += calls.length;
    }
    if (Object.keys(delta).length > 0) chunks.push(chunk(delta));

    if (line.done === true) {
      done = true;
      usage = readUsage(line);
      chunks.push(chunk({}, mapFinishReason(line.done_reason, toolCount > 0)));
      if (forwardUsage) chunks.push({ id, object: "chat.completion.chunk", created: context.created, model, choices: [], usage: toOpenAIUsage(usage) });
    }
    return chunks;
  }

  function end(): ChatCompletionChunk[] {
    if (!done) throw streamEndedEarly("ollama", "before its final (done) line: the answer is incomplete");
    return [];
  }

  return { push, end, usage: () => usage };
}
