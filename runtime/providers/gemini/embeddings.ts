/**
 * OpenAI embeddings through the Gemini API's `batchEmbedContents`: one upstream request per
 * 100 texts (Google's batch limit), each text one `EmbedContentRequest` naming the model as
 * "models/{model}"; `dimensions` -> `outputDimensionality`.
 *
 * The Gemini API reports no token counts for embeddings: gw estimates them as one token per
 * four characters of input (rounded up per text), so that usage and cost are recorded; the
 * estimate is what `usage` in the answer shows.
 * @see https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { Embedding, EmbeddingsRequest } from "../../http/openai-types.ts";
import { readEmbeddingTexts, splitIntoBatches } from "../shared/embedding-input.ts";
import { embeddingsUsage, isVector } from "../shared/embeddings.ts";
import type { ConvertedEmbeddings, EmbeddingsAdapter, ProviderContext, ResolvedDeployment, UpstreamRequest } from "../types.ts";
import { batchEmbedContentsUrl, createHeaders, modelPath } from "./endpoint.ts";
import { isRecord } from "./gemini-api.ts";

/** Google's cap on requests in one batchEmbedContents call. */
export const geminiEmbeddingBatchSize = 100;

/** gw's estimate where the provider reports no count: one token per four characters. */
export function estimateTokens(texts: readonly string[]): number {
  let tokens = 0;
  for (const text of texts) tokens += Math.ceil(text.length / 4);
  return tokens;
}

function buildRequests(request: EmbeddingsRequest, deployment: ResolvedDeployment): { upstream: UpstreamRequest[]; warnings: string[] } {
  const texts = readEmbeddingTexts(request, "gemini");
  const warnings: string[] = [];
  if (typeof request.user === "string") warnings.push("user dropped: not supported by gemini");
  const model = modelPath(deployment.model);
  const dimensions = typeof request.dimensions === "number" ? request.dimensions : undefined;
  const upstream = splitIntoBatches(texts, geminiEmbeddingBatchSize).map(
    (batch): UpstreamRequest => ({
      url: batchEmbedContentsUrl(deployment),
      method: "POST",
      headers: createHeaders(deployment, false),
      body: JSON.stringify({
        requests: batch.map((text) => ({
          model,
          content: { parts: [{ text }] },
          ...(dimensions === undefined ? {} : { outputDimensionality: dimensions }),
        })),
      }),
    }),
  );
  return { upstream, warnings };
}

function convertResponses(bodies: unknown[], request: EmbeddingsRequest, context: ProviderContext): ConvertedEmbeddings {
  const data: Embedding[] = [];
  for (const body of bodies) {
    if (!isRecord(body) || !Array.isArray(body.embeddings)) throw badUpstreamResponse("gemini", "the embeddings body has no embeddings array");
    for (const item of body.embeddings) {
      const values = isRecord(item) ? item.values : undefined;
      if (!isVector(values)) throw badUpstreamResponse("gemini", `embeddings[${data.length}].values is not a list of numbers`);
      data.push({ object: "embedding", index: data.length, embedding: values });
    }
  }
  const texts = readEmbeddingTexts(request, "gemini");
  if (data.length !== texts.length) throw badUpstreamResponse("gemini", `${data.length} embeddings for ${texts.length} inputs`);
  const tokens = estimateTokens(texts);
  return {
    response: { object: "list", data, model: context.publicModel, usage: { prompt_tokens: tokens, total_tokens: tokens } },
    usage: embeddingsUsage(tokens),
  };
}

export const embeddings: EmbeddingsAdapter = { buildRequests, convertResponses };
