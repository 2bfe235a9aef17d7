/**
 * The texts of an OpenAI embeddings request, for providers that embed text only (token arrays
 * are OpenAI-specific: a provider that cannot take them gets a clear 400, not a wrong vector).
 * @see https://platform.openai.com/docs/api-reference/embeddings/create#embeddings-create-input
 */
import { invalidRequest } from "../../http/errors.ts";
import type { EmbeddingsRequest } from "../../http/openai-types.ts";

export function readEmbeddingTexts(request: EmbeddingsRequest, provider: string): string[] {
  const input: unknown = request.input;
  if (typeof input === "string") return [input];
  if (!Array.isArray(input) || input.length === 0) {
    throw invalidRequest("input must be a string or a non-empty array of strings.", "input");
  }
  const texts: string[] = [];
  for (let index = 0; index < input.length; index++) {
    const item: unknown = input[index];
    if (typeof item !== "string") {
      throw invalidRequest(
        typeof item === "number" || Array.isArray(item)
          ? `input[${index}]: ${provider} embeds text only; send strings, not token arrays.`
          : `input[${index}] must be a string.`,
        `input[${index}]`,
      );
    }
    texts.push(item);
  }
  return texts;
}

/** `items` in consecutive groups of at most `size` (providers cap the texts per call). */
export function splitIntoBatches<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}
