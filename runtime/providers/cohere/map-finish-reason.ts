import { GatewayError } from "../../http/errors.ts";
import type { FinishReason } from "../../http/openai-types.ts";

/**
 * Cohere `finish_reason` -> OpenAI `finish_reason`. ERROR and TIMEOUT mean the generation
 * failed: they are errors (retryable), not a normal end, so a client never takes a broken answer
 * for a complete one. Unknown future values count as `stop`.
 * @see https://docs.cohere.com/reference/chat#response.body.finish_reason
 */
const finishReasons: Readonly<Record<string, FinishReason>> = {
  COMPLETE: "stop",
  STOP_SEQUENCE: "stop",
  USER_CANCEL: "stop",
  MAX_TOKENS: "length",
  ERROR_LIMIT: "length",
  TOOL_CALL: "tool_calls",
  ERROR_TOXIC: "content_filter",
};

export function mapFinishReason(finishReason: unknown): FinishReason {
  if (finishReason === "ERROR") {
    throw new GatewayError({
      status: 502,
      type: "upstream_error",
      code: "upstream_generation_failed",
      retryable: true,
      message: "The cohere model failed while generating the answer (finish_reason ERROR). Retry the request.",
    });
  }
  if (finishReason === "TIMEOUT") {
    throw new GatewayError({
      status: 504,
      type: "timeout_error",
      code: "upstream_generation_timeout",
      retryable: true,
      message: "The cohere model timed out while generating the answer (finish_reason TIMEOUT). Retry the request.",
    });
  }
  return typeof finishReason === "string" && Object.hasOwn(finishReasons, finishReason) ? finishReasons[finishReason]! : "stop";
}
