/**
 * Minimal wire shapes of Google's `generateContent` API (Gemini API and Vertex AI share them):
 * what gw writes, and readers of what it reads back. Upstream JSON is untrusted; everything
 * gw relies on is checked.
 * @see https://ai.google.dev/api/generate-content
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
 */
import type { JsonObject, TokenUsage, Usage } from "../../http/openai-types.ts";
import { isRecord, readCount } from "../openai/openai-api.ts";
import type { JsonRecord } from "../openai/openai-api.ts";
import type { GeminiSchema } from "../shared/json-schema-to-gemini.ts";

export { isRecord, readCount };
export type { JsonRecord };

export type GeminiPart =
  | { text: string; thought?: boolean; thoughtSignature?: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType?: string; fileUri: string } }
  | { functionCall: { name: string; args: JsonObject }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: JsonObject } };

export interface GeminiContent {
  role: "user" | "model";
  parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: GeminiSchema;
}

export interface GeminiToolConfig {
  functionCallingConfig: { mode: "AUTO" | "ANY" | "NONE"; allowedFunctionNames?: string[] };
}

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: string;
  responseSchema?: GeminiSchema;
  thinkingConfig?: { thinkingBudget?: number; thinkingLevel?: string; includeThoughts?: boolean };
  responseLogprobs?: boolean;
  logprobs?: number;
}

export interface GeminiRequestBody {
  contents: GeminiContent[];
  systemInstruction?: { parts: Array<{ text: string }> };
  tools?: Array<{ functionDeclarations: GeminiFunctionDeclaration[] }>;
  toolConfig?: GeminiToolConfig;
  generationConfig?: GeminiGenerationConfig;
}

/** `usageMetadata`, read. */
export interface GeminiUsage {
  /** Whole prompt, cached part included (plus tool-use prompt tokens). */
  promptTokens: number;
  /** Answer tokens, thoughts excluded. */
  candidatesTokens: number;
  thoughtsTokens: number;
  cachedTokens: number;
}

/**
 * Read `usageMetadata`. `promptTokenCount` includes `cachedContentTokenCount`;
 * `toolUsePromptTokenCount` (results of Google's own tools) is input too;
 * `candidatesTokenCount` excludes `thoughtsTokenCount`.
 * @see https://ai.google.dev/api/generate-content#UsageMetadata
 */
export function readUsage(value: unknown): GeminiUsage | undefined {
  if (!isRecord(value)) return undefined;
  const promptTokens = readCount(value.promptTokenCount) + readCount(value.toolUsePromptTokenCount);
  return {
    promptTokens,
    candidatesTokens: readCount(value.candidatesTokenCount),
    thoughtsTokens: readCount(value.thoughtsTokenCount),
    cachedTokens: Math.min(promptTokens, readCount(value.cachedContentTokenCount)),
  };
}

export const zeroGeminiUsage: Readonly<GeminiUsage> = Object.freeze({ promptTokens: 0, candidatesTokens: 0, thoughtsTokens: 0, cachedTokens: 0 });

export function toTokenUsage(usage: GeminiUsage): TokenUsage {
  return {
    inputTokens: usage.promptTokens - usage.cachedTokens,
    outputTokens: usage.candidatesTokens + usage.thoughtsTokens,
    cacheReadTokens: usage.cachedTokens,
    cacheWriteTokens: 0,
    reasoningTokens: usage.thoughtsTokens,
  };
}

/** OpenAI usage: completion tokens include reasoning (thought) tokens, as on OpenAI. */
export function toOpenAIUsage(usage: GeminiUsage): Usage {
  const completion = usage.candidatesTokens + usage.thoughtsTokens;
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: completion,
    total_tokens: usage.promptTokens + completion,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens },
    completion_tokens_details: { reasoning_tokens: usage.thoughtsTokens },
  };
}

/** Google's error body `{"error": {code, message, status, details}}` (streaming endpoints may wrap it in an array). */
export interface GoogleWireError {
  code: number | null;
  message: string | null;
  status: string | null;
  /** `details[].reason` of an ErrorInfo, e.g. "API_KEY_INVALID". */
  reason: string | null;
  /** RetryInfo `retryDelay` in milliseconds. */
  retryDelayMs: number | undefined;
}

/** A protobuf Duration in JSON ("34.4s"), in milliseconds. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

export function readWireError(payload: unknown): GoogleWireError | null {
  const container = Array.isArray(payload) ? payload[0] : payload;
  if (!isRecord(container) || !isRecord(container.error)) return null;
  const error = container.error;
  let reason: string | null = null;
  let retryDelayMs: number | undefined;
  if (Array.isArray(error.details)) {
    for (const detail of error.details) {
      if (!isRecord(detail)) continue;
      const type = typeof detail["@type"] === "string" ? detail["@type"] : "";
      if (type.endsWith("google.rpc.RetryInfo")) retryDelayMs = parseDuration(detail.retryDelay);
      else if (type.endsWith("google.rpc.ErrorInfo") && typeof detail.reason === "string") reason = detail.reason;
    }
  }
  return {
    code: typeof error.code === "number" ? error.code : null,
    message: typeof error.message === "string" && error.message.length > 0 ? error.message : null,
    status: typeof error.status === "string" ? error.status : null,
    reason,
    retryDelayMs,
  };
}
