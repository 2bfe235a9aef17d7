/**
 * OpenAI's embeddings API, for OpenAI and every OpenAI-compatible server: the request goes
 * upstream as the client sent it (a shallow copy with the deployment's model), in one call for
 * all inputs; the answer is read with the shared OpenAI-shape reader. `encoding_format` is
 * forwarded, so a base64 answer stays base64 (runtime/endpoints/embeddings.ts converts if it must).
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 */
import type { EmbeddingsRequest } from "../../http/openai-types.ts";
import { convertOpenAIEmbeddings } from "../shared/embeddings.ts";
import type { EmbeddingsAdapter, ResolvedDeployment, UpstreamRequest } from "../types.ts";
import { createHeaders } from "./endpoint.ts";

/** POST target for embeddings; `baseUrl` already includes the version path (`.../v1`). */
export function embeddingsUrl(deployment: ResolvedDeployment): string {
  return `${deployment.baseUrl}/embeddings`;
}

export function convertEmbeddingsRequest(request: EmbeddingsRequest, deployment: ResolvedDeployment): UpstreamRequest {
  return {
    url: embeddingsUrl(deployment),
    method: "POST",
    headers: createHeaders(deployment, false),
    body: JSON.stringify({ ...request, model: deployment.model }),
  };
}

/** The embeddings adapter of an OpenAI-compatible provider named `provider` (named in errors). */
export function createOpenAIEmbeddings(provider: string): EmbeddingsAdapter {
  return {
    buildRequests: (request, deployment) => ({ upstream: [convertEmbeddingsRequest(request, deployment)], warnings: [] }),
    convertResponses: (bodies, _request, context) => convertOpenAIEmbeddings(provider, bodies[0], context),
  };
}
