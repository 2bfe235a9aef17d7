/**
 * What tells the two model families on Vertex AI apart, in requests and in answers.
 * Gemini models speak Google's generateContent format; Claude models speak Anthropic's
 * Messages format through rawPredict. The family is chosen per model when the request is
 * built, and recognized from the answer's own shape when it is read (the converters do not
 * see the deployment).
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude
 */
import { isRecord } from "../gemini/gemini-api.ts";

/** The `anthropic_version` Vertex AI expects in the body of Claude requests. */
export const vertexAnthropicVersion = "vertex-2023-10-16";

/** Claude models are published by Anthropic on Vertex AI ("claude-sonnet-4-5@20250929"). */
export function isAnthropicModel(model: string): boolean {
  return model.startsWith("claude");
}

/** An Anthropic Message (`"type": "message"`); Google's answers have no `type`. */
export function isAnthropicMessage(body: unknown): boolean {
  return isRecord(body) && body.type === "message";
}

/** Anthropic's error body `{"type": "error", "error": {"type", "message"}}`; Google's has no top-level `type`. */
export function isAnthropicError(body: unknown): boolean {
  return isRecord(body) && body.type === "error" && isRecord(body.error) && typeof body.error.type === "string";
}
