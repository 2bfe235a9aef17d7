import type { FinishReason } from "../../http/openai-types.ts";

/**
 * Anthropic `stop_reason` -> OpenAI `finish_reason`.
 * `pause_turn` (a server-tool loop paused) is reported as `stop`: the turn is complete as
 * far as an OpenAI client can tell. Unknown future values count as `stop`.
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 * @see https://docs.anthropic.com/en/api/messages#response-stop-reason
 */
const stopReasons: Readonly<Record<string, FinishReason>> = {
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

/**
 * `onlyResponseFormatTool`: the only tool Claude called was gw's synthetic response_format
 * tool, whose input became the message text, so the answer simply stopped.
 */
export function mapFinishReason(stopReason: unknown, onlyResponseFormatTool = false): FinishReason {
  if (typeof stopReason !== "string") return "stop";
  if (stopReason === "tool_use" && onlyResponseFormatTool) return "stop";
  return Object.hasOwn(stopReasons, stopReason) ? stopReasons[stopReason]! : "stop";
}
