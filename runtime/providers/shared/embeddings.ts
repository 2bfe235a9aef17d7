/**
 * Pieces embeddings adapters share for reading upstream answers: vectors, usage, and an
 * OpenAI-shaped embeddings body (OpenAI, Azure OpenAI, Mistral and the compatible presets answer
 * in that shape). Reading the client's `input` is embedding-input.ts.
 *
 * Adapters return embeddings as the upstream sent them (floats, or base64 when it honoured
 * `encoding_format: "base64"`); runtime/endpoints/embeddings.ts converts them to the encoding the client
 * asked for, once, centrally.
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { Embedding, TokenUsage } from "../../http/openai-types.ts";
import type { ConvertedEmbeddings, ProviderContext } from "../types.ts";

type JsonRecord = Record<string, unknown>;

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readCount(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** Whether `value` is a list of finite numbers (an embedding vector as providers send it). */
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
