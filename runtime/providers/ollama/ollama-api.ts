/**
 * Minimal wire shapes of Ollama's native API: only what gw writes or reads.
 * Differences from OpenAI that the converters rely on:
 * - tool-call `arguments` are a JSON object, not a string, and calls carry no id (recent
 *   servers may add one); tool results name the function (`tool_name`), not a call id;
 * - images are base64 strings in a message's `images`, never URLs;
 * - sampling parameters live in `options` (`num_predict` is the output token limit);
 * - a stream is NDJSON: one ChatResponse per line, the last with `done: true`, `done_reason`
 *   and the token counts (`prompt_eval_count`, `eval_count`);
 * - errors are `{"error": "text"}`, also as a line inside a stream.
 * @see https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
 */
import type { JsonObject } from "../../http/openai-types.ts";
import { isRecord } from "../openai/openai-api.ts";
import type { JsonRecord } from "../openai/openai-api.ts";

export { isRecord };
export type { JsonRecord };

export interface OllamaToolCall {
  id?: string;
  function: { index?: number; name: string; arguments: JsonObject };
}

export interface OllamaMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  images?: string[];
  thinking?: string;
  tool_calls?: OllamaToolCall[];
  tool_name?: string;
}

export interface OllamaTool {
  type: "function";
  function: { name: string; description?: string; parameters?: JsonObject };
}

export interface OllamaOptions {
  temperature?: number;
  top_p?: number;
  seed?: number;
  stop?: string[];
  num_predict?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  [key: string]: unknown;
}

export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  stream: boolean;
  tools?: OllamaTool[];
  /** "json" for JSON mode, or a JSON schema for structured outputs. */
  format?: "json" | JsonObject;
  options?: OllamaOptions;
  /** true/false, or "low" | "medium" | "high" for models with thinking levels. */
  think?: boolean | string;
  keep_alive?: string | number;
}

/** A non-negative integer token count, or 0. */
export function readCount(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** The `error` text of an Ollama error body or stream line, or null. */
export function readOllamaError(payload: unknown): string | null {
  if (!isRecord(payload)) return null;
  const error = payload.error;
  if (typeof error === "string" && error.length > 0) return error;
  if (isRecord(error) && typeof error.message === "string") return error.message;
  return null;
}
