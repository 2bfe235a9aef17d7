/**
 * Minimal wire shapes of Cohere's v2 Chat and Embed APIs: what gw writes, and readers of what
 * it reads back. Upstream JSON is untrusted; everything gw relies on is checked.
 * @see https://docs.cohere.com/reference/chat
 * @see https://docs.cohere.com/reference/chat-stream
 * @see https://docs.cohere.com/reference/embed
 */
import type { JsonObject } from "../../http/openai-types.ts";
import { isRecord, readCount } from "../openai/openai-api.ts";
import type { JsonRecord } from "../openai/openai-api.ts";

export { isRecord, readCount };
export type { JsonRecord };

export type CohereUserContent = Array<{ type: "text"; text: string } | { type: "image_url"; image_url: { url: string; detail?: string } }>;

export interface CohereToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type CohereMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | CohereUserContent }
  | { role: "assistant"; content?: string; tool_plan?: string; tool_calls?: CohereToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

export interface CohereTool {
  type: "function";
  function: { name: string; description?: string; parameters: JsonObject };
}

export interface CohereChatBody {
  model: string;
  messages: CohereMessage[];
  stream: boolean;
  tools?: CohereTool[];
  tool_choice?: "REQUIRED" | "NONE";
  strict_tools?: boolean;
  max_tokens?: number;
  temperature?: number;
  p?: number;
  stop_sequences?: string[];
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  response_format?: { type: "json_object"; json_schema?: JsonObject };
}

export interface CohereUsage {
  inputTokens: number;
  outputTokens: number;
}

/**
 * Cohere reports `billed_units` (what the account pays for) and `tokens` (everything the model
 * read, Cohere's own prompt template included, of which `cached_tokens` were cached). gw prices
 * and reports the billed units, falling back to `tokens` when a deployment reports no billing.
 * The cached count refers to the template-inclusive total, not to billed input, so it is not
 * subtracted from anything.
 */
export function readUsage(value: unknown): CohereUsage {
  if (!isRecord(value)) return { inputTokens: 0, outputTokens: 0 };
  const counts = isRecord(value.billed_units) ? value.billed_units : isRecord(value.tokens) ? value.tokens : {};
  return { inputTokens: readCount(counts.input_tokens), outputTokens: readCount(counts.output_tokens) };
}
