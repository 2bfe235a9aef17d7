/**
 * A tool call id for providers that accept only ids matching ^[a-zA-Z0-9_-]+$ (Anthropic,
 * Bedrock Converse). Ids from other providers may contain more (Kimi's "functions.weather:1"):
 * every other character becomes "_", so the assistant's call and the tool result that answers
 * it, converted alike, still match.
 */
export function toToolUseId(id: string): string {
  return /^[a-zA-Z0-9_-]+$/.test(id) ? id : id.replace(/[^a-zA-Z0-9_-]/g, "_") || "tool";
}
