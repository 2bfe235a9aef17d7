/**
 * Embeddings through Azure OpenAI: OpenAI's request and response, at the deployment's URL
 * (`.../openai/deployments/{deployment}/embeddings?api-version=...`, or the v1 API's
 * `.../openai/v1/embeddings` with the deployment name as `model`). `encoding_format` passes
 * through (runtime/endpoints/embeddings.ts converts whatever comes back to what the client asked for).
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/reference#embeddings
 */
import type { EmbeddingsRequest } from "../../http/openai-types.ts";
import { convertOpenAIEmbeddings } from "../shared/embeddings.ts";
import type { EmbeddingsAdapter, ProviderContext, ResolvedDeployment, UpstreamRequest } from "../types.ts";
import { azureUrl, createHeaders, usesApiVersion } from "./endpoint.ts";

function buildRequests(request: EmbeddingsRequest, deployment: ResolvedDeployment): { upstream: UpstreamRequest[]; warnings: string[] } {
  const body: Omit<EmbeddingsRequest, "model"> & { model: string | undefined } = {
    ...request,
    model: usesApiVersion(deployment) ? undefined : deployment.model,
  };
  return {
    upstream: [{ url: azureUrl(deployment, "embeddings"), method: "POST", headers: createHeaders(deployment, false), body: JSON.stringify(body) }],
    warnings: [],
  };
}

export const azureEmbeddings: EmbeddingsAdapter = {
  buildRequests,
  convertResponses(bodies: unknown[], _request: EmbeddingsRequest, context: ProviderContext) {
    return convertOpenAIEmbeddings("azure", bodies[0], context);
  },
};
