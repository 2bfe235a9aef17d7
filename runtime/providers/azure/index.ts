/**
 * Azure OpenAI: OpenAI's wire format at Azure's URLs with Azure's credentials. The response,
 * stream and error converters are OpenAI's (finish reasons included), plus what only Azure
 * sends: content-filter annotations and errors.
 * Config: `{ provider: "azure", model: "<deployment name>", baseUrl: "https://<resource>.openai.azure.com",
 * apiVersion?: "2024-10-21", apiKey: env("AZURE_API_KEY") | credentials: env("AZURE_ENTRA_TOKEN") }`.
 */
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import type { ProviderAdapter, ProviderContext, ResolvedDeployment } from "../types.ts";
import { convertRequest } from "./convert-request.ts";
import { convertResponse } from "./convert-response.ts";
import { createStreamConverter } from "./convert-stream.ts";
import { azureEmbeddings } from "./embeddings.ts";
import { azureDescriptor } from "./descriptor.ts";
import { mapError } from "./map-error.ts";
import { createHeaders, predatesResponses, responsesUrl } from "./endpoint.ts";
import { createNativeResponses } from "../openai/native-responses.ts";

/** Azure OpenAI's Responses API, spoken natively (OpenAI's format, Azure's URL and credentials); a dated apiVersion before it: translated. */
const nativeResponses = createNativeResponses({ provider: "azure", serves: (deployment) => !predatesResponses(deployment), url: responsesUrl, headers: createHeaders });

export const azure: ProviderAdapter = {
  name: "azure",
  // Azure has no public default endpoint: the compiler requires `baseUrl` (the resource endpoint).
  defaultBaseUrl: azureDescriptor.defaultBaseUrl,
  streamFormat: "sse",
  buildRequest: (request: ChatCompletionRequest, deployment: ResolvedDeployment, stream: boolean) => convertRequest(request, deployment, stream),
  convertResponse: (body: unknown, context: ProviderContext) => convertResponse(body, context),
  createStreamConverter: (context: ProviderContext, request: ChatCompletionRequest) => createStreamConverter(context, request),
  mapError,
  embeddings: azureEmbeddings,
  responses: nativeResponses,
};
