/**
 * GenerateContentResponse -> chat.completion (Gemini API and Vertex AI).
 * - Each candidate is a choice. Text parts are joined into `content`; parts marked
 *   `thought: true` (thought summaries, sent when asked with includeThoughts) are `reasoning_content`;
 *   `functionCall` parts become `tool_calls` (Google gives no ids, so gw makes stable ones:
 *   `call_<request id>_<candidate>_<n>`, the same in a stream). The first thought signature goes in
 *   `thinking_blocks` (with the reasoning text), marked as Gemini's (thinking.ts), so that a client
 *   sending the message back returns it. `logprobsResult` -> `logprobs` (convert-logprobs.ts).
 *   Inline data, code execution and citations are left out.
 * - finishReason is mapped (map-finish-reason.ts). A candidate that ended MALFORMED_FUNCTION_CALL
 *   with nothing usable makes the whole answer a retryable 502.
 * - A prompt blocked before any candidate (`promptFeedback.blockReason`) is one choice with
 *   finish_reason `content_filter` and the reason as `refusal`.
 * - Usage from `usageMetadata`: thoughts count as completion (and reasoning) tokens, cached
 *   content as cached prompt tokens.
 * @see https://ai.google.dev/api/generate-content#generatecontentresponse
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { ChatCompletion, ToolCall } from "../../http/openai-types.ts";
import type { ConvertedResponse, ProviderContext } from "../types.ts";
import { convertLogprobs } from "./convert-logprobs.ts";
import { isRecord, readUsage, toOpenAIUsage, toTokenUsage, zeroGeminiUsage } from "./gemini-api.ts";
import type { JsonRecord } from "./gemini-api.ts";
import { malformedOutputError } from "./map-error.ts";
import { isMalformed, mapFinishReason } from "./map-finish-reason.ts";
import { toClientSignature } from "./thinking.ts";

type Choice = ChatCompletion["choices"][number];

export function toolCallId(context: ProviderContext, candidate: number, index: number): string {
  return `call_${context.requestId}_${candidate}_${index}`;
}

export function toCompletionId(responseId: unknown, context: ProviderContext): string {
  return typeof responseId === "string" && responseId.length > 0 ? `chatcmpl-${responseId}` : `chatcmpl-${context.requestId}`;
}

/** The refusal text for a prompt Google blocked, or null when it was not blocked. */
export function readBlockedPrompt(promptFeedback: unknown, provider: string): string | null {
  if (!isRecord(promptFeedback) || typeof promptFeedback.blockReason !== "string") return null;
  return `The ${provider} upstream blocked the prompt (${promptFeedback.blockReason}).`;
}

/** The function call of a part, as an OpenAI tool call; null for any other part. */
export function readFunctionCall(part: JsonRecord, id: string, provider: string): ToolCall | null {
  const call = part.functionCall;
  if (call === undefined) return null;
  if (!isRecord(call) || typeof call.name !== "string") throw badUpstreamResponse(provider, "a functionCall part has no name");
  const upstreamId = typeof call.id === "string" && call.id.length > 0 ? call.id : id;
  return { id: upstreamId, type: "function", function: { name: call.name, arguments: JSON.stringify(isRecord(call.args) ? call.args : {}) } };
}

function convertCandidate(candidate: unknown, position: number, context: ProviderContext, provider: string): Choice {
  if (!isRecord(candidate)) throw badUpstreamResponse(provider, `candidates[${position}] is not an object`);
  const index = typeof candidate.index === "number" ? candidate.index : position;
  const content = isRecord(candidate.content) ? candidate.content : {};
  const parts = Array.isArray(content.parts) ? content.parts : [];
  let text = "";
  let hasText = false;
  let reasoning = "";
  let signature: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (let partIndex = 0; partIndex < parts.length; partIndex++) {
    const part: unknown = parts[partIndex];
    if (!isRecord(part)) throw badUpstreamResponse(provider, `candidates[${position}].content.parts[${partIndex}] is not an object`);
    if (signature === null && typeof part.thoughtSignature === "string" && part.thoughtSignature.length > 0) signature = part.thoughtSignature;
    if (part.thought === true) {
      if (typeof part.text === "string") reasoning += part.text;
      continue;
    }
    if (typeof part.text === "string") {
      text += part.text;
      hasText = true;
      continue;
    }
    const call = readFunctionCall(part, toolCallId(context, index, toolCalls.length), provider);
    if (call) toolCalls.push(call);
  }
  if (isMalformed(candidate.finishReason) && text.length === 0 && toolCalls.length === 0) {
    throw malformedOutputError(provider, candidate.finishReason as string, candidate.finishMessage);
  }
  const message: Choice["message"] = { role: "assistant", content: hasText || toolCalls.length === 0 ? text : null, refusal: null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== "") Object.assign(message, { reasoning_content: reasoning });
  if (signature !== null) Object.assign(message, { thinking_blocks: [{ type: "thinking", thinking: reasoning, signature: toClientSignature(signature) }] });
  return { index, message, finish_reason: mapFinishReason(candidate.finishReason, toolCalls.length > 0), logprobs: convertLogprobs(candidate.logprobsResult) };
}

export function convertGeminiResponse(body: unknown, context: ProviderContext, provider: string): ConvertedResponse {
  if (!isRecord(body)) throw badUpstreamResponse(provider, "the body is not a JSON object");
  const candidates = body.candidates;
  if (candidates !== undefined && !Array.isArray(candidates)) throw badUpstreamResponse(provider, "candidates is not an array");
  let choices: Choice[];
  if (Array.isArray(candidates) && candidates.length > 0) {
    choices = candidates.map((candidate: unknown, position) => convertCandidate(candidate, position, context, provider));
  } else {
    const blocked = readBlockedPrompt(body.promptFeedback, provider);
    if (blocked === null) throw badUpstreamResponse(provider, "no candidates and no promptFeedback.blockReason");
    choices = [{ index: 0, message: { role: "assistant", content: null, refusal: blocked }, finish_reason: "content_filter", logprobs: null }];
  }
  const usage = readUsage(body.usageMetadata) ?? zeroGeminiUsage;
  const completion: ChatCompletion = {
    id: toCompletionId(body.responseId, context),
    object: "chat.completion",
    created: context.created,
    model: typeof body.modelVersion === "string" && body.modelVersion.length > 0 ? body.modelVersion : context.publicModel,
    choices,
    usage: toOpenAIUsage(usage),
  };
  return { completion, usage: toTokenUsage(usage) };
}

export function convertResponse(body: unknown, context: ProviderContext): ConvertedResponse {
  return convertGeminiResponse(body, context, "gemini");
}
