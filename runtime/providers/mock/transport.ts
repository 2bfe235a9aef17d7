/**
 * The mock provider's in-process "network": it answers OpenAI requests exactly as an
 * OpenAI server would (JSON, or SSE ending with `data: [DONE]`), without I/O or timers.
 * Deployment model names steer it:
 * - a name containing "slow" (e.g. "mock-slow") waits 20 ms before each streamed chunk
 *   (and before a JSON answer);
 * - "mock-error-<status>" (e.g. "mock-error-503") answers that HTTP status with an
 *   OpenAI error body, for trying retries and fallbacks.
 * `POST .../embeddings` answers OpenAI embeddings (embeddings.ts); every other path, chat.
 */
import type { UpstreamRequest } from "../types.ts";
import { isRecord } from "../openai/openai-api.ts";
import type { JsonRecord } from "../openai/openai-api.ts";
import { encodeSseChunk, sseDone } from "../../upstream/stream/encode-sse.ts";
import { byteStream } from "../../upstream/stream/byte-stream.ts";
import { createMockEmbeddings } from "./embeddings.ts";
import { createMockReply, toChunks, toCompletion } from "./reply.ts";

const slowDelayMs = 20;

function json(status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json", ...headers } });
}

function errorBody(message: string, type: string, code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

function delay(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, milliseconds);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function slowStream(parts: Uint8Array[], signal: AbortSignal): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const part = parts[next++];
      if (part === undefined) {
        controller.close();
        return;
      }
      await delay(slowDelayMs, signal);
      controller.enqueue(part);
    },
  });
}

function errorStatus(model: string): number | null {
  const match = /^mock-error-(\d{3})$/.exec(model);
  if (!match) return null;
  const status = Number(match[1]);
  return status >= 400 && status <= 599 ? status : null;
}

export async function mockTransport(request: UpstreamRequest, signal: AbortSignal): Promise<Response> {
  signal.throwIfAborted();
  let body: JsonRecord;
  try {
    const parsed: unknown = JSON.parse(request.body);
    if (!isRecord(parsed)) throw new TypeError("not an object");
    body = parsed;
  } catch {
    return json(400, errorBody("The mock provider could not parse the request body as a JSON object.", "invalid_request_error"));
  }
  const embeddings = request.url.endsWith("/embeddings");
  if (!embeddings && !Array.isArray(body.messages)) {
    return json(400, { error: { message: "'messages' is a required property", type: "invalid_request_error", param: "messages", code: null } });
  }
  const model = typeof body.model === "string" ? body.model : "mock";
  const status = errorStatus(model);
  if (status !== null) {
    const type = status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
    return json(status, errorBody(`The mock provider was configured to fail with HTTP ${status} (model "${model}").`, type, "mock_error"), {
      "retry-after-ms": "0",
    });
  }
  const slow = model.includes("slow");
  if (embeddings) {
    const answer = createMockEmbeddings(body);
    if ("problem" in answer) return json(400, { error: { message: answer.problem, type: "invalid_request_error", param: answer.param, code: null } });
    if (slow) await delay(slowDelayMs, signal);
    return json(200, answer);
  }
  const reply = createMockReply(body, request.body, Date.now());
  if (body.stream !== true) {
    if (slow) await delay(slowDelayMs, signal);
    return json(200, toCompletion(reply));
  }
  const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
  const parts = toChunks(reply, includeUsage).map(encodeSseChunk);
  parts.push(sseDone);
  return new Response(slow ? slowStream(parts, signal) : byteStream(parts), {
    status: 200,
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}
