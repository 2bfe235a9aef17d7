/**
 * The one module that talks to upstreams. It takes the request an adapter built, adds the
 * deployment's extra headers, lets the deployment's authorizer add credentials (token, SigV4
 * signature) as the very last step, sends it (through the injected fetch, or the adapter's own
 * in-process transport), turns every failure into a GatewayError (non-2xx -> adapter.mapError;
 * unreadable body -> 502; connection failure -> retryable 502 `upstream_unreachable`; timeout
 * -> retryable 504; credentials that cannot be obtained -> 401 or retryable 502), and for
 * streams decodes the adapter's stream framing once, centrally, and feeds its stream converter.
 */
import { abortReason, type AttemptControl } from "../routing/attempt-control.ts";
import { badUpstreamResponse, GatewayError } from "../http/errors.ts";
import type { ChatCompletionChunk, ChatCompletionRequest, EmbeddingsRequest, TokenUsage } from "../http/openai-types.ts";
import type { RuntimeDeployment } from "../start/plan.ts";
import type { FetchFunction } from "../stores/ports.ts";
import type { ConvertedEmbeddings, ConvertedResponse, NativeAdapter, ProviderContext, StreamFormat, UpstreamEvent, UpstreamRequest } from "../providers/types.ts";
import { decodeStream } from "./stream/decode-stream.ts";

/** One attempt at one deployment: what every upstream call needs besides the request itself. */
export interface UpstreamAttempt {
  target: RuntimeDeployment;
  context: ProviderContext;
  fetch: FetchFunction;
  control: AttemptControl;
}

export interface UpstreamCall extends UpstreamAttempt {
  request: ChatCompletionRequest;
}

export interface EmbeddingsCall extends UpstreamAttempt {
  request: EmbeddingsRequest;
}

export interface CompletedEmbeddings {
  converted: ConvertedEmbeddings;
  warnings: readonly string[];
}

export interface CompletedCall {
  converted: ConvertedResponse;
  /** Parameters the adapter dropped or changed. */
  warnings: readonly string[];
}

/** A stream whose first chunks have arrived; from here on, failures reach the client as an error event. */
export interface UpstreamStream<T = ChatCompletionChunk> {
  /** Chunks read before committing: at least one, unless the upstream stream was empty. */
  readonly first: readonly T[];
  readonly warnings: readonly string[];
  /** The next chunks, or null once the stream has ended normally. Rejects with a GatewayError. */
  next(): Promise<T[] | null>;
  /** Usage reported so far (complete after next() returned null). */
  usage(): TokenUsage | undefined;
  /** Stop reading and abort the upstream request (the client went away). */
  cancel(reason: GatewayError): void;
}

/** Not a GatewayError: a bug in gw or an adapter. Reported as a 500 that hides the details. */
export function internalError(cause: unknown): GatewayError {
  return new GatewayError({
    status: 500,
    type: "api_error",
    code: "internal_error",
    retryable: false,
    message: "gw hit an internal error while handling this request; the details are in the gateway's log.",
    cause,
  });
}

/**
 * An embeddings request for a model none of whose deployments has an embeddings API in gw
 * (route-endpoints.ts decides that from the bundle, so it is never retried).
 */
export function embeddingsNotSupported(providers: readonly string[], model: string): GatewayError {
  const unique = [...new Set(providers)];
  const names = unique.join(", ");
  return new GatewayError({
    status: 400,
    type: "invalid_request_error",
    code: "embeddings_not_supported",
    param: "model",
    retryable: false,
    message:
      `The model "${model}" is served by ${names}, which ${unique.length === 1 ? "has" : "have"} no embeddings API in gw. ` +
      `Use an embeddings model of a provider that has one (openai, azure, gemini, vertex, bedrock, cohere, mistral, ollama, OpenAI-compatible presets).`,
  });
}

function unreachable(target: RuntimeDeployment, error: unknown): GatewayError {
  const { id, provider } = target.deployment;
  return new GatewayError({
    status: 502,
    type: "upstream_error",
    code: "upstream_unreachable",
    retryable: true,
    message: `gw could not reach deployment "${id}" (${provider}): ${describeNetworkError(error)}. Check its baseUrl and that the upstream is up.`,
    cause: error,
  });
}

/** A short, secret-free description of a network failure: the system error code where there is one. */
function describeNetworkError(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const cause = (error as { cause?: unknown }).cause;
    const code = (error as { code?: unknown }).code ?? (typeof cause === "object" && cause !== null ? (cause as { code?: unknown }).code : undefined);
    if (typeof code === "string" && /^[A-Za-z_]+$/.test(code)) return code;
    if (error instanceof Error) return error.name === "TypeError" ? "connection failed" : error.name;
  }
  return "connection failed";
}

/** Map a failure of this attempt: our abort reasons first, then GatewayErrors as they are, then network errors. */
function toAttemptError(error: unknown, call: UpstreamAttempt): GatewayError {
  return abortReason(call.control.signal) ?? (error instanceof GatewayError ? error : unreachable(call.target, error));
}

/**
 * An authorizer failed with something other than a GatewayError (adapters should throw those,
 * e.g. a 401 `upstream_authentication_failed` when the token endpoint refuses the credentials).
 * An error carrying a 4xx `status` means the credentials were refused; anything else means
 * they could not be obtained (token endpoint unreachable): retryable. Never quotes the error's
 * message, which may contain credential material.
 */
function authorizationError(call: UpstreamAttempt, error: unknown): GatewayError {
  const aborted = abortReason(call.control.signal);
  if (aborted) return aborted;
  if (error instanceof GatewayError) return error;
  const { id, provider } = call.target.deployment;
  const status = typeof error === "object" && error !== null ? (error as { status?: unknown }).status : undefined;
  if (typeof status === "number" && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new GatewayError({
      status: 401,
      type: "authentication_error",
      code: "upstream_authentication_failed",
      retryable: false,
      message: `The ${provider} credentials of deployment "${id}" were refused (HTTP ${status}). Check the deployment's credentials.`,
      cause: error,
    });
  }
  return new GatewayError({
    status: 502,
    type: "upstream_error",
    code: "upstream_credentials_unavailable",
    retryable: true,
    message: `gw could not obtain credentials for deployment "${id}" (${provider}): ${describeNetworkError(error)}. Check that the provider's token endpoint is reachable.`,
    cause: error,
  });
}

/**
 * The deployment's extra headers replace any header of the same name (in any case) that the
 * adapter set; names in `extra` are lower-case already.
 */
export function mergeHeaders(headers: Record<string, string>, extra: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (lower !== name && Object.hasOwn(extra, lower)) delete headers[name];
  }
  Object.assign(headers, extra);
}

async function authorize(call: UpstreamAttempt, upstream: UpstreamRequest): Promise<void> {
  const { extraHeaders, authorizer } = call.target;
  if (extraHeaders !== null) mergeHeaders(upstream.headers, extraHeaders);
  if (authorizer === null) return;
  try {
    await authorizer.authorize(upstream, call.control.signal);
  } catch (error) {
    throw authorizationError(call, error);
  }
}

/** Send the request; resolves with a 2xx response, else rejects with a GatewayError. */
async function send(call: UpstreamAttempt, upstream: UpstreamRequest): Promise<Response> {
  const { adapter } = call.target;
  const signal = call.control.signal;
  // Deployments without extra headers or authorizer skip this step entirely (no await).
  if (call.target.extraHeaders !== null || call.target.authorizer !== null) await authorize(call, upstream);
  let response: Response;
  try {
    response = adapter.transport
      ? await adapter.transport(upstream, signal)
      : await call.fetch(upstream.url, { method: upstream.method, headers: upstream.headers, body: upstream.body, signal });
  } catch (error) {
    throw toAttemptError(error, call);
  }
  if (response.ok) return response;
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw toAttemptError(error, call);
  }
  let mapped: GatewayError;
  try {
    mapped = adapter.mapError(response.status, text, response.headers);
  } catch (error) {
    throw internalError(error);
  }
  throw mapped;
}

async function build(call: UpstreamCall, stream: boolean): Promise<{ upstream: UpstreamRequest; warnings: string[] }> {
  try {
    return await call.target.adapter.buildRequest(call.request, call.target.deployment, stream);
  } catch (error) {
    throw error instanceof GatewayError ? error : internalError(error);
  }
}

/** Send one request and read its JSON body. */
async function sendForJson(call: UpstreamAttempt, upstream: UpstreamRequest): Promise<unknown> {
  const response = await send(call, upstream);
  try {
    return await response.json();
  } catch (error) {
    const aborted = abortReason(call.control.signal);
    if (aborted) throw aborted;
    if (error instanceof SyntaxError) throw badUpstreamResponse(call.target.deployment.provider, "the body is not valid JSON");
    throw unreachable(call.target, error);
  }
}

/** One non-streaming attempt. */
export async function completeUpstream(call: UpstreamCall): Promise<CompletedCall> {
  const { upstream, warnings } = await build(call, false);
  const body = await sendForJson(call, upstream);
  try {
    return { converted: call.target.adapter.convertResponse(body, call.context), warnings };
  } catch (error) {
    throw error instanceof GatewayError ? error : badUpstreamResponse(call.target.deployment.provider, "unexpected response shape");
  }
}

/** The most role-only or empty chunks held back before a stream is committed anyway. */
const heldChunksLimit = 32;

/** Whether a chunk carries something for the client: content, refusal, a tool-call delta, a finish reason, or usage. */
export function carriesOutput(chunk: ChatCompletionChunk): boolean {
  if ((chunk as { usage?: unknown }).usage != null) return true;
  for (const choice of chunk.choices ?? []) {
    if (choice.finish_reason != null) return true;
    const delta = choice.delta as { content?: unknown; refusal?: unknown; tool_calls?: unknown[]; function_call?: unknown } | undefined;
    if (delta === undefined || delta === null) continue;
    if (typeof delta.content === "string" && delta.content !== "") return true;
    if (typeof delta.refusal === "string" && delta.refusal !== "") return true;
    if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) return true;
    if (delta.function_call != null) return true;
  }
  return false;
}

/** What turns a stream's decoded events into what is relayed (chat chunks, or a native dialect's frames). */
interface FrameConverter<T> {
  push(event: UpstreamEvent): T[];
  end(): T[];
  usage(): TokenUsage | undefined;
}

/**
 * One streaming attempt, read up to its first chunk that carries output (carriesOutput). Rejects
 * (so the caller can retry or fall back) when the stream fails before that. The control's timer is
 * restarted on every upstream event, and disposed when the stream ends or fails.
 */
export async function startUpstreamStream(call: UpstreamCall): Promise<UpstreamStream> {
  const { upstream, warnings } = await build(call, true);
  return openStream(call, upstream, warnings, call.target.adapter.streamFormat, call.target.adapter.createStreamConverter(call.context, call.request), carriesOutput);
}

/**
 * A client's request in a dialect (Messages, Responses) to a deployment that speaks it itself
 * (NativeAdapter): one mechanism for every dialect, the adapter supplying the URL, the usage
 * reader and the stream's reading (which event is the last, which an error).
 */
export interface NativeCall extends UpstreamAttempt {
  native: NativeAdapter;
  /** The client's body, as it sent it (or as the endpoint resolved it, e.g. stored responses' items). */
  body: Readonly<Record<string, unknown>>;
  /** The client's dialect header passed on (Messages: `anthropic-beta`); null: none. */
  beta: string | null;
  /** The chat request it means: what the stream converter and gw's own counts read. */
  request: ChatCompletionRequest;
}

/** A native answer: the upstream's JSON as it came, and its usage read. */
export interface CompletedNative {
  readonly native: true;
  payload: unknown;
  usage: TokenUsage;
  warnings: readonly string[];
}

/** One upstream event of a native stream: as it came, re-encoded for the client, and the chat chunks it means (for gw's counts). */
export interface NativeFrame {
  /** The event relayed; the empty event for the chunks the converter adds at the end. */
  event: UpstreamEvent;
  bytes: Uint8Array;
  chunks: ChatCompletionChunk[];
}

export type NativeStream = UpstreamStream<NativeFrame> & { readonly native: true };

function buildNative(call: NativeCall, stream: boolean): UpstreamRequest {
  try {
    return call.native.buildRequest(call.body, call.target.deployment, stream, call.beta);
  } catch (error) {
    throw error instanceof GatewayError ? error : internalError(error);
  }
}

/** One non-streaming native attempt: the answer passes through; its usage is read by the adapter's own reader. */
export async function completeNative(call: NativeCall): Promise<CompletedNative> {
  const body = await sendForJson(call, buildNative(call, false));
  try {
    return { native: true, payload: body, usage: call.native.usageOf(body, call.context), warnings: [] };
  } catch (error) {
    throw error instanceof GatewayError ? error : badUpstreamResponse(call.target.deployment.provider, "unexpected response shape");
  }
}

const frameEncoder = new TextEncoder();
const endEvent: UpstreamEvent = { event: undefined, data: "" };

/** One streaming native attempt: every event relayed as it came (an error event fails the attempt, as in chat). */
export async function startNativeStream(call: NativeCall): Promise<NativeStream> {
  const { native } = call;
  const chat = native.createStreamConverter(call.context, call.request);
  const converter: FrameConverter<NativeFrame> = {
    push(event) {
      const relayed = native.toClientEvent === undefined ? event : native.toClientEvent(event);
      if (relayed === null) return [];
      const chunks = chat.push(relayed);
      const text = relayed.event === undefined ? `data: ${relayed.data}\n\n` : `event: ${relayed.event}\ndata: ${relayed.data}\n\n`;
      return [{ event: relayed, bytes: frameEncoder.encode(text), chunks }];
    },
    end: () => {
      const chunks = chat.end();
      return chunks.length === 0 ? [] : [{ event: endEvent, bytes: new Uint8Array(0), chunks }];
    },
    usage: () => chat.usage(),
  };
  const stream = await openStream(call, buildNative(call, true), [], native.streamFormat, converter, (frame) => frame.chunks.some(carriesOutput));
  return { ...stream, native: true };
}

async function openStream<T>(
  call: UpstreamAttempt,
  upstream: UpstreamRequest,
  warnings: readonly string[],
  format: StreamFormat,
  converter: FrameConverter<T>,
  carries: (item: T) => boolean,
): Promise<UpstreamStream<T>> {
  const { target, control } = call;
  const response = await send(call, upstream);
  if (response.body === null) {
    control.dispose();
    throw badUpstreamResponse(target.deployment.provider, "the stream has no body");
  }
  const events: AsyncGenerator<UpstreamEvent, void, undefined> = decodeStream(format, response.body, {
    provider: target.deployment.provider,
  });
  let ended = false;

  const fail = (error: unknown): GatewayError => {
    ended = true;
    const mapped = toAttemptError(error, call);
    control.dispose();
    void events.return(undefined).catch(() => undefined);
    return mapped;
  };

  const convert = (run: () => T[]): T[] => {
    try {
      return run();
    } catch (error) {
      throw error instanceof GatewayError ? error : badUpstreamResponse(target.deployment.provider, "unexpected stream event");
    }
  };

  const next = async (): Promise<T[] | null> => {
    if (ended) return null;
    try {
      for (;;) {
        const result = await events.next();
        if (result.done) {
          ended = true;
          control.dispose();
          const tail = convert(() => converter.end());
          return tail.length > 0 ? tail : null;
        }
        control.restartTimer();
        const event = result.value;
        const chunks = convert(() => converter.push(event));
        if (chunks.length > 0) return chunks;
      }
    } catch (error) {
      throw fail(error);
    }
  };

  // The 200 is committed only with a chunk the client would notice (content, a tool-call
  // delta, a finish reason or usage): a stream that fails after only role-only or empty chunks
  // throws here, so it is retried or falls back like one that failed before its first byte.
  // Bounded: after heldChunksLimit empty chunks the stream is committed anyway.
  const first: T[] = [];
  while (first.length < heldChunksLimit) {
    const chunks = await next();
    if (chunks === null) break;
    first.push(...chunks);
    if (chunks.some(carries)) break;
  }
  return {
    first,
    warnings,
    next,
    usage: () => converter.usage(),
    cancel(reason) {
      if (ended) return;
      ended = true;
      control.abort(reason);
      control.dispose();
      void events.return(undefined).catch(() => undefined);
    },
  };
}

/** How many of one attempt's embeddings requests are in flight at once (providers that embed one input per call). */
const embeddingsConcurrency = 8;

/**
 * One embeddings attempt: every upstream request the adapter needs (in parallel, at most
 * `embeddingsConcurrency` at a time; the first failure aborts the others and is the attempt's
 * error), then one OpenAI embeddings response.
 */
export async function embedUpstream(call: EmbeddingsCall): Promise<CompletedEmbeddings> {
  const { target, control } = call;
  const adapter = target.adapter.embeddings;
  if (adapter === undefined) throw embeddingsNotSupported([target.deployment.provider], call.context.publicModel);
  let built: { upstream: UpstreamRequest[]; warnings: string[] };
  try {
    built = await adapter.buildRequests(call.request, target.deployment);
  } catch (error) {
    throw error instanceof GatewayError ? error : internalError(error);
  }
  const requests = built.upstream;
  let bodies: unknown[];
  if (requests.length === 1) {
    bodies = [await sendForJson(call, requests[0] as UpstreamRequest)];
  } else {
    bodies = new Array<unknown>(requests.length);
    let next = 0;
    let failure: GatewayError | undefined;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < requests.length) {
        const index = next++;
        try {
          bodies[index] = await sendForJson(call, requests[index] as UpstreamRequest);
        } catch (error) {
          if (failure === undefined) {
            failure = error instanceof GatewayError ? error : internalError(error);
            control.abort(failure);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(embeddingsConcurrency, requests.length) }, worker));
    if (failure !== undefined) throw failure;
  }
  try {
    return { converted: adapter.convertResponses(bodies, call.request, call.context), warnings: built.warnings };
  } catch (error) {
    throw error instanceof GatewayError ? error : badUpstreamResponse(target.deployment.provider, "unexpected embeddings response shape");
  }
}
