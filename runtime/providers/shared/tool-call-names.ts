/**
 * OpenAI tool results name only the call they answer (`tool_call_id`); providers that want the
 * function's name on a tool result (Mistral's `name`, Ollama's `tool_name`) find it in the
 * assistant message that made the call.
 */
import type { ChatMessage } from "../../http/openai-types.ts";

/** Function name by tool call id, over every assistant message of the conversation. */
export function collectToolCallNames(messages: readonly ChatMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) {
    if (message.role !== "assistant" || !Array.isArray(message.tool_calls)) continue;
    for (const call of message.tool_calls) {
      if (typeof call?.id === "string" && typeof call.function?.name === "string") names.set(call.id, call.function.name);
    }
  }
  return names;
}
