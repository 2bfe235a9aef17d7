/**
 * Building responses: the OpenAI error shape with the right status and headers, and the
 * SSE response that relays an upstream stream to the client.
 */
import { clientClosedError } from "../routing/attempt-control.ts";
import { GatewayError } from "./errors.ts";
import type { ChatCompletionChunk } from "./openai-types.ts";
import { encodeSseChunk, encodeSseError, sseDone } from "../upstream/stream/encode-sse.ts";
import type { UpstreamStream } from "../upstream/upstream.ts";

export type HeaderRecord = Record<string, string>;

/**
 * `{"error": {...}}` with the error's status. A non-retryable error also says
 * `x-should-retry: false`, which the official OpenAI and Anthropic SDKs obey (so a spent
 * budget's 429 is not retried by the client); an upstream's Retry-After is passed on.
 */
export function errorResponse(error: GatewayError, headers: HeaderRecord, errorBody: ErrorBody = openAiErrorBody): Response {
  headers["content-type"] = "application/json";
  if (!error.retryable) headers["x-should-retry"] = "false";
  else if (error.retryAfterMs !== undefined) headers["retry-after"] = String(Math.ceil(error.retryAfterMs / 1000));
  return new Response(JSON.stringify(errorBody(error)), { status: error.status, headers });
}

/** An error's JSON body in the client's dialect (OpenAI's by default; Anthropic's for /v1/messages). */
export type ErrorBody = (error: GatewayError) => unknown;

export const openAiErrorBody: ErrorBody = (error) => error.toJSON();

/**
 * How a stream is written in the client's dialect: an event (or several) per chat chunk, the
 * normal end, and an error after the stream started. Created per stream: a dialect's encoder may
 * keep state (Anthropic's content blocks, the Responses API's output items).
 */
export interface StreamEncoder {
  chunk(chunk: ChatCompletionChunk): Uint8Array | null;
  /** The stream ended normally: chat's `data: [DONE]`, another dialect's closing events. */
  end(): Uint8Array | null;
  error(error: GatewayError): Uint8Array;
}

/** Chat's own stream: `data: <chunk>` per chunk, `data: [DONE]` at the end, OpenAI's error shape. */
export const chatStreamEncoder: StreamEncoder = { chunk: encodeSseChunk, end: () => sseDone, error: encodeSseError };

/** Header values must be Latin-1 without control characters; adapter warnings are free text. */
export function headerSafe(values: readonly string[]): string {
  return values.join("; ").replace(/[^\x20-\x7e]/g, "?");
}

/** `relayed` is the completion text and tool-call argument text the client was sent (for estimating usage the upstream never reported). */
export type StreamEnd = (status: number, error: GatewayError | null, relayed: string) => void;

/**
 * Keep the text parts a chunk relays (content, refusal, tool-call arguments). Only string
 * references are kept per chunk; they are joined (and tokenized) once, at the end, and only
 * when the upstream's usage is missing.
 */
function collectRelayed(chunk: ChatCompletionChunk, parts: string[]): void {
  const choices = chunk.choices;
  if (choices === undefined) return;
  for (const choice of choices) {
    const delta = choice.delta as { content?: unknown; refusal?: unknown; tool_calls?: Array<{ function?: { name?: unknown; arguments?: unknown } }> } | undefined;
    if (delta === undefined || delta === null) continue;
    if (typeof delta.content === "string" && delta.content !== "") parts.push(delta.content);
    if (typeof delta.refusal === "string" && delta.refusal !== "") parts.push(delta.refusal);
    const calls = delta.tool_calls;
    if (Array.isArray(calls)) {
      for (const call of calls) {
        const fn = call.function;
        if (fn === undefined) continue;
        if (typeof fn.name === "string") parts.push(fn.name);
        if (typeof fn.arguments === "string") parts.push(fn.arguments);
      }
    }
  }
}

/** The error event of a stream still running when the shutdown grace ends. */
export const shuttingDown = new GatewayError({
  status: 503,
  type: "api_error",
  code: "server_shutting_down",
  retryable: true,
  message: "gw is shutting down and ended this stream before it finished. Retry the request; another replica (or this one, restarted) will answer it.",
});

/**
 * Relay a started upstream stream as `text/event-stream`. Pull-based: one upstream read per
 * client read, so a slow client slows the upstream instead of buffering.
 *
 * Ends, and calls `onEnd` exactly once, in one of three ways:
 * - normally: `data: [DONE]` then close (status 200);
 * - the upstream fails mid-stream: one `data: {"error": {...}}` event in OpenAI's error shape,
 *   then close WITHOUT `[DONE]`, so clients see the stream as failed (the OpenAI SDKs raise
 *   the error) and never wait for more;
 * - the client goes away (the body is cancelled): the upstream request is aborted (499).
 *
 * `onFirstChunk` is called once, when the first chunk is handed to the client's body.
 * `encoder` writes the stream in the client's dialect: chat's own by default, another for a
 * dialect mapped onto chat (endpoints/completions.ts, messages.ts); `relayed` is always read from
 * the chat chunks.
 */
export function streamResponse(
  stream: UpstreamStream,
  headers: HeaderRecord,
  onEnd: StreamEnd,
  onFirstChunk?: () => void,
  shutdown?: AbortSignal,
  encoder: StreamEncoder = chatStreamEncoder,
): Response {
  let done = false;
  let sentFirst = false;
  const relayed: string[] = [];
  let onShutdown: (() => void) | null = null;
  const end = (status: number, error: GatewayError | null): void => {
    if (done) return;
    done = true;
    if (onShutdown !== null) shutdown?.removeEventListener("abort", onShutdown);
    onEnd(status, error, relayed.join(""));
  };
  /** Returns whether anything was enqueued (an encoder may write nothing for a chunk, e.g. a usage-only one). */
  const enqueueAll = (controller: ReadableStreamDefaultController<Uint8Array>, chunks: readonly ChatCompletionChunk[]): boolean => {
    if (chunks.length === 0) return false;
    if (!sentFirst) {
      sentFirst = true;
      onFirstChunk?.();
    }
    let enqueued = false;
    for (const chunk of chunks) {
      const bytes = encoder.chunk(chunk);
      if (bytes !== null) {
        controller.enqueue(bytes);
        enqueued = true;
      }
      collectRelayed(chunk, relayed);
    }
    return enqueued;
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        enqueueAll(controller, stream.first);
        if (shutdown === undefined) return;
        onShutdown = () => {
          if (done) return;
          stream.cancel(shuttingDown);
          try {
            controller.enqueue(encoder.error(shuttingDown));
            controller.close();
          } catch {
            // The client is gone already: nothing to tell it.
          }
          end(shuttingDown.status, shuttingDown);
        };
        if (shutdown.aborted) onShutdown();
        else shutdown.addEventListener("abort", onShutdown, { once: true });
      },
      async pull(controller) {
        // Read on until this pull enqueues something or the stream ends: Bun does not call pull
        // again after a pull that enqueued nothing (with highWaterMark 0), so the stream would stall.
        for (;;) {
          if (done) return;
          let chunks: ChatCompletionChunk[] | null;
          try {
            chunks = await stream.next();
          } catch (error) {
            const failure = error as GatewayError;
            if (done) return;
            if (failure === clientClosedError) {
              end(499, failure);
              controller.error(failure);
              return;
            }
            controller.enqueue(encoder.error(failure));
            controller.close();
            end(failure.status, failure);
            return;
          }
          if (done) return;
          if (chunks === null) {
            const tail = encoder.end();
            if (tail !== null) controller.enqueue(tail);
            controller.close();
            end(200, null);
            return;
          }
          if (enqueueAll(controller, chunks)) return;
        }
      },
      cancel() {
        stream.cancel(clientClosedError);
        end(499, clientClosedError);
      },
    },
    { highWaterMark: 0 },
  );
  headers["content-type"] = "text/event-stream; charset=utf-8";
  headers["cache-control"] = "no-cache";
  headers["x-accel-buffering"] = "no";
  return new Response(body, { status: 200, headers });
}
