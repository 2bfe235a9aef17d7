/** Anthropic's Messages API behind gw's OpenAI-compatible endpoint. */
import type { ProviderAdapter } from "../types.ts";
import { convertRequest } from "./convert-request.ts";
import { convertResponse } from "./convert-response.ts";
import { createStreamConverter } from "./convert-stream.ts";
import { anthropicDescriptor } from "./descriptor.ts";
import { mapError } from "./map-error.ts";
import { nativeMessages } from "./native-messages.ts";

export const anthropic: ProviderAdapter = {
  name: "anthropic",
  defaultBaseUrl: anthropicDescriptor.defaultBaseUrl,
  streamFormat: "sse",
  buildRequest: convertRequest,
  convertResponse,
  createStreamConverter,
  mapError,
  messages: nativeMessages,
};
