/**
 * Embeddings through Cohere's v2 Embed API: `POST /v2/embed`
 * `{model, texts, input_type: "search_document", embedding_types: ["float"], output_dimension?}`
 * -> `{embeddings: {float: [...]}, meta: {billed_units: {input_tokens}}}`. Cohere takes at most
 * 96 texts per call, so larger inputs become several requests. `input_type` search_document is
 * what an OpenAI client means by "embed this text" (documents to be searched); `dimensions` maps
 * to `output_dimension` (embed-v4 and later).
 * @see https://docs.cohere.com/reference/embed
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { Embedding, EmbeddingsRequest } from "../../http/openai-types.ts";
import { readEmbeddingTexts, splitIntoBatches } from "../shared/embedding-input.ts";
import { isVector } from "../shared/embeddings.ts";
import type { ConvertedEmbeddings, EmbeddingsAdapter, ProviderContext, ResolvedDeployment, UpstreamRequest } from "../types.ts";
import { isRecord, readCount } from "./cohere-api.ts";
import { createHeaders, embedUrl } from "./endpoint.ts";

export const cohereEmbedBatchSize = 96;

const handledParameters: ReadonlySet<string> = new Set(["model", "input", "encoding_format", "dimensions"]);

function buildRequests(request: EmbeddingsRequest, deployment: ResolvedDeployment): { upstream: UpstreamRequest[]; warnings: string[] } {
  const texts = readEmbeddingTexts(request, "cohere");
  const warnings: string[] = [];
  for (const key of Object.keys(request)) {
    if (!handledParameters.has(key) && request[key] !== undefined && request[key] !== null) warnings.push(`${key} dropped: not supported by cohere`);
  }
  const upstream = splitIntoBatches(texts, cohereEmbedBatchSize).map(
    (batch): UpstreamRequest => ({
      url: embedUrl(deployment),
      method: "POST",
      headers: createHeaders(deployment, false),
      body: JSON.stringify({
        model: deployment.model,
        texts: batch,
        input_type: "search_document",
        embedding_types: ["float"],
        ...(typeof request.dimensions === "number" ? { output_dimension: request.dimensions } : {}),
      }),
    }),
  );
  return { upstream, warnings };
}

function convertResponses(bodies: unknown[], request: EmbeddingsRequest, context: ProviderContext): ConvertedEmbeddings {
  const data: Embedding[] = [];
  let tokens = 0;
  bodies.forEach((body, position) => {
    if (!isRecord(body)) throw badUpstreamResponse("cohere", `embed answer ${position} is not a JSON object`);
    const vectors = isRecord(body.embeddings) ? body.embeddings.float : body.embeddings;
    if (!Array.isArray(vectors) || !vectors.every(isVector)) throw badUpstreamResponse("cohere", `embed answer ${position} has no float embeddings`);
    const billed = isRecord(body.meta) && isRecord(body.meta.billed_units) ? body.meta.billed_units.input_tokens : undefined;
    tokens += readCount(billed);
    for (const vector of vectors) data.push({ object: "embedding", index: data.length, embedding: vector });
  });
  const expected = typeof request.input === "string" ? 1 : Array.isArray(request.input) ? request.input.length : data.length;
  if (data.length !== expected) throw badUpstreamResponse("cohere", `${data.length} embeddings for ${expected} inputs`);
  return {
    response: { object: "list", data, model: context.publicModel, usage: { prompt_tokens: tokens, total_tokens: tokens } },
    usage: { inputTokens: tokens, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
  };
}

export const cohereEmbeddings: EmbeddingsAdapter = { buildRequests, convertResponses };
