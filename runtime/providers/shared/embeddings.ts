/**
 * Pieces embeddings adapters share: reading the client's `input` as texts for providers that
 * take text only, and reading an OpenAI-shaped embeddings body (OpenAI, Azure OpenAI, Mistral
 * and the compatible presets answer in that shape).
 *
 * Adapters return embeddings as the upstream sent them (floats, or base64 when it honoured
 * `encoding_format: "base64"`); runtime/embeddings.ts converts them to the encoding the client
 * asked for, once, centrally.
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 */
import { badUpstreamResponse, invalidRequest } from "../../errors.ts";
import type { Embedding, EmbeddingsRequest, TokenUsage } from "../../openai-types.ts";
import type { ConvertedEmbeddings, ProviderContext } from "../types.ts";

type JsonRecord = Record<string, unknown>;

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readCount(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/**
 * The texts to embed, for providers that take text only: `input` must be a string or a
 * non-empty array of strings (token arrays are rejected with a 400 naming the provider).
 */
export function readEmbeddingTexts(request: EmbeddingsRequest, provider: string): string[] {
  const input: unknown = request.input;
  if (typeof input === "string") return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === "string")) return input as string[];
  if (Array.isArray(input) && input.length === 0) throw invalidRequest("'input' must not be an empty array.", "input");
  throw invalidRequest(`'input' must be a string or an array of strings: ${provider} does not accept token arrays.`, "input");
}

/** Whether `value` is a list of finite numbers. */
export function isVector(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => typeof item === "number" && Number.isFinite(item));
}

/** Embeddings bill input tokens only. */
export function embeddingsUsage(promptTokens: number): TokenUsage {
  return { inputTokens: promptTokens, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
}

/** An OpenAI-shaped embeddings body -> gw's answer, embeddings ordered by `index`. */
export function convertOpenAIEmbeddings(provider: string, body: unknown, context: ProviderContext): ConvertedEmbeddings {
  if (!isRecord(body) || !Array.isArray(body.data)) throw badUpstreamResponse(provider, "the embeddings body has no data array");
  const data: Embedding[] = [];
  for (let position = 0; position < body.data.length; position++) {
    const item: unknown = body.data[position];
    if (!isRecord(item)) throw badUpstreamResponse(provider, `data[${position}] is not an object`);
    const embedding = item.embedding;
    if (typeof embedding !== "string" && !isVector(embedding)) {
      throw badUpstreamResponse(provider, `data[${position}].embedding is neither a list of numbers nor base64`);
    }
    data.push({ object: "embedding", index: typeof item.index === "number" ? item.index : position, embedding });
  }
  data.sort((left, right) => left.index - right.index);
  const usage = isRecord(body.usage) ? body.usage : {};
  const promptTokens = readCount(usage.prompt_tokens ?? usage.total_tokens);
  return {
    response: {
      object: "list",
      data,
      model: typeof body.model === "string" ? body.model : context.publicModel,
      usage: { prompt_tokens: promptTokens, total_tokens: readCount(usage.total_tokens) || promptTokens },
    },
    usage: embeddingsUsage(promptTokens),
  };
}
