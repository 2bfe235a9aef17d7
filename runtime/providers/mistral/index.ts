/**
 * Mistral (La Plateforme): OpenAI-like chat completions with Mistral's own request rules
 * (convert-request.ts); responses, streams and finish reasons are read by OpenAI's converters.
 * Config: `{ provider: "mistral", model: "mistral-small-latest", apiKey: env("MISTRAL_API_KEY") }`.
 */
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import type { ProviderAdapter, ProviderContext, ResolvedDeployment } from "../types.ts";
import { convertRequest } from "./convert-request.ts";
import { convertResponse } from "./convert-response.ts";
import { createStreamConverter } from "./convert-stream.ts";
import { mistralEmbeddings } from "./embeddings.ts";
import { mistralDescriptor } from "./descriptor.ts";
import { mapError } from "./map-error.ts";

export const mistral: ProviderAdapter = {
  name: "mistral",
  defaultBaseUrl: mistralDescriptor.defaultBaseUrl,
  streamFormat: "sse",
  buildRequest: (request: ChatCompletionRequest, deployment: ResolvedDeployment, stream: boolean) => convertRequest(request, deployment, stream),
  convertResponse: (body: unknown, context: ProviderContext) => convertResponse(body, context),
  createStreamConverter: (context: ProviderContext, request: ChatCompletionRequest) => createStreamConverter(context, request),
  mapError,
  embeddings: mistralEmbeddings,
};
