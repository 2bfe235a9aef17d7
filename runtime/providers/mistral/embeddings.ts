/**
 * Embeddings through Mistral (`mistral-embed`, `codestral-embed`): `POST {baseUrl}/embeddings`
 * with `input` as text(s) and `dimensions` as `output_dimension`. The answer is OpenAI-shaped,
 * in floats: `encoding_format` is not sent (runtime/endpoints/embeddings.ts encodes base64 centrally).
 * @see https://docs.mistral.ai/api/#tag/embeddings
 */
import type { EmbeddingsRequest } from "../../http/openai-types.ts";
import { readEmbeddingTexts } from "../shared/embedding-input.ts";
import { convertOpenAIEmbeddings } from "../shared/embeddings.ts";
import type { EmbeddingsAdapter, ProviderContext, ResolvedDeployment, UpstreamRequest } from "../types.ts";
import { createHeaders, embeddingsUrl } from "./endpoint.ts";

const handledFields: ReadonlySet<string> = new Set(["model", "input", "dimensions", "encoding_format"]);

function buildRequests(request: EmbeddingsRequest, deployment: ResolvedDeployment): { upstream: UpstreamRequest[]; warnings: string[] } {
  const texts = readEmbeddingTexts(request, "mistral");
  const body: Record<string, unknown> = { model: deployment.model, input: texts };
  if (typeof request.dimensions === "number") body.output_dimension = request.dimensions;
  const warnings: string[] = [];
  for (const key of Object.keys(request)) {
    if (handledFields.has(key) || request[key] === undefined || request[key] === null) continue;
    warnings.push(`${key} dropped: not supported by mistral embeddings`);
  }
  return {
    upstream: [{ url: embeddingsUrl(deployment), method: "POST", headers: createHeaders(deployment, false), body: JSON.stringify(body) }],
    warnings,
  };
}

export const mistralEmbeddings: EmbeddingsAdapter = {
  buildRequests,
  convertResponses(bodies: unknown[], _request: EmbeddingsRequest, context: ProviderContext) {
    return convertOpenAIEmbeddings("mistral", bodies[0], context);
  },
};
