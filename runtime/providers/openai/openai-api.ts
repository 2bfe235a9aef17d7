/**
 * Minimal readers of the OpenAI Chat Completions wire format: only what gw reads.
 * Upstream JSON is untrusted; anything gw relies on is checked here, everything else
 * passes through untouched.
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A non-negative integer token count, or 0 for anything else (absent, null, garbage). */
export function readCount(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** The usage object as OpenAI and compatible servers send it (only the fields gw reads). */
export interface OpenAIWireUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  total_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown; cache_write_tokens?: unknown } | null;
  completion_tokens_details?: { reasoning_tokens?: unknown } | null;
}

/** OpenAI's error body. Compatible servers also send `{"error": "text"}`, `{"message"}` or `{"detail"}`. */
export interface OpenAIWireError {
  message: string | null;
  type: string | null;
  code: string | null;
  param: string | null;
}

function readString(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

function readCode(value: unknown): string | null {
  if (typeof value === "number") return String(value);
  return readString(value);
}

/** Read an error payload (already parsed); null when it does not look like an error at all. */
export function readWireError(payload: unknown): OpenAIWireError | null {
  if (!isRecord(payload)) return null;
  const error = payload.error;
  if (isRecord(error)) {
    return {
      message: readString(error.message),
      type: readString(error.type),
      code: readCode(error.code),
      param: readString(error.param),
    };
  }
  if (typeof error === "string") return { message: readString(error), type: null, code: null, param: null };
  const message = readString(payload.message) ?? readString(payload.detail);
  if (message !== null) return { message, type: readString(payload.type), code: readCode(payload.code), param: null };
  return null;
}

/** OpenAI's `service_tier` values; compatible vendors invent others (Groq: "on_demand"), which gw drops. */
export const openAIServiceTiers: ReadonlySet<string> = new Set(["auto", "default", "flex", "scale", "priority", "fast"]);
