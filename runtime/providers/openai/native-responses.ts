/**
 * OpenAI's Responses API spoken natively (types.ts NativeAdapter): a client's `/v1/responses`
 * body goes to `{baseUrl}/responses` as it came, with the deployment's model and key, and the
 * Response or its stream events are relayed as they came (built-in tools, `include`,
 * `background`, `truncation`, `prompt`... all kept). gw reads only its usage, and, from a
 * stream, the chat chunks the text and function-call deltas mean (for its own counts when the
 * usage never comes):
 *
 * response.output_text.delta / refusal.delta     -> content / refusal deltas
 * output_item.added (function_call), function_call_arguments.delta -> tool-call deltas
 * response.completed / response.incomplete       -> the finish reason and the final usage (the stream is complete)
 * response.failed, error                         -> the stream's error (thrown)
 *
 * Azure OpenAI speaks the same format at its own URL (providers/azure/native-responses.ts).
 * @see https://platform.openai.com/docs/api-reference/responses/object
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
import { badUpstreamResponse, type GatewayError } from "../../http/errors.ts";
import type { ChatCompletionChunk, FinishReason, TokenUsage } from "../../http/openai-types.ts";
import { parseStreamEvent } from "../shared/parse-stream-event.ts";
import { streamEndedEarly } from "../shared/stream-ended-early.ts";
import type { NativeAdapter, ProviderContext, ResolvedDeployment, StreamConverter, UpstreamEvent, UpstreamRequest } from "../types.ts";
import { createHeaders } from "./endpoint.ts";
import { mapStreamError } from "./map-error.ts";
import { isRecord, type JsonRecord, readCount } from "./openai-api.ts";
import { zeroUsage } from "./convert-response.ts";

/**
 * A Response's usage -> TokenUsage. `input_tokens` includes the cached (and cache-written)
 * tokens and `output_tokens` the reasoning tokens, as chat's prompt and completion counts do.
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage
 */
export function toResponsesTokenUsage(usage: unknown): TokenUsage {
  if (!isRecord(usage)) return { ...zeroUsage };
  const input = readCount(usage.input_tokens);
  const inputDetails = isRecord(usage.input_tokens_details) ? usage.input_tokens_details : {};
  const outputDetails = isRecord(usage.output_tokens_details) ? usage.output_tokens_details : {};
  const cacheRead = Math.min(input, readCount(inputDetails.cached_tokens));
  const cacheWrite = Math.min(input - cacheRead, readCount(inputDetails.cache_write_tokens));
  return {
    inputTokens: input - cacheRead - cacheWrite,
    outputTokens: readCount(usage.output_tokens),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: readCount(outputDetails.reasoning_tokens),
  };
}

/** A whole Response's usage (a background response, still queued, has none yet: zero). */
export function readResponseUsage(provider: string, body: unknown): TokenUsage {
  if (!isRecord(body) || body.object !== "response") throw badUpstreamResponse(provider, "the answer is not a Response object");
  return toResponsesTokenUsage(body.usage);
}

/** The error a `response.failed` or `error` event carries, as gw's (429 for a rate limit, else a retryable 502). */
function streamError(provider: string, error: unknown): GatewayError {
  const fields: JsonRecord = isRecord(error) ? error : {};
  const code = typeof fields.code === "string" ? fields.code : null;
  const type = code === "rate_limit_exceeded" ? "rate_limit_error" : typeof fields.type === "string" && fields.type !== "error" ? fields.type : "server_error";
  return mapStreamError(provider, { error: { message: fields.message, code, param: fields.param ?? null, type } });
}

function finishReason(response: JsonRecord, calledTools: boolean): FinishReason {
  if (response.status === "incomplete") {
    const reason = isRecord(response.incomplete_details) ? response.incomplete_details.reason : null;
    return reason === "content_filter" ? "content_filter" : "length";
  }
  return calledTools ? "tool_calls" : "stop";
}

/** The stream's events -> the chat chunks they mean (only what gw counts: text, refusals, tool calls, the finish, usage). */
export function createResponsesStreamConverter(provider: string, context: ProviderContext): StreamConverter {
  let usage: TokenUsage | undefined;
  let done = false;
  /** Tool-call index (chat's) of each function_call item, by output_index. */
  const toolIndexes = new Map<number, number>();
  const chunk = (delta: Record<string, unknown>, finish: FinishReason | null = null, chunkUsage?: unknown): ChatCompletionChunk =>
    ({
      id: `chatcmpl-${context.requestId}`,
      object: "chat.completion.chunk",
      created: context.created,
      model: context.publicModel,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      ...(chunkUsage === undefined ? {} : { usage: chunkUsage }),
    }) as unknown as ChatCompletionChunk;

  function push(event: UpstreamEvent): ChatCompletionChunk[] {
    if (done) return [];
    const type = event.event;
    // Only the events gw reads are parsed; the others (most of them) are relayed unread.
    switch (type) {
      case "response.output_text.delta":
      case "response.refusal.delta": {
        const payload = parseStreamEvent(provider, event.data);
        if (typeof payload.delta !== "string" || payload.delta === "") return [];
        return [chunk(type === "response.output_text.delta" ? { content: payload.delta } : { refusal: payload.delta })];
      }
      case "response.output_item.added": {
        const payload = parseStreamEvent(provider, event.data);
        const item = payload.item;
        if (!isRecord(item) || item.type !== "function_call" || typeof payload.output_index !== "number") return [];
        const index = toolIndexes.size;
        toolIndexes.set(payload.output_index, index);
        const name = typeof item.name === "string" ? item.name : "";
        return [chunk({ tool_calls: [{ index, id: typeof item.call_id === "string" ? item.call_id : "", type: "function", function: { name, arguments: "" } }] })];
      }
      case "response.function_call_arguments.delta": {
        const payload = parseStreamEvent(provider, event.data);
        const index = typeof payload.output_index === "number" ? toolIndexes.get(payload.output_index) : undefined;
        if (index === undefined || typeof payload.delta !== "string") return [];
        return [chunk({ tool_calls: [{ index, function: { arguments: payload.delta } }] })];
      }
      case "response.completed":
      case "response.incomplete": {
        const payload = parseStreamEvent(provider, event.data);
        if (!isRecord(payload.response)) throw badUpstreamResponse(provider, `a ${type} event has no response`);
        done = true;
        usage = toResponsesTokenUsage(payload.response.usage);
        const wire = isRecord(payload.response.usage) ? payload.response.usage : null;
        const chatUsage = { prompt_tokens: readCount(wire?.input_tokens), completion_tokens: readCount(wire?.output_tokens), total_tokens: readCount(wire?.total_tokens) };
        return [chunk({}, finishReason(payload.response, toolIndexes.size > 0), chatUsage)];
      }
      case "response.failed": {
        const payload = parseStreamEvent(provider, event.data);
        throw streamError(provider, isRecord(payload.response) ? payload.response.error : null);
      }
      case "error":
        throw streamError(provider, parseStreamEvent(provider, event.data));
      default:
        return [];
    }
  }

  function end(): ChatCompletionChunk[] {
    if (!done) throw streamEndedEarly(provider, "before response.completed: the answer is incomplete");
    return [];
  }

  return { push, end, usage: () => usage };
}

/** A native Responses adapter at `url(deployment)`, with `headers(deployment, stream)`: OpenAI's below, Azure's beside its adapter. */
export function createNativeResponses(options: {
  provider: string;
  serves?: (deployment: ResolvedDeployment) => boolean;
  url: (deployment: ResolvedDeployment) => string;
  headers: (deployment: ResolvedDeployment, stream: boolean) => Record<string, string>;
}): NativeAdapter {
  const { provider } = options;
  return {
    serves: options.serves ?? (() => true),
    buildRequest(body, deployment, stream): UpstreamRequest {
      return { url: options.url(deployment), method: "POST", headers: options.headers(deployment, stream), body: JSON.stringify({ ...body, model: deployment.model, stream: stream ? true : undefined }) };
    },
    streamFormat: "sse",
    usageOf: (body) => readResponseUsage(provider, body),
    createStreamConverter: (context) => createResponsesStreamConverter(provider, context),
  };
}

/** OpenAI's own `POST /v1/responses` (`baseUrl` includes the version path). */
export const nativeResponses: NativeAdapter = createNativeResponses({
  provider: "openai",
  url: (deployment) => `${deployment.baseUrl}/responses`,
  headers: createHeaders,
});
