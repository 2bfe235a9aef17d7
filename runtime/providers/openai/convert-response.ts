/**
 * An OpenAI(-compatible) chat.completion -> gw's ChatCompletion, normalized so that it
 * satisfies OpenAI's own schema whatever the vendor sent (`refusal` and `logprobs`
 * present, tool calls typed and indexed, finish reasons in OpenAI's vocabulary), plus
 * gw's TokenUsage. The parsed body is normalized in place: it is gw's own copy.
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { ChatCompletion, TokenUsage } from "../../http/openai-types.ts";
import type { ConvertedResponse, ProviderContext } from "../types.ts";
import { mapFinishReason } from "./map-finish-reason.ts";
import { isRecord, openAIServiceTiers, readCount } from "./openai-api.ts";
import type { JsonRecord, OpenAIWireUsage } from "./openai-api.ts";

export const zeroUsage: Readonly<TokenUsage> = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
});

/**
 * OpenAI usage -> TokenUsage, of a usage object normalizeWireUsage has made OpenAI's: `prompt_tokens`
 * includes cached tokens, so the uncached input is what remains; `completion_tokens` includes
 * reasoning tokens.
 */
export function toTokenUsage(usage: OpenAIWireUsage): TokenUsage {
  const prompt = readCount(usage.prompt_tokens);
  const cacheRead = Math.min(prompt, readCount(usage.prompt_tokens_details?.cached_tokens));
  const cacheWrite = Math.min(prompt - cacheRead, readCount(usage.prompt_tokens_details?.cache_write_tokens));
  return {
    inputTokens: prompt - cacheRead - cacheWrite,
    outputTokens: readCount(usage.completion_tokens),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: readCount(usage.completion_tokens_details?.reasoning_tokens),
  };
}

/**
 * Make a usage object OpenAI's and schema-valid (the three counts present as integers); returns it.
 * A vendor that counts reasoning tokens apart from `completion_tokens` (xAI: total = prompt +
 * completion + reasoning) is recognized by its total, and its completion_tokens made to include
 * them as OpenAI's do, so every dialect's answer and gw's spend read the same output count.
 */
export function normalizeWireUsage(usage: JsonRecord): JsonRecord {
  const prompt = readCount(usage.prompt_tokens);
  let completion = readCount(usage.completion_tokens);
  const details = usage.completion_tokens_details;
  const reasoning = isRecord(details) ? readCount(details.reasoning_tokens) : 0;
  const total = typeof usage.total_tokens === "number" ? readCount(usage.total_tokens) : prompt + completion;
  if (reasoning > 0 && total === prompt + completion + reasoning) completion += reasoning;
  usage.prompt_tokens = prompt;
  usage.completion_tokens = completion;
  usage.total_tokens = total;
  return usage;
}

/** Tool calls in a message: typed, with string arguments; returns a description of the problem or null. */
function normalizeToolCalls(toolCalls: unknown[], context: ProviderContext, choiceIndex: number): string | null {
  for (let index = 0; index < toolCalls.length; index++) {
    const call = toolCalls[index];
    if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== "string") {
      return `choices[${choiceIndex}].message.tool_calls[${index}] has no function name`;
    }
    if (typeof call.id !== "string") call.id = `call_${context.requestId}_${choiceIndex}_${index}`;
    if (call.type === undefined) call.type = "function";
    const args = call.function.arguments;
    if (typeof args !== "string") call.function.arguments = args === undefined || args === null ? "{}" : JSON.stringify(args);
  }
  return null;
}

/**
 * Text and reasoning of a content value some vendors send as an array of parts: text parts, and
 * Mistral's reasoning models' thinking parts (`{type: "thinking", thinking: [{type: "text", text}]}`),
 * whose text is reasoning (`reasoning_content`), never answer text. undefined: not content at all.
 */
export function contentParts(content: unknown): { text: string | null; reasoning: string | null } | undefined {
  if (content === undefined || content === null) return { text: null, reasoning: null };
  if (typeof content === "string") return { text: content, reasoning: null };
  if (!Array.isArray(content)) return undefined;
  let text = "";
  let reasoning: string | null = null;
  for (const part of content) {
    if (!isRecord(part)) return undefined;
    if (part.type === "thinking") {
      const thought = Array.isArray(part.thinking) ? part.thinking : typeof part.thinking === "string" ? [{ text: part.thinking }] : [];
      for (const piece of thought) if (isRecord(piece) && typeof piece.text === "string") reasoning = (reasoning ?? "") + piece.text;
    } else if (typeof part.text === "string") text += part.text;
    else return undefined;
  }
  return { text, reasoning };
}

export function convertResponse(provider: string, body: unknown, context: ProviderContext): ConvertedResponse {
  if (!isRecord(body)) throw badUpstreamResponse(provider, "the body is not a JSON object");
  const choices = body.choices;
  if (!Array.isArray(choices)) throw badUpstreamResponse(provider, "no choices array");
  for (let index = 0; index < choices.length; index++) {
    const choice: unknown = choices[index];
    if (!isRecord(choice) || !isRecord(choice.message)) throw badUpstreamResponse(provider, `choices[${index}] has no message`);
    const message = choice.message;
    message.role = "assistant";
    const parts = contentParts(message.content);
    if (parts === undefined) throw badUpstreamResponse(provider, `choices[${index}].message.content is not text`);
    message.content = parts.text;
    if (parts.reasoning !== null) message.reasoning_content = parts.reasoning;
    if (typeof message.refusal !== "string") message.refusal = null;
    if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      const problem = normalizeToolCalls(message.tool_calls, context, index);
      if (problem !== null) throw badUpstreamResponse(provider, problem);
    } else if (message.tool_calls !== undefined) {
      message.tool_calls = undefined;
    }
    if (typeof choice.index !== "number") choice.index = index;
    if (choice.logprobs === undefined) choice.logprobs = null;
    choice.finish_reason = mapFinishReason(choice.finish_reason) ?? (message.tool_calls ? "tool_calls" : "stop");
  }
  body.object = "chat.completion";
  if (typeof body.id !== "string") body.id = `chatcmpl-${context.requestId}`;
  if (typeof body.created !== "number") body.created = context.created;
  if (typeof body.model !== "string") body.model = context.publicModel;
  if (body.service_tier !== undefined && body.service_tier !== null && !openAIServiceTiers.has(String(body.service_tier))) {
    body.service_tier = undefined;
  }
  if (body.system_fingerprint === null) body.system_fingerprint = undefined;
  let usage: TokenUsage = { ...zeroUsage };
  if (isRecord(body.usage)) usage = toTokenUsage(normalizeWireUsage(body.usage));
  else body.usage = undefined;
  return { completion: body as unknown as ChatCompletion, usage };
}
