import type { CompiledDeployment } from "../../contract/bundle.ts";
import type { GatewayError } from "../http/errors.ts";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingsRequest,
  EmbeddingsResponse,
  TokenUsage,
} from "../http/openai-types.ts";
import type { FetchFunction } from "../stores/ports.ts";

/**
 * A provider adapter is a plain object of pure functions that translate between the
 * OpenAI shape and one provider's wire format. It never performs I/O itself: the
 * runtime's single upstream module (runtime/upstream/upstream.ts) sends the request it builds,
 * decodes the stream framing named by `streamFormat` once, centrally, and feeds the
 * decoded events to the adapter's stream converter.
 */

/** A deployment whose secrets were resolved at start-up. */
export interface ResolvedDeployment extends Omit<CompiledDeployment, "apiKey" | "baseUrl" | "secrets" | "headers"> {
  /** Absolute base URL without a trailing slash (the provider default when the config gave none). */
  baseUrl: string;
  apiKey: string | null;
  /** Further secrets by name (see CompiledDeployment.secrets); an optional one that was unset is absent. */
  secrets: Readonly<Record<string, string>>;
  /** Extra headers for every upstream request, values resolved; the runtime adds them after buildRequest. */
  headers: Readonly<Record<string, string>>;
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

/**
 * How the upstream frames a stream; the runtime owns one decoder per format (runtime/upstream/stream/):
 * - "sse": server-sent events; `event` is the SSE event name, `data` the payload.
 * - "aws-eventstream": AWS's binary event-stream framing (Bedrock ConverseStream); `event` is the
 *   `:event-type` header (or `:exception-type` for an exception message), `data` the UTF-8 payload.
 * - "ndjson": one JSON document per line (Ollama's native API); `event` is undefined, `data` the line.
 */
export type StreamFormat = "sse" | "aws-eventstream" | "ndjson";

/** What an adapter may use for I/O of its own (token exchange), injected by the runtime. */
export interface AdapterIO {
  fetch: FetchFunction;
  /** Unix milliseconds. */
  now(): number;
}

/**
 * Adds credentials to a built request, in place: a static header, an OAuth access token that it
 * fetches and caches (Vertex AI), or a request signature (Bedrock SigV4, computed over the final
 * URL, headers and body). Created once per deployment at start-up; `authorize` runs per attempt,
 * after the deployment's extra headers were added, as the last step before sending.
 */
export interface RequestAuthorizer {
  authorize(request: UpstreamRequest, signal: AbortSignal): void | Promise<void>;
}

/** Embeddings through one provider. Some providers embed one input per call: hence lists. */
export interface EmbeddingsAdapter {
  /** One upstream request per call the provider needs (most: one for all inputs). */
  buildRequests(
    request: EmbeddingsRequest,
    deployment: ResolvedDeployment,
  ): { upstream: UpstreamRequest[]; warnings: string[] } | Promise<{ upstream: UpstreamRequest[]; warnings: string[] }>;
  /** The parsed bodies of every upstream answer, in request order -> one OpenAI embeddings response. */
  convertResponses(bodies: unknown[], request: EmbeddingsRequest, context: ProviderContext): ConvertedEmbeddings;
}

export interface ConvertedEmbeddings {
  response: EmbeddingsResponse;
  usage: TokenUsage;
}

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

/**
 * A client dialect spoken natively by (some of) a provider's models: Anthropic's Messages
 * (Anthropic, Claude on Vertex AI and Bedrock), OpenAI's Responses (OpenAI, Azure OpenAI). The
 * client's body is sent as it came (only what the platform needs changed: model, version field,
 * URL), and the answer and stream events are relayed as they came, so nothing is lost (Messages:
 * cache_control, thinking signatures, citations, server tools; Responses: built-in tools, include,
 * background...). gw reads from them only its usage (`usageOf`) and, for streams, the chat chunks
 * they mean (`createStreamConverter`: gw's counts, when the stream is committed, and which event is
 * the last or an error, which it throws).
 */
export interface NativeAdapter {
  /** Whether this deployment's model speaks the dialect (Vertex AI: Claude models only). */
  serves(deployment: ResolvedDeployment): boolean;
  /** `beta`: the client's dialect header passed on (Messages: `anthropic-beta`); null: none. */
  buildRequest(body: Readonly<Record<string, unknown>>, deployment: ResolvedDeployment, stream: boolean, beta: string | null): UpstreamRequest;
  readonly streamFormat: StreamFormat;
  /** The dialect's event a decoded upstream event carries (a platform that wraps them); absent: the event itself. null: none. */
  toClientEvent?(event: UpstreamEvent): UpstreamEvent | null;
  /** gw's usage of a whole answer (the parsed body); throws a 502 GatewayError on an unreadable shape. */
  usageOf(body: unknown, context: ProviderContext): TokenUsage;
  createStreamConverter(context: ProviderContext, request: ChatCompletionRequest): StreamConverter;
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
  /**
   * Created once per deployment at start-up when the provider needs more than a header that
   * buildRequest can set from `deployment.apiKey` (token exchange, request signing).
   */
  createAuthorizer?(deployment: ResolvedDeployment, io: AdapterIO): RequestAuthorizer;
  /** Absent when the provider has no embeddings API. */
  readonly embeddings?: EmbeddingsAdapter;
  /** Present when (some of) the provider's models speak Anthropic's Messages API natively. */
  readonly messages?: NativeAdapter;
  /** Present when (some of) the provider's models speak OpenAI's Responses API natively. */
  readonly responses?: NativeAdapter;
}
