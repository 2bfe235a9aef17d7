/**
 * Reasoning that gw returned on assistant messages (`reasoning_content`, `thinking_blocks`: LiteLLM's
 * fields, and what a Messages or Responses client's history becomes) is for the provider that
 * produced it. OpenAI-wire upstreams do not take it back (OpenAI refuses unknown message fields,
 * DeepSeek refuses `reasoning_content` in input), so it is left out of their messages. The same
 * array is returned when no message carries any, so the common request copies nothing.
 */
import type { ChatCompletionRequest, ChatMessage } from "../../http/openai-types.ts";

export function withoutHistoryReasoning(messages: ChatMessage[]): ChatMessage[] {
  if (!Array.isArray(messages)) return messages;
  let found = false;
  for (const message of messages) {
    const fields = message as { reasoning_content?: unknown; thinking_blocks?: unknown };
    if (fields.reasoning_content !== undefined || fields.thinking_blocks !== undefined) {
      found = true;
      break;
    }
  }
  if (!found) return messages;
  return messages.map((message) => {
    const fields = message as ChatMessage & { reasoning_content?: unknown; thinking_blocks?: unknown };
    if (fields.reasoning_content === undefined && fields.thinking_blocks === undefined) return message;
    const { reasoning_content: _reasoning, thinking_blocks: _thinking, ...rest } = fields;
    return rest as ChatMessage;
  });
}

/** The warning for Anthropic's top_k, which an OpenAI-wire adapter leaves out (OpenAI refuses unknown fields). */
export function topKWarnings(request: ChatCompletionRequest, provider: string): string[] {
  return request.top_k === undefined ? [] : [`top_k dropped: not supported by ${provider}`];
}
