/**
 * The mock provider's embeddings: OpenAI's response shape, computed from the input alone, so
 * the same text always gets the same vector. Each vector has `dimensions` (default 8) floats
 * derived from FNV-1a hashes of the text, scaled to unit length as real embedding models do.
 * Usage imitates a tokenizer: characters / 4 per text (at least 1), or the token count of a
 * token-id input.
 */
import type { Embedding, EmbeddingsResponse } from "../../http/openai-types.ts";
import type { JsonRecord } from "../openai/openai-api.ts";
import { encodeEmbedding } from "../shared/encode-embedding.ts";
import { fnv1a } from "./reply.ts";

export const mockEmbeddingDimensions = 8;
/** Largest `dimensions` the mock produces (OpenAI's largest model has 3072). */
const maxDimensions = 4096;

/** The inputs as texts (token-id inputs as their ids joined), with their token counts; null for a shape OpenAI rejects. */
function readInputs(input: unknown): Array<{ text: string; tokens: number }> | null {
  const text = (value: string) => ({ text: value, tokens: Math.max(1, Math.ceil(value.length / 4)) });
  const ids = (value: number[]) => ({ text: `tokens:${value.join(",")}`, tokens: value.length });
  if (typeof input === "string") return input === "" ? null : [text(input)];
  if (!Array.isArray(input) || input.length === 0) return null;
  if (input.every((item) => typeof item === "number")) return [ids(input as number[])];
  if (input.every((item) => typeof item === "string" && item !== "")) return (input as string[]).map(text);
  if (input.every((item) => Array.isArray(item) && item.length > 0 && item.every((id) => typeof id === "number"))) return (input as number[][]).map(ids);
  return null;
}

/** A unit vector of `dimensions` floats for `text`. */
export function mockVector(text: string, dimensions: number = mockEmbeddingDimensions): number[] {
  const values = Array.from({ length: dimensions }, (_, dimension) => fnv1a(`${dimension}:${text}`) / 0x80000000 - 1);
  const length = Math.hypot(...values) || 1;
  return values.map((value) => value / length);
}

/** The embeddings answer for an OpenAI embeddings body, or a message saying why OpenAI would reject it. */
export function createMockEmbeddings(body: JsonRecord): EmbeddingsResponse | { problem: string; param: string } {
  const inputs = readInputs(body.input);
  if (inputs === null) return { problem: "'input' must be a non-empty string, array of strings, or array of token arrays.", param: "input" };
  const requested = body.dimensions;
  if (requested !== undefined && !(typeof requested === "number" && Number.isInteger(requested) && requested > 0 && requested <= maxDimensions)) {
    return { problem: `'dimensions' must be an integer from 1 to ${maxDimensions}.`, param: "dimensions" };
  }
  const dimensions = typeof requested === "number" ? requested : mockEmbeddingDimensions;
  const data: Embedding[] = inputs.map((input, index) => ({
    object: "embedding",
    index,
    embedding: encodeEmbedding(mockVector(input.text, dimensions), body.encoding_format),
  }));
  const tokens = inputs.reduce((sum, input) => sum + input.tokens, 0);
  return {
    object: "list",
    data,
    model: typeof body.model === "string" ? body.model : "mock",
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
