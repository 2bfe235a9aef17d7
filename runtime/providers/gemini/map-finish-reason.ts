import type { FinishReason } from "../../http/openai-types.ts";

/**
 * Gemini `finishReason` -> OpenAI `finish_reason`.
 * - A candidate that called a function reports STOP; gw answers `tool_calls`.
 * - Every blocking reason (safety, recitation, blocklist, prohibited content, personal data,
 *   and their image variants) is `content_filter`.
 * - MALFORMED_FUNCTION_CALL and MALFORMED_RESPONSE mean the model produced nothing usable:
 *   `isMalformed` tells the converters, which then fail with a retryable error when the
 *   candidate has no content (see convert-response.ts).
 * - LANGUAGE, OTHER, UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS, unknown future values: `stop`.
 * @see https://ai.google.dev/api/generate-content#FinishReason
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/GenerateContentResponse#FinishReason
 */
const finishReasons: Readonly<Record<string, FinishReason>> = {
  STOP: "stop",
  MAX_TOKENS: "length",
  SAFETY: "content_filter",
  RECITATION: "content_filter",
  BLOCKLIST: "content_filter",
  PROHIBITED_CONTENT: "content_filter",
  SPII: "content_filter",
  IMAGE_SAFETY: "content_filter",
  IMAGE_PROHIBITED_CONTENT: "content_filter",
  IMAGE_RECITATION: "content_filter",
};

const malformedReasons: ReadonlySet<string> = new Set(["MALFORMED_FUNCTION_CALL", "MALFORMED_RESPONSE"]);

export function mapFinishReason(finishReason: unknown, hasToolCalls: boolean): FinishReason {
  const mapped = typeof finishReason === "string" && Object.hasOwn(finishReasons, finishReason) ? finishReasons[finishReason]! : "stop";
  return mapped === "stop" && hasToolCalls ? "tool_calls" : mapped;
}

export function isMalformed(finishReason: unknown): boolean {
  return typeof finishReason === "string" && malformedReasons.has(finishReason);
}
