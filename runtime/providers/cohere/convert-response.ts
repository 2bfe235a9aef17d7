/**
 * Cohere v2 chat response -> chat.completion.
 * Text content parts are joined into `content`; `thinking` parts (reasoning models) are left
 * out, and so are `tool_plan` (the words before tool calls) and citations, which have no place
 * in an OpenAI answer. Tool calls already have OpenAI's shape.
 * @see https://docs.cohere.com/reference/chat#response
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { ChatCompletion, TokenUsage, ToolCall, Usage } from "../../http/openai-types.ts";
import type { ConvertedResponse, ProviderContext } from "../types.ts";
import { isRecord, readUsage } from "./cohere-api.ts";
import type { CohereUsage } from "./cohere-api.ts";
import { mapFinishReason } from "./map-finish-reason.ts";

export function toTokenUsage(usage: CohereUsage): TokenUsage {
  return { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
}

export function toOpenAIUsage(usage: CohereUsage): Usage {
  return { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens };
}

export function toCompletionId(id: unknown, context: ProviderContext): string {
  return typeof id === "string" && id.length > 0 ? `chatcmpl-${id}` : `chatcmpl-${context.requestId}`;
}

/** A tool call as Cohere sends it; null when it has no id or name. */
export function readToolCall(value: unknown): ToolCall | null {
  if (!isRecord(value) || typeof value.id !== "string" || !isRecord(value.function) || typeof value.function.name !== "string") return null;
  const args = value.function.arguments;
  return {
    id: value.id,
    type: "function",
    function: { name: value.function.name, arguments: typeof args === "string" && args !== "" ? args : args === undefined || args === "" ? "{}" : JSON.stringify(args) },
  };
}

export function convertResponse(body: unknown, context: ProviderContext): ConvertedResponse {
  if (!isRecord(body)) throw badUpstreamResponse("cohere", "the body is not a JSON object");
  const message = body.message;
  if (!isRecord(message)) throw badUpstreamResponse("cohere", "no message object");
  const finishReason = mapFinishReason(body.finish_reason);

  let text = "";
  let hasText = false;
  if (Array.isArray(message.content)) {
    for (const part of message.content) {
      if (isRecord(part) && part.type === "text" && typeof part.text === "string") {
        text += part.text;
        hasText = true;
      }
    }
  } else if (message.content !== undefined && message.content !== null) {
    throw badUpstreamResponse("cohere", "message.content is not a list");
  }
  const toolCalls: ToolCall[] = [];
  if (Array.isArray(message.tool_calls)) {
    for (let index = 0; index < message.tool_calls.length; index++) {
      const call = readToolCall(message.tool_calls[index]);
      if (call === null) throw badUpstreamResponse("cohere", `message.tool_calls[${index}] has no id or function name`);
      toolCalls.push(call);
    }
  }

  const usage = readUsage(body.usage);
  const answer: ChatCompletion["choices"][number]["message"] = {
    role: "assistant",
    content: hasText ? text : toolCalls.length > 0 ? null : "",
    refusal: null,
  };
  if (toolCalls.length > 0) answer.tool_calls = toolCalls;
  const completion: ChatCompletion = {
    id: toCompletionId(body.id, context),
    object: "chat.completion",
    created: context.created,
    model: context.publicModel,
    choices: [{ index: 0, message: answer, finish_reason: finishReason, logprobs: null }],
    usage: toOpenAIUsage(usage),
  };
  return { completion, usage: toTokenUsage(usage) };
}
