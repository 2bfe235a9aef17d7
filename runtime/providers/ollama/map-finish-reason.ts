import type { FinishReason } from "../../http/openai-types.ts";

/**
 * Ollama `done_reason` -> OpenAI `finish_reason`. Ollama reports `stop` even when the model
 * called tools, so a message with tool calls finishes with `tool_calls` whatever done_reason
 * says. `load` / `unload` (a request that only loaded a model) and unknown values count as `stop`.
 * @see https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
 */
const doneReasons: Readonly<Record<string, FinishReason>> = {
  stop: "stop",
  length: "length",
  load: "stop",
  unload: "stop",
};

export function mapFinishReason(doneReason: unknown, hasToolCalls: boolean): FinishReason {
  if (hasToolCalls) return "tool_calls";
  if (typeof doneReason !== "string") return "stop";
  return Object.hasOwn(doneReasons, doneReason) ? doneReasons[doneReason]! : "stop";
}
