/**
 * `streamGenerateContent?alt=sse` events -> chat.completion.chunk (Gemini API and Vertex AI).
 * Every event is a whole GenerateContentResponse holding the next piece of each candidate:
 * - the first piece of a candidate is preceded by a role chunk (role assistant, empty content);
 * - text parts (not `thought: true`) -> content deltas, the event's `logprobsResult` on the first
 *   (convert-logprobs.ts); thought parts -> reasoning_content deltas; the first thought signature ->
 *   a thinking_blocks delta, marked as Gemini's (thinking.ts);
 * - functionCall parts arrive complete -> one tool call delta each (index counted per
 *   candidate, id as in convert-response.ts, the whole arguments at once);
 * - finishReason -> a chunk with the mapped finish_reason (tool_calls when the candidate
 *   called a function);
 * - `usageMetadata` is cumulative: the last one counts; the usage chunk (choices: []) is sent
 *   at the end when the client asked for it (`stream_options.include_usage`);
 * - `promptFeedback.blockReason` without candidates -> a refusal and finish_reason content_filter;
 * - an `{"error": ...}` event -> GatewayError.
 * The stream is complete once every candidate seen has a finishReason (or the prompt was blocked).
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { ChatCompletionChunk, ChatCompletionRequest, ChoiceLogprobs, FinishReason, TokenUsage } from "../../http/openai-types.ts";
import { parseStreamEvent } from "../shared/parse-stream-event.ts";
import { streamEndedEarly } from "../shared/stream-ended-early.ts";
import type { ProviderContext, StreamConverter, UpstreamEvent } from "../types.ts";
import { toClientSignature } from "./thinking.ts";
import { convertLogprobs } from "./convert-logprobs.ts";
import { readBlockedPrompt, readFunctionCall, toCompletionId, toolCallId } from "./convert-response.ts";
import { isRecord, readUsage, toOpenAIUsage, toTokenUsage, zeroGeminiUsage } from "./gemini-api.ts";
import type { GeminiUsage, JsonRecord } from "./gemini-api.ts";
import { malformedOutputError, mapGoogleStreamError } from "./map-error.ts";
import type { GoogleErrorOptions } from "./map-error.ts";
import { isMalformed, mapFinishReason } from "./map-finish-reason.ts";

type ChunkDelta = ChatCompletionChunk["choices"][number]["delta"];

interface CandidateState {
  started: boolean;
  toolCount: number;
  hasOutput: boolean;
  finished: boolean;
  /** Its thought signature was sent. */
  signed: boolean;
}

export function createGeminiStreamConverter(context: ProviderContext, request: ChatCompletionRequest, errors: GoogleErrorOptions): StreamConverter {
  const { provider } = errors;
  const forwardUsage = request.stream_options?.include_usage === true;
  let id: string | undefined;
  let model = context.publicModel;
  let usage: GeminiUsage | undefined;
  let blocked = false;
  const candidates = new Map<number, CandidateState>();

  function chunk(index: number, delta: ChunkDelta, finishReason: FinishReason | null = null, logprobs: ChoiceLogprobs | null = null): ChatCompletionChunk {
    return {
      id: id ?? `chatcmpl-${context.requestId}`,
      object: "chat.completion.chunk",
      created: context.created,
      model,
      choices: [{ index, delta, finish_reason: finishReason, logprobs }],
    };
  }

  function stateOf(index: number, out: ChatCompletionChunk[]): CandidateState {
    let state = candidates.get(index);
    if (state === undefined) {
      state = { started: false, toolCount: 0, hasOutput: false, finished: false, signed: false };
      candidates.set(index, state);
    }
    if (!state.started) {
      state.started = true;
      out.push(chunk(index, { role: "assistant", content: "" }));
    }
    return state;
  }

  function onCandidate(candidate: unknown, position: number, out: ChatCompletionChunk[]): void {
    if (!isRecord(candidate)) throw badUpstreamResponse(provider, "a stream candidate is not an object");
    const index = typeof candidate.index === "number" ? candidate.index : position;
    const state = stateOf(index, out);
    if (state.finished) return;
    const content = isRecord(candidate.content) ? candidate.content : {};
    const parts = Array.isArray(content.parts) ? content.parts : [];
    // The event's log probabilities go with its first text delta (or its finish chunk).
    let logprobs = convertLogprobs(candidate.logprobsResult);
    for (const part of parts) {
      if (!isRecord(part)) throw badUpstreamResponse(provider, "a stream part is not an object");
      // The first thought signature goes to the client as Gemini's (thinking.ts), to be sent back.
      if (!state.signed && typeof part.thoughtSignature === "string" && part.thoughtSignature.length > 0) {
        state.signed = true;
        out.push(chunk(index, { thinking_blocks: [{ type: "thinking", thinking: "", signature: toClientSignature(part.thoughtSignature) }] } as ChunkDelta));
      }
      if (part.thought === true) {
        if (typeof part.text === "string" && part.text.length > 0) out.push(chunk(index, { reasoning_content: part.text } as ChunkDelta));
        continue;
      }
      if (typeof part.text === "string") {
        if (part.text.length > 0) {
          state.hasOutput = true;
          out.push(chunk(index, { content: part.text }, null, logprobs));
          logprobs = null;
        }
        continue;
      }
      const call = readFunctionCall(part as JsonRecord, toolCallId(context, index, state.toolCount), provider);
      if (call) {
        state.hasOutput = true;
        out.push(chunk(index, { tool_calls: [{ index: state.toolCount++, id: call.id, type: "function", function: call.function }] }));
      }
    }
    if (candidate.finishReason !== undefined && candidate.finishReason !== null) {
      if (isMalformed(candidate.finishReason) && !state.hasOutput) {
        throw malformedOutputError(provider, candidate.finishReason as string, candidate.finishMessage);
      }
      state.finished = true;
      out.push(chunk(index, {}, mapFinishReason(candidate.finishReason, state.toolCount > 0), logprobs));
    }
  }

  function push(event: UpstreamEvent): ChatCompletionChunk[] {
    const payload = parseStreamEvent(provider, event.data);
    if (payload.error !== undefined) throw mapGoogleStreamError(payload, errors);
    if (id === undefined && typeof payload.responseId === "string") id = toCompletionId(payload.responseId, context);
    if (typeof payload.modelVersion === "string" && payload.modelVersion.length > 0) model = payload.modelVersion;
    usage = readUsage(payload.usageMetadata) ?? usage;

    const out: ChatCompletionChunk[] = [];
    const list = payload.candidates;
    if (Array.isArray(list) && list.length > 0) {
      for (let position = 0; position < list.length; position++) onCandidate(list[position], position, out);
    } else if (!blocked && candidates.size === 0) {
      const refusal = readBlockedPrompt(payload.promptFeedback, provider);
      if (refusal !== null) {
        blocked = true;
        out.push(chunk(0, { role: "assistant", content: "" }), chunk(0, { refusal }), chunk(0, {}, "content_filter"));
      }
    }
    return out;
  }

  function end(): ChatCompletionChunk[] {
    const complete = blocked || (candidates.size > 0 && [...candidates.values()].every((state) => state.finished));
    if (!complete) throw streamEndedEarly(provider, "before every answer had a finishReason: the answer is incomplete");
    if (!forwardUsage) return [];
    return [
      {
        id: id ?? `chatcmpl-${context.requestId}`,
        object: "chat.completion.chunk",
        created: context.created,
        model,
        choices: [],
        usage: toOpenAIUsage(usage ?? zeroGeminiUsage),
      },
    ];
  }

  return { push, end, usage: (): TokenUsage | undefined => (usage ? toTokenUsage(usage) : undefined) };
}

export function createStreamConverter(context: ProviderContext, request: ChatCompletionRequest): StreamConverter {
  return createGeminiStreamConverter(context, request, { provider: "gemini", credential: "API key" });
}
