/** Google's Gemini API (AI Studio) behind gw's OpenAI-compatible endpoint. */
import type { ProviderAdapter } from "../types.ts";
import { convertRequest } from "./convert-request.ts";
import { convertResponse } from "./convert-response.ts";
import { createStreamConverter } from "./convert-stream.ts";
import { embeddings } from "./embeddings.ts";
import { geminiDescriptor } from "./descriptor.ts";
import { mapGoogleError } from "./map-error.ts";

export const gemini: ProviderAdapter = {
  name: "gemini",
  defaultBaseUrl: geminiDescriptor.defaultBaseUrl,
  streamFormat: "sse",
  buildRequest: convertRequest,
  convertResponse,
  createStreamConverter,
  mapError: (status: number, body: string, headers: Headers) => mapGoogleError(status, body, headers, { provider: "gemini", credential: "API key" }),
  embeddings,
};
