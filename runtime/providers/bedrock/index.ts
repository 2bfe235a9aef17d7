/**
 * Amazon Bedrock behind gw's OpenAI-compatible endpoint: chat through the Converse and
 * ConverseStream APIs (one request shape for every model family on Bedrock), embeddings through
 * InvokeModel (Titan, Cohere Embed), every request signed with SigV4.
 */
import type { ProviderAdapter } from "../types.ts";
import { convertRequest } from "./convert-request.ts";
import { convertResponse } from "./convert-response.ts";
import { createStreamConverter } from "./convert-stream.ts";
import { bedrockEmbeddings } from "./embeddings.ts";
import { bedrockDescriptor } from "./descriptor.ts";
import { mapError } from "./map-error.ts";
import { nativeMessages } from "./native-messages.ts";
import { createAuthorizer } from "./sigv4-authorizer.ts";

export const bedrock: ProviderAdapter = {
  name: "bedrock",
  defaultBaseUrl: bedrockDescriptor.defaultBaseUrl,
  streamFormat: "aws-eventstream",
  buildRequest: convertRequest,
  convertResponse,
  createStreamConverter,
  mapError,
  createAuthorizer,
  embeddings: bedrockEmbeddings,
  messages: nativeMessages,
};
