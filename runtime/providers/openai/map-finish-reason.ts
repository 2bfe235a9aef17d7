import type { FinishReason } from "../../http/openai-types.ts";

/**
 * finish_reason as OpenAI-compatible servers send it -> OpenAI's own values.
 * OpenAI: stop, length, tool_calls, content_filter, function_call.
 * Vendors add their own: Mistral `model_length` and `error`, some vLLM/TGI builds `eos` /
 * `eos_token`, some proxies pass Anthropic's `end_turn` / `max_tokens` / `tool_use` through.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 * @see https://docs.mistral.ai/api/#tag/chat/operation/chat_completion_v1_chat_completions_post
 */
const finishReasons: Readonly<Record<string, FinishReason>> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  content_filter: "content_filter",
  function_call: "function_call",
  model_length: "length",
  max_tokens: "length",
  eos: "stop",
  eos_token: "stop",
  end_turn: "stop",
  stop_sequence: "stop",
  tool_use: "tool_calls",
};

/** null while the choice is still going (stream) or when absent; an unknown value counts as `stop`. */
export function mapFinishReason(value: unknown): FinishReason | null {
  if (typeof value !== "string" || value.length === 0) return null;
  return Object.hasOwn(finishReasons, value) ? finishReasons[value]! : "stop";
}
