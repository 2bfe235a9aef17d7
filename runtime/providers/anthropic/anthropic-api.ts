/**
 * Minimal wire shapes of Anthropic's Messages API: what gw writes, and readers of what
 * it reads back. Upstream JSON is untrusted; everything gw relies on is checked.
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://docs.anthropic.com/en/api/messages-streaming
 */
import type { JsonObject } from "../../http/openai-types.ts";
import { isRecord, readCount } from "../openai/openai-api.ts";
import type { JsonRecord } from "../openai/openai-api.ts";

export { isRecord, readCount };
export type { JsonRecord };

export const anthropicVersion = "2023-06-01";

export interface AnthropicTextBlock {
  type: "text";
  text: string;
}

export type AnthropicSource =
  | { type: "base64"; media_type: string; data: string }
  | { type: "url"; url: string };

export interface AnthropicImageBlock {
  type: "image";
  source: AnthropicSource;
}

export interface AnthropicDocumentBlock {
  type: "document";
  source: AnthropicSource;
}

export interface AnthropicToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: JsonObject;
}

export interface AnthropicToolResultBlock {
  type: "tool_result";
  tool_use_id: string;
  content: string | AnthropicTextBlock[];
}

/** A thinking block sent back in the history (with its signature), or a redacted one. */
export type AnthropicThinkingBlock = { type: "thinking"; thinking: string; signature: string } | { type: "redacted_thinking"; data: string };

export type AnthropicContentBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicThinkingBlock;

export interface AnthropicMessage {
  role: "user" | "assistant";
  content: AnthropicContentBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: JsonObject;
}

export type AnthropicToolChoice =
  | { type: "auto" | "any"; disable_parallel_tool_use?: boolean }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean }
  | { type: "none" };

export interface AnthropicRequestBody {
  model: string;
  messages: AnthropicMessage[];
  max_tokens: number;
  system?: AnthropicTextBlock[];
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  metadata?: { user_id: string };
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  /** Extended thinking, with its token budget (at least 1024, below max_tokens). */
  thinking?: { type: "enabled"; budget_tokens: number };
  /** Structured outputs (beta `structured-outputs-2025-11-13`): the answer's text follows the schema. */
  output_format?: { type: "json_schema"; schema: Record<string, unknown> };
  stream?: boolean;
}

/**
 * The synthetic tool gw forces when a client asks for `response_format` JSON: Claude
 * answers through the tool's input, which gw turns back into message text. Reserved:
 * a client tool may not use this name.
 */
export { responseFormatToolName } from "../shared/response-format-tool.ts";

/** Token counts of a message (`usage`), also found in message_start and message_delta events. */
export interface AnthropicUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** Read the usage object; fields absent stay as in `previous` (message_delta repeats only some). */
export function readUsage(value: unknown, previous?: AnthropicUsage): AnthropicUsage {
  const base = previous ?? { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  if (!isRecord(value)) return base;
  const pick = (field: unknown, fallback: number): number => (typeof field === "number" ? readCount(field) : fallback);
  return {
    inputTokens: pick(value.input_tokens, base.inputTokens),
    outputTokens: pick(value.output_tokens, base.outputTokens),
    cacheReadTokens: pick(value.cache_read_input_tokens, base.cacheReadTokens),
    cacheWriteTokens: pick(value.cache_creation_input_tokens, base.cacheWriteTokens),
  };
}

/** `stop_details.explanation` of a refusal, when Anthropic gives one. */
export function readRefusalExplanation(stopDetails: unknown): string | null {
  return isRecord(stopDetails) && typeof stopDetails.explanation === "string" ? stopDetails.explanation : null;
}

/** Anthropic's error body `{"type": "error", "error": {"type", "message"}}`. */
export function readWireError(payload: unknown): { type: string | null; message: string | null } | null {
  if (!isRecord(payload) || !isRecord(payload.error)) return null;
  const { type, message } = payload.error;
  return {
    type: typeof type === "string" ? type : null,
    message: typeof message === "string" && message.length > 0 ? message : null,
  };
}
