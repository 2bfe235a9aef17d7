/**
 * Embeddings through Ollama's native `POST /api/embed` (`{model, input}` ->
 * `{embeddings: number[][], prompt_eval_count}`): texts only, `dimensions` passed through for
 * models that can truncate. Floats come back; runtime/endpoints/embeddings.ts encodes base64 when the
 * client asked for it.
 * @see https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings
 */
import { badUpstreamResponse } from "../../http/errors.ts";
import type { Embedding, EmbeddingsRequest } from "../../http/openai-types.ts";
import { readEmbeddingTexts } from "../shared/embedding-input.ts";
import { embeddingsUsage, isVector } from "../shared/embeddings.ts";
import type { ConvertedEmbeddings, EmbeddingsAdapter, ProviderContext, ResolvedDeployment, UpstreamRequest } from "../types.ts";
import { createHeaders, embedUrl } from "./endpoint.ts";
import { isRecord, readCount } from "./ollama-api.ts";

const handledFields: ReadonlySet<string> = new Set(["model", "input", "dimensions", "encoding_format", "keep_alive", "truncate", "options"]);

function buildRequests(request: EmbeddingsRequest, deployment: ResolvedDeployment): { upstream: UpstreamRequest[]; warnings: string[] } {
  const body: Record<string, unknown> = { model: deployment.model, input: readEmbeddingTexts(request, "ollama") };
  if (typeof request.dimensions === "number") body.dimensions = request.dimensions;
  for (const passthrough of ["keep_alive", "truncate", "options"]) {
    if (request[passthrough] !== undefined && request[passthrough] !== null) body[passthrough] = request[passthrough];
  }
  const warnings: string[] = [];
  for (const key of Object.keys(request)) {
    if (handledFields.has(key) || request[key] === undefined || request[key] === null) continue;
    warnings.push(`${key} dropped: not supported by ollama embeddings`);
  }
  return {
    upstream: [{ url: embedUrl(deployment), method: "POST", headers: createHeaders(deployment, false), body: JSON.stringify(body) }],
    warnings,
  };
}

function convertResponses(bodies: unknown[], _request: EmbeddingsRequest, context: ProviderContext): ConvertedEmbeddings {
  const body = bodies[0];
  if (!isRecord(body) || !Array.isArray(body.embeddings)) throw badUpstreamResponse("ollama", "the embed body has no embeddings array");
  const data = body.embeddings.map((vector: unknown, index): Embedding => {
    if (!isVector(vector)) throw badUpstreamResponse("ollama", `embeddings[${index}] is not a list of numbers`);
    return { object: "embedding", index, embedding: vector };
  });
  const promptTokens = readCount(body.prompt_eval_count);
  return {
    response: {
      object: "list",
      data,
      model: typeof body.model === "string" ? body.model : context.publicModel,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    },
    usage: embeddingsUsage(promptTokens),
  };
}

export const ollamaEmbeddings: EmbeddingsAdapter = { buildRequests, convertResponses };
