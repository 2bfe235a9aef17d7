/** Cohere's v2 Chat and Embed APIs behind gw's OpenAI-compatible endpoint. */
import type { ProviderAdapter } from "../types.ts";
import { convertRequest } from "./convert-request.ts";
import { convertResponse } from "./convert-response.ts";
import { createStreamConverter } from "./convert-stream.ts";
import { cohereEmbeddings } from "./embeddings.ts";
import { cohereDescriptor } from "./descriptor.ts";
import { mapError } from "./map-error.ts";

export const cohere: ProviderAdapter = {
  name: "cohere",
  defaultBaseUrl: cohereDescriptor.defaultBaseUrl,
  streamFormat: "sse",
  buildRequest: convertRequest,
  convertResponse,
  createStreamConverter,
  mapError,
  embeddings: cohereEmbeddings,
};
