/**
 * Minimal Mistral wire shapes: the request fields Mistral's chat API accepts (it rejects any
 * other field with a 422 "Extra inputs are not permitted"), the tool-call id format, and its
 * error bodies. Responses and stream chunks are OpenAI-shaped and read by OpenAI's converters.
 * @see https://docs.mistral.ai/api/#tag/chat/operation/chat_completion_v1_chat_completions_post
 */
import { isRecord } from "../openai/openai-api.ts";
import type { OpenAIWireError } from "../openai/openai-api.ts";

/** Top-level fields of Mistral's chat completion request. */
export const mistralRequestFields: ReadonlySet<string> = new Set([
  "model",
  "messages",
  "temperature",
  "top_p",
  "max_tokens",
  "stream",
  "stop",
  "random_seed",
  "response_format",
  "tools",
  "tool_choice",
  "presence_penalty",
  "frequency_penalty",
  "n",
  "prediction",
  "parallel_tool_calls",
  "prompt_mode",
  "safe_prompt",
]);

/** Mistral accepts only tool-call ids of exactly nine letters and digits. */
export const mistralToolCallIdPattern = /^[a-zA-Z0-9]{9}$/;

export type MistralToolChoice = "auto" | "none" | "any" | "required" | { type: "function"; function: { name: string } };

export interface MistralToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type MistralMessage =
  | { role: "system"; content: unknown }
  | { role: "user"; content: unknown }
  | { role: "assistant"; content: unknown; tool_calls?: MistralToolCall[]; prefix?: boolean }
  | { role: "tool"; content: unknown; tool_call_id: string; name?: string };

/** Mistral's error, read into OpenAI's error fields (OpenAI's mapper maps it from there). */
export type MistralWireError = OpenAIWireError;

function readString(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

/** FastAPI-style validation details (`[{loc: ["body", "messages", 0], msg}]`) as one line. */
function describeDetails(details: unknown[]): string | null {
  const parts: string[] = [];
  for (const detail of details) {
    if (!isRecord(detail) || typeof detail.msg !== "string") continue;
    const location = Array.isArray(detail.loc) ? detail.loc.filter((part) => part !== "body").join(".") : "";
    parts.push(location ? `${location}: ${detail.msg}` : detail.msg);
  }
  return parts.length > 0 ? parts.join("; ") : null;
}

/**
 * Mistral's error bodies: `{"object":"error","message":"...","type","param","code"}`, the same
 * with `message: {"detail": [...]}` for a 422, `{"detail": ...}`, or `{"message":"Unauthorized"}`.
 */
export function readMistralError(payload: unknown): MistralWireError | null {
  if (!isRecord(payload)) return null;
  const code = typeof payload.code === "number" ? String(payload.code) : readString(payload.code);
  const base = { type: readString(payload.type), code, param: readString(payload.param) };
  const message = payload.message;
  if (typeof message === "string") return { ...base, message: readString(message) };
  if (isRecord(message) && Array.isArray(message.detail)) return { ...base, message: describeDetails(message.detail) };
  if (Array.isArray(payload.detail)) return { ...base, message: describeDetails(payload.detail) };
  if (typeof payload.detail === "string") return { ...base, message: readString(payload.detail) };
  if (isRecord(payload.error)) {
    return {
      message: readString(payload.error.message),
      type: readString(payload.error.type),
      code: readString(payload.error.code),
      param: readString(payload.error.param),
    };
  }
  return null;
}
