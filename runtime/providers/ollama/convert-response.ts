/**
 * Ollama ChatResponse (`/api/chat`, `stream: false`) -> chat.completion.
 * - Ollama gives no response id: it is derived from gw's request id, like the created time.
 * - Tool calls get OpenAI's shape: `arguments` stringified, an id when Ollama gave none
 *   (`call_<request id>_<n>`, stable for the response), `finish_reason: "tool_calls"`.
 * - Thinking (`message.thinking`, with `think` on) is returned as `reasoning_content`, the
 *   field OpenAI-compatible servers use for it; OpenAI's schema allows the extra field.
 * - usage: `prompt_eval_count` -> prompt tokens, `eval_count` -> completion tokens.
 * @see https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { ChatCompletion, ToolCall, TokenUsage, Usage } from "../../http/openai-types.ts";
import type { ConvertedResponse, ProviderContext } from "../types.ts";
import { mapFinishReason } from "./map-finish-reason.ts";
import { isRecord, readCount } from "./ollama-api.ts";
import type { JsonRecord } from "./ollama-api.ts";

export function toCompletionId(context: ProviderContext): string {
  return `chatcmpl-${context.requestId}`;
}

/** An id for the `index`-th tool call of a response that came without ids. */
export function toToolCallId(context: ProviderContext, index: number): string {
  return `call_${context.requestId}_${index}`;
}

export function readUsage(body: JsonRecord): TokenUsage {
  return {
    inputTokens: readCount(body.prompt_eval_count),
    outputTokens: readCount(body.eval_count),
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
  };
}

export function toOpenAIUsage(usage: TokenUsage): Usage {
  return { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens };
}

/** Ollama tool calls -> OpenAI's; `firstIndex` numbers calls across a stream. */
export function convertToolCalls(toolCalls: unknown, context: ProviderContext, firstIndex = 0): ToolCall[] {
  if (!Array.isArray(toolCalls)) throw badUpstreamResponse("ollama", "message.tool_calls is not an array");
  return toolCalls.map((call: unknown, position): ToolCall => {
    if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== "string") {
      throw badUpstreamResponse("ollama", `tool_calls[${position}] has no function name`);
    }
    const args = call.function.arguments;
    return {
      id: typeof call.id === "string" && call.id.length > 0 ? call.id : toToolCallId(context, firstIndex + position),
      type: "function",
      function: { name: call.function.name, arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}) },
    };
  });
}

export function convertResponse(body: unknown, context: ProviderContext): ConvertedResponse {
  if (!isRecord(body)) throw badUpstreamResponse("ollama", "the body is not a JSON object");
  const message = body.message;
  if (!isRecord(message)) throw badUpstreamResponse("ollama", "no message");
  if (message.content !== undefined && message.content !== null && typeof message.content !== "string") {
    throw badUpstreamResponse("ollama", "message.content is not text");
  }
  const toolCalls = Array.isArray(message.tool_calls) && message.tool_calls.length > 0 ? convertToolCalls(message.tool_calls, context) : [];
  const text = typeof message.content === "string" ? message.content : "";
  const usage = readUsage(body);
  const choiceMessage: ChatCompletion["choices"][number]["message"] & { reasoning_content?: string } = {
    role: "assistant",
    content: text === "" && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  if (toolCalls.length > 0) choiceMessage.tool_calls = toolCalls;
  if (typeof message.thinking === "string" && message.thinking.length > 0) choiceMessage.reasoning_content = message.thinking;
  const completion: ChatCompletion = {
    id: toCompletionId(context),
    object: "chat.completion",
    created: context.created,
    model: typeof body.model === "string" ? body.model : context.publicModel,
    choices: [{ index: 0, message: choiceMessage, finish_reason: mapFinishReason(body.done_reason, toolCalls.length > 0), logprobs: null }],
    usage: toOpenAIUsage(usage),
  };
  return { completion, usage };
}
