/**
 * OpenAI(-compatible) stream events -> chat.completion.chunk, one for one.
 *
 * Invariants:
 * - gw always asks the upstream for usage; the client sees usage only if it asked for it
 *   (`stream_options.include_usage`): otherwise the usage-only chunk is dropped and
 *   `usage` is removed from other chunks (some vendors put it on the finish chunk).
 * - Every chunk sent satisfies OpenAI's chunk schema: `finish_reason` present (null until
 *   the end) and in OpenAI's vocabulary, tool call deltas carry an `index`.
 * - The stream is complete after `[DONE]`, or after a finish_reason for servers that
 *   omit `[DONE]`; ending before either is an error (the answer was cut short).
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { ChatCompletionChunk, ChatCompletionRequest, TokenUsage } from "../../http/openai-types.ts";
import { parseStreamEvent } from "../shared/parse-stream-event.ts";
import { streamEndedEarly } from "../shared/stream-ended-early.ts";
import type { ProviderContext, StreamConverter, UpstreamEvent } from "../types.ts";
import { clientWantsUsage } from "./convert-request.ts";
import { contentParts, normalizeWireUsage, toTokenUsage } from "./convert-response.ts";
import { mapFinishReason } from "./map-finish-reason.ts";
import { mapStreamError } from "./map-error.ts";
import { isRecord, openAIServiceTiers } from "./openai-api.ts";
import type { JsonRecord } from "./openai-api.ts";

export function createStreamConverter(provider: string, context: ProviderContext, request: ChatCompletionRequest): StreamConverter {
  const forwardUsage = clientWantsUsage(request);
  let done = false;
  let finished = false;
  let usage: TokenUsage | undefined;
  /** Next tool call index, for vendors (Mistral) whose tool call deltas have none. */
  let nextToolIndex = 0;
  /** Choices whose first delta has gone out (it names the role). */
  const rolesSent = new Set<number>();

  function normalizeToolCallDeltas(toolCalls: unknown[]): void {
    for (const call of toolCalls) {
      if (!isRecord(call)) throw badUpstreamResponse(provider, "a tool call delta is not an object");
      if (typeof call.index === "number") {
        nextToolIndex = Math.max(nextToolIndex, call.index + 1);
      } else {
        call.index = typeof call.id === "string" ? nextToolIndex++ : Math.max(0, nextToolIndex - 1);
      }
      if (typeof call.id === "string" && call.type === undefined) call.type = "function";
      if (isRecord(call.function)) {
        const args = call.function.arguments;
        if (args !== undefined && typeof args !== "string") call.function.arguments = JSON.stringify(args);
      }
    }
  }

  function normalizeChoice(choice: unknown, position: number): void {
    if (!isRecord(choice)) throw badUpstreamResponse(provider, "a stream choice is not an object");
    if (typeof choice.index !== "number") choice.index = position;
    if (!isRecord(choice.delta)) choice.delta = {};
    const delta = choice.delta as JsonRecord;
    // OpenAI never sends `role: null`, and names the role on the first delta of each choice.
    if (delta.role === null) delta.role = undefined;
    const choiceIndex = choice.index as number;
    if (!rolesSent.has(choiceIndex) && delta.role === undefined) delta.role = "assistant";
    rolesSent.add(choiceIndex);
    // Parts instead of a string (Mistral's reasoning models): text as content, thinking as reasoning_content.
    if (Array.isArray(delta.content)) {
      const parts = contentParts(delta.content);
      if (parts === undefined) throw badUpstreamResponse(provider, "a stream delta's content is not text");
      delta.content = parts.text === "" && parts.reasoning !== null ? undefined : parts.text;
      if (parts.reasoning !== null) delta.reasoning_content = parts.reasoning;
    }
    if (Array.isArray(delta.tool_calls)) normalizeToolCallDeltas(delta.tool_calls);
    else if (delta.tool_calls !== undefined) delta.tool_calls = undefined;
    const finishReason = mapFinishReason(choice.finish_reason);
    choice.finish_reason = finishReason;
    if (finishReason !== null) finished = true;
  }

  function push(event: UpstreamEvent): ChatCompletionChunk[] {
    const data = event.data;
    if (data === "[DONE]") {
      done = true;
      return [];
    }
    if (done) return [];
    const chunk = parseStreamEvent(provider, data);
    if (chunk.error !== undefined && chunk.error !== null) throw mapStreamError(provider, chunk);

    const hasUsage = isRecord(chunk.usage);
    if (hasUsage) usage = toTokenUsage(normalizeWireUsage(chunk.usage as JsonRecord));
    let choices = chunk.choices;
    if (!Array.isArray(choices)) {
      if (!hasUsage) throw badUpstreamResponse(provider, "a stream chunk has no choices array");
      choices = chunk.choices = [];
    }
    const list = choices as unknown[];
    if (list.length === 0 && !forwardUsage) return [];
    for (let position = 0; position < list.length; position++) normalizeChoice(list[position], position);
    // Usage travels alone, in a last chunk with no choices, as OpenAI sends it (Mistral and others put
    // it on the finishing chunk); it reaches only clients that asked for it.
    const splitUsage = forwardUsage && list.length > 0 && hasUsage ? chunk.usage : undefined;
    if (splitUsage !== undefined || (!forwardUsage && chunk.usage !== undefined)) chunk.usage = undefined;

    chunk.object = "chat.completion.chunk";
    if (typeof chunk.id !== "string") chunk.id = `chatcmpl-${context.requestId}`;
    if (typeof chunk.created !== "number") chunk.created = context.created;
    if (typeof chunk.model !== "string") chunk.model = context.publicModel;
    if (chunk.service_tier !== undefined && chunk.service_tier !== null && !openAIServiceTiers.has(String(chunk.service_tier))) {
      chunk.service_tier = undefined;
    }
    if (chunk.system_fingerprint === null) chunk.system_fingerprint = undefined;
    if (splitUsage !== undefined) return [chunk as unknown as ChatCompletionChunk, { ...chunk, choices: [], usage: splitUsage } as unknown as ChatCompletionChunk];
    return [chunk as unknown as ChatCompletionChunk];
  }

  function end(): ChatCompletionChunk[] {
    if (!done && !finished) throw streamEndedEarly(provider, "before the answer was complete (no finish_reason and no [DONE])");
    return [];
  }

  return { push, end, usage: () => usage };
}
