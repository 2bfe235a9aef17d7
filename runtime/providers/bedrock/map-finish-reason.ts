import type { FinishReason } from "../../http/openai-types.ts";

/**
 * Bedrock Converse `stopReason` -> OpenAI `finish_reason`. A guardrail or content filter that
 * stopped the answer is `content_filter`; a model output Bedrock could not parse
 * (`malformed_model_output`, `malformed_tool_use`) ends the answer as it stands (`stop`).
 * Unknown future values count as `stop`.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
 */
const stopReasons: Readonly<Record<string, FinishReason>> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  guardrail_intervened: "content_filter",
  content_filtered: "content_filter",
  malformed_model_output: "stop",
  malformed_tool_use: "stop",
};

export function mapFinishReason(stopReason: unknown): FinishReason {
  return typeof stopReason === "string" && Object.hasOwn(stopReasons, stopReason) ? stopReasons[stopReason]! : "stop";
}
