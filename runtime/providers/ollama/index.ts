/**
 * Ollama's native API (`/api/chat`, NDJSON streaming, `/api/embed`). Its OpenAI-compatible
 * `/v1` API is the `ollama-openai` preset instead.
 * Config: `{ provider: "ollama", model: "llama3.2", baseUrl?: "http://localhost:11434" }`
 * (`apiKey` optional: sent as a bearer token, for a proxy or ollama.com).
 */
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import type { ProviderAdapter, ProviderContext, ResolvedDeployment } from "../types.ts";
import { convertRequest } from "./convert-request.ts";
import { convertResponse } from "./convert-response.ts";
import { createStreamConverter } from "./convert-stream.ts";
import { ollamaEmbeddings } from "./embeddings.ts";
import { ollamaDescriptor } from "./descriptor.ts";
import { mapError } from "./map-error.ts";

export const ollama: ProviderAdapter = {
  name: "ollama",
  defaultBaseUrl: ollamaDescriptor.defaultBaseUrl,
  streamFormat: "ndjson",
  buildRequest: (request: ChatCompletionRequest, deployment: ResolvedDeployment, stream: boolean) => convertRequest(request, deployment, stream),
  convertResponse: (body: unknown, context: ProviderContext) => convertResponse(body, context),
  createStreamConverter: (context: ProviderContext, request: ChatCompletionRequest) => createStreamConverter(context, request),
  mapError,
  embeddings: ollamaEmbeddings,
};
