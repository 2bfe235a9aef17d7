/**
 * The one module that talks to upstreams. It sends the request an adapter built (through the
 * injected fetch, or the adapter's own in-process transport), turns every failure into a
 * GatewayError (non-2xx -> adapter.mapError; unreadable body -> 502; connection failure ->
 * retryable 502 `upstream_unreachable`; timeout -> retryable 504), and for streams decodes
 * the SSE framing once and feeds the adapter's stream converter.
 */
import { abortReason, type AttemptControl } from "./attempt-control.ts";
import { badUpstreamResponse, GatewayError } from "./errors.ts";
import type { ChatCompletionChunk, ChatCompletionRequest, TokenUsage } from "./openai-types.ts";
import type { RuntimeDeployment } from "./plan.ts";
import type { FetchFunction } from "./ports.ts";
import type { ConvertedResponse, ProviderContext, UpstreamEvent, UpstreamRequest } from "./providers/types.ts";
import { decodeSse } from "./stream/decode-sse.ts";

export interface UpstreamCall {
  target: RuntimeDeployment;
  request: ChatCompletionRequest;
  context: ProviderContext;
  fetch: FetchFunction;
  control: AttemptControl;
}

export interface CompletedCall {
  converted: ConvertedResponse;
  /** Parameters the adapter dropped or changed. */
  warnings: readonly string[];
}

/** A stream whose first chunks have arrived; from here on, failures reach the client as an error event. */
export interface UpstreamStream {
  /** Chunks read before committing: at least one, unless the upstream stream was empty. */
  readonly first: readonly ChatCompletionChunk[];
  readonly warnings: readonly string[];
  /** The next chunks, or null once the stream has ended normally. Rejects with a GatewayError. */
  next(): Promise<ChatCompletionChunk[] | null>;
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
function toAttemptError(error: unknown, call: UpstreamCall): GatewayError {
  return abortReason(call.control.signal) ?? (error instanceof GatewayError ? error : unreachable(call.target, error));
}

/** Send the request; resolves with a 2xx response, else rejects with a GatewayError. */
async function send(call: UpstreamCall, upstream: UpstreamRequest): Promise<Response> {
  const { adapter } = call.target;
  const signal = call.control.signal;
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

/** One non-streaming attempt. */
export async function completeUpstream(call: UpstreamCall): Promise<CompletedCall> {
  const { upstream, warnings } = await build(call, false);
  const response = await send(call, upstream);
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    const aborted = abortReason(call.control.signal);
    if (aborted) throw aborted;
    if (error instanceof SyntaxError) throw badUpstreamResponse(call.target.deployment.provider, "the body is not valid JSON");
    throw unreachable(call.target, error);
  }
  try {
    return { converted: call.target.adapter.convertResponse(body, call.context), warnings };
  } catch (error) {
    throw error instanceof GatewayError ? error : badUpstreamResponse(call.target.deployment.provider, "unexpected response shape");
  }
}

/**
 * One streaming attempt, read up to its first chunks. Rejects (so the caller can retry or
 * fall back) when the stream fails before producing any chunk. The control's timer is
 * restarted on every upstream event, and disposed when the stream ends or fails.
 */
export async function startUpstreamStream(call: UpstreamCall): Promise<UpstreamStream> {
  const { upstream, warnings } = await build(call, true);
  const { target, control } = call;
  const response = await send(call, upstream);
  if (response.body === null) {
    control.dispose();
    throw badUpstreamResponse(target.deployment.provider, "the stream has no body");
  }
  const events: AsyncGenerator<UpstreamEvent, void, undefined> = decodeSse(response.body, { provider: target.deployment.provider });
  const converter = target.adapter.createStreamConverter(call.context, call.request);
  let ended = false;

  const fail = (error: unknown): GatewayError => {
    ended = true;
    const mapped = toAttemptError(error, call);
    control.dispose();
    void events.return(undefined).catch(() => undefined);
    return mapped;
  };

  const convert = (run: () => ChatCompletionChunk[]): ChatCompletionChunk[] => {
    try {
      return run();
    } catch (error) {
      throw error instanceof GatewayError ? error : badUpstreamResponse(target.deployment.provider, "unexpected stream event");
    }
  };

  const next = async (): Promise<ChatCompletionChunk[] | null> => {
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

  const first = (await next()) ?? [];
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
