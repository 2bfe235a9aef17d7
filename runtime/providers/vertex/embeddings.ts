/**
 * OpenAI embeddings through Vertex AI's `predict` on a Google embedding model:
 * `{"instances": [{"content": text}, ...], "parameters": {"outputDimensionality"}}` ->
 * `predictions[].embeddings.values`, with `statistics.token_count` per text for usage.
 * text-embedding models take up to 250 texts per call; gemini-embedding models one.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { Embedding, EmbeddingsRequest } from "../../http/openai-types.ts";
import { estimateTokens } from "../gemini/embeddings.ts";
import { isRecord, readCount } from "../gemini/gemini-api.ts";
import { readEmbeddingTexts, splitIntoBatches } from "../shared/embedding-input.ts";
import { embeddingsUsage, isVector } from "../shared/embeddings.ts";
import type { ConvertedEmbeddings, EmbeddingsAdapter, ProviderContext, ResolvedDeployment, UpstreamRequest } from "../types.ts";
import { createHeaders, modelUrl } from "./endpoint.ts";

export function batchSize(model: string): number {
  return model.startsWith("gemini-embedding") ? 1 : 250;
}

function buildRequests(request: EmbeddingsRequest, deployment: ResolvedDeployment): { upstream: UpstreamRequest[]; warnings: string[] } {
  const texts = readEmbeddingTexts(request, "vertex");
  const warnings: string[] = [];
  if (typeof request.user === "string") warnings.push("user dropped: not supported by vertex");
  const parameters = typeof request.dimensions === "number" ? { parameters: { outputDimensionality: request.dimensions } } : {};
  const url = modelUrl(deployment, "google", "predict");
  const upstream = splitIntoBatches(texts, batchSize(deployment.model)).map(
    (batch): UpstreamRequest => ({
      url,
      method: "POST",
      headers: createHeaders(false),
      body: JSON.stringify({ instances: batch.map((content) => ({ content })), ...parameters }),
    }),
  );
  return { upstream, warnings };
}

function convertResponses(bodies: unknown[], request: EmbeddingsRequest, context: ProviderContext): ConvertedEmbeddings {
  const texts = readEmbeddingTexts(request, "vertex");
  const data: Embedding[] = [];
  let tokens = 0;
  for (const body of bodies) {
    if (!isRecord(body) || !Array.isArray(body.predictions)) throw badUpstreamResponse("vertex", "the predict body has no predictions array");
    for (const prediction of body.predictions) {
      const embedding = isRecord(prediction) && isRecord(prediction.embeddings) ? prediction.embeddings : undefined;
      if (embedding === undefined || !isVector(embedding.values)) {
        throw badUpstreamResponse("vertex", `predictions[${data.length}].embeddings.values is not a list of numbers`);
      }
      const statistics = isRecord(embedding.statistics) ? embedding.statistics : {};
      tokens += typeof statistics.token_count === "number" ? readCount(statistics.token_count) : estimateTokens([texts[data.length] ?? ""]);
      data.push({ object: "embedding", index: data.length, embedding: embedding.values });
    }
  }
  if (data.length !== texts.length) throw badUpstreamResponse("vertex", `${data.length} embeddings for ${texts.length} inputs`);
  return {
    response: { object: "list", data, model: context.publicModel, usage: { prompt_tokens: tokens, total_tokens: tokens } },
    usage: embeddingsUsage(tokens),
  };
}

export const embeddings: EmbeddingsAdapter = { buildRequests, convertResponses };
