/**
 * OpenAI and every OpenAI-compatible server (vLLM, Ollama's /v1, Groq, Together, xAI,
 * DeepSeek, Mistral...): point a deployment's `baseUrl` at it.
 */
import type { ChatCompletionRequest } from "../../http/openai-types.ts";
import type { ProviderAdapter, ProviderContext, ResolvedDeployment, UpstreamRequest } from "../types.ts";
import { convertRequest } from "./convert-request.ts";
import { convertResponse } from "./convert-response.ts";
import { createStreamConverter } from "./convert-stream.ts";
import { createOpenAIEmbeddings } from "./embeddings.ts";
import { openaiDescriptor } from "./descriptor.ts";
import { mapError } from "./map-error.ts";
import { nativeResponses } from "./native-responses.ts";

export interface OpenAICompatibleOptions {
  name: string;
  defaultBaseUrl: string;
  /** For servers that answer in-process (the built-in mock). */
  transport?: (request: UpstreamRequest, signal: AbortSignal) => Promise<Response>;
  /** Whether the server has OpenAI's `/embeddings` at the same base URL. Default true. */
  embeddings?: boolean;
}

/** An adapter for any server that speaks OpenAI's Chat Completions (and Embeddings) format. */
export function createOpenAICompatibleAdapter(options: OpenAICompatibleOptions): ProviderAdapter {
  const name = options.name;
  const adapter: ProviderAdapter = {
    name,
    defaultBaseUrl: options.defaultBaseUrl,
    streamFormat: "sse",
    buildRequest: (request: ChatCompletionRequest, deployment: ResolvedDeployment, stream: boolean) =>
      convertRequest(request, deployment, stream),
    convertResponse: (body: unknown, context: ProviderContext) => convertResponse(name, body, context),
    createStreamConverter: (context: ProviderContext, request: ChatCompletionRequest) => createStreamConverter(name, context, request),
    mapError: (status: number, body: string, headers: Headers) => mapError(name, status, body, headers),
    ...(options.embeddings === false ? {} : { embeddings: createOpenAIEmbeddings(name) }),
  };
  return options.transport ? { ...adapter, transport: options.transport } : adapter;
}

/** OpenAI itself also speaks the Responses API natively; the OpenAI-compatible presets answer it through chat. */
export const openai: ProviderAdapter = {
  ...createOpenAICompatibleAdapter({ name: "openai", defaultBaseUrl: openaiDescriptor.defaultBaseUrl }),
  responses: nativeResponses,
};
