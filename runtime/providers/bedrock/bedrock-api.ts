/**
 * Minimal wire shapes of Amazon Bedrock's Converse API: what gw writes, and readers of what
 * it reads back. Upstream JSON is untrusted; everything gw relies on is checked.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 */
import type { JsonObject } from "../../http/openai-types.ts";
import { isRecord, readCount } from "../openai/openai-api.ts";
import type { JsonRecord } from "../openai/openai-api.ts";

export { isRecord, readCount };
export type { JsonRecord };

export type BedrockImageFormat = "png" | "jpeg" | "gif" | "webp";

export type BedrockDocumentFormat = "pdf" | "csv" | "doc" | "docx" | "xls" | "xlsx" | "html" | "txt" | "md";

/** Bytes are base64 in the JSON protocol. */
export type BedrockContentBlock =
  | { text: string }
  | { image: { format: BedrockImageFormat; source: { bytes: string } } }
  | { document: { format: BedrockDocumentFormat; name: string; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: JsonObject } }
  | { toolResult: { toolUseId: string; content: Array<{ text: string }>; status?: "success" | "error" } }
  /** Extended thinking sent back in the history: the text with its signature, or redacted content (base64). */
  | { reasoningContent: { reasoningText: { text: string; signature: string } } | { redactedContent: string } };

export interface BedrockMessage {
  role: "user" | "assistant";
  content: BedrockContentBlock[];
}

export interface BedrockTool {
  toolSpec: { name: string; description?: string; inputSchema: { json: JsonObject } };
}

export type BedrockToolChoice = { auto: JsonObject } | { any: JsonObject } | { tool: { name: string } };

export interface BedrockInferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

/** Structured output (`outputConfig.textFormat`): the schema travels as a JSON string. */
export interface BedrockOutputConfig {
  textFormat: { type: "json_schema"; structure: { jsonSchema: { schema: string; name?: string; description?: string } } };
}

/** The body of Converse and ConverseStream (the model id is in the URL, not the body). */
export interface BedrockConverseBody {
  messages: BedrockMessage[];
  system?: Array<{ text: string }>;
  inferenceConfig?: BedrockInferenceConfig;
  toolConfig?: { tools: BedrockTool[]; toolChoice?: BedrockToolChoice };
  outputConfig?: BedrockOutputConfig;
  /** Fields passed to the model as they are (Claude's `thinking`). */
  additionalModelRequestFields?: JsonObject;
}

/** Token counts as gw reads them from `usage` (Converse body) or the `metadata` stream event. */
export interface BedrockUsage {
  /** Prompt tokens neither read from nor written to the cache. */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/**
 * Bedrock's TokenUsage. `inputTokens` excludes cache reads and writes (they are reported apart,
 * and `totalTokens` = input + output + cache read + cache write). Should a model report them
 * inside `inputTokens` instead (total = input + output while a cache count is non-zero), the
 * cached part is taken out, so that no token is priced twice.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html
 */
export function readUsage(value: unknown): BedrockUsage {
  if (!isRecord(value)) return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  const input = readCount(value.inputTokens);
  const output = readCount(value.outputTokens);
  const cacheRead = readCount(value.cacheReadInputTokens ?? value.cacheReadInputTokenCount);
  const cacheWrite = readCount(value.cacheWriteInputTokens ?? value.cacheWriteInputTokenCount);
  const total = readCount(value.totalTokens);
  const cached = cacheRead + cacheWrite;
  const cacheInsideInput = cached > 0 && total === input + output && input >= cached;
  return {
    inputTokens: cacheInsideInput ? input - cached : input,
    outputTokens: output,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
  };
}

/** Bedrock's error body: `{"message": "..."}` (some services spell it `Message`). */
export function readErrorMessage(payload: unknown): string | null {
  if (!isRecord(payload)) return null;
  const message = payload.message ?? payload.Message;
  return typeof message === "string" && message.length > 0 ? message : null;
}
