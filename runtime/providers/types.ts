import type { CompiledDeployment } from "../bundle.ts";
import type { GatewayError } from "../errors.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, TokenUsage } from "../openai-types.ts";

/**
 * A provider adapter is a plain object of pure functions that translate between the
 * OpenAI shape and one provider's wire format. It never performs I/O itself: the
 * runtime's single upstream module (runtime/upstream.ts) sends the request it builds,
 * decodes the stream framing named by `streamFormat` once, centrally, and feeds the
 * decoded events to the adapter's stream converter.
 */

/** A deployment whose secrets were resolved at start-up. */
export interface ResolvedDeployment extends Omit<CompiledDeployment, "apiKey" | "baseUrl"> {
  /** Absolute base URL without a trailing slash (the provider default when the config gave none). */
  baseUrl: string;
  apiKey: string | null;
}

export interface ProviderContext {
  /** gw's request id, used to derive response ids where the provider gives none. */
  requestId: string;
  /** Unix seconds at which gw received the request. */
  created: number;
  /** The public model name the client asked for. */
  publicModel: string;
}

export interface UpstreamRequest {
  url: string;
  method: "POST" | "GET";
  headers: Record<string, string>;
  body: string;
}

export interface ConvertedRequest {
  upstream: UpstreamRequest;
  /** Request parameters that were dropped or changed, surfaced in the `x-gw-warnings` header. */
  warnings: string[];
}

/** One decoded upstream stream event (for SSE: the `event:` field, if any, and the `data:` payload). */
export interface UpstreamEvent {
  event: string | undefined;
  data: string;
}

/** How the upstream frames a stream; the runtime owns one decoder per format. */
export type StreamFormat = "sse";

export interface StreamConverter {
  /**
   * Called for each upstream event, in order. Returns the chunks to send (often none).
   * Throws a GatewayError for an error event sent inside the stream.
   */
  push(event: UpstreamEvent): ChatCompletionChunk[];
  /**
   * Called once the upstream stream has ended. Returns trailing chunks; throws a
   * GatewayError when the stream ended before the provider said it was complete.
   */
  end(): ChatCompletionChunk[];
  /** Usage reported so far; complete after end(). */
  usage(): TokenUsage | undefined;
}

export interface ConvertedResponse {
  completion: ChatCompletion;
  usage: TokenUsage;
}

export interface ProviderAdapter {
  readonly name: string;
  /** Used when a deployment has no baseUrl. */
  readonly defaultBaseUrl: string;
  readonly streamFormat: StreamFormat;
  /** Build the upstream HTTP request. Async so that signing providers fit. */
  buildRequest(
    request: ChatCompletionRequest,
    deployment: ResolvedDeployment,
    stream: boolean,
  ): ConvertedRequest | Promise<ConvertedRequest>;
  /** Provider JSON body (already parsed) -> chat.completion. Throws a 502 GatewayError on an unreadable shape. */
  convertResponse(body: unknown, context: ProviderContext): ConvertedResponse;
  createStreamConverter(context: ProviderContext, request: ChatCompletionRequest): StreamConverter;
  /** A non-2xx upstream answer -> GatewayError (status, type, code, message, retryable, retryAfterMs). */
  mapError(status: number, body: string, headers: Headers): GatewayError;
  /**
   * Providers that answer in-process (the built-in `mock`) supply their own transport;
   * everyone else goes through the runtime's injected fetch.
   */
  readonly transport?: (request: UpstreamRequest, signal: AbortSignal) => Promise<Response>;
}
