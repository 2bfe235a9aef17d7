/**
 * Google Vertex AI behind gw's OpenAI-compatible endpoint: Gemini models and Anthropic's
 * Claude models, chosen per deployment model (a different URL and format per family), with
 * OAuth access tokens from a service account. The converters, finish-reason tables and error
 * mappers are Gemini's and Anthropic's own; this folder adds only the URLs, the family
 * choice, the token exchange and `predict` embeddings.
 */
import type { ProviderAdapter } from "../types.ts";
import { convertRequest } from "./convert-request.ts";
import { convertResponse } from "./convert-response.ts";
import { createStreamConverter } from "./convert-stream.ts";
import { embeddings } from "./embeddings.ts";
import { vertexDescriptor } from "./descriptor.ts";
import { mapError } from "./map-error.ts";
import { nativeMessages } from "./native-messages.ts";
import { createServiceAccountAuthorizer } from "./service-account.ts";

export const vertex: ProviderAdapter = {
  name: "vertex",
  defaultBaseUrl: vertexDescriptor.defaultBaseUrl,
  streamFormat: "sse",
  buildRequest: convertRequest,
  convertResponse,
  createStreamConverter,
  mapError,
  messages: nativeMessages,
  createAuthorizer: createServiceAccountAuthorizer,
  embeddings,
};
