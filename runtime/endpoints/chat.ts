/**
 * POST /v1/chat/completions: auth, parse, route, budget, execute with retries and
 * fallbacks, respond; then log one line and record the spend.
 *
 * Streams commit the HTTP 200 only once the upstream produced its first chunk, so a stream
 * that fails before that is retried or falls back as transparently as a non-streaming
 * request. A stream's cost is known only when it ends: it is logged and recorded then, and
 * is not sent as a header (x-gw-cost-usd is set on non-streaming responses only).
 */
import { GatewayError, invalidRequest } from "../http/errors.ts";
import type { ExecuteOutcome } from "../routing/execute.ts";
import { countTokens } from "../spend/count-tokens.ts";
import { estimateChatCost, estimatePromptTokens, estimateTextTokens } from "../spend/cost-estimate.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, TokenUsage } from "../http/openai-types.ts";
import type { Attempt, PricedEndpoint } from "./priced-request.ts";
import {
  addLimitHeaders,
  readModelBody,
  type RequestDeps,
  type RequestState,
  respondWithFailure,
  respondWithOutcome,
  routeHeaders,
  settleRequest,
} from "./request-flow.ts";
import { headerSafe, type StreamEncoder, streamResponse } from "../http/respond.ts";
import { type CompletedCall, completeUpstream, startUpstreamStream, type UpstreamCall, type UpstreamStream } from "../upstream/upstream.ts";

export { describe } from "./request-flow.ts";

const expectedFields = "`model` and `messages`";

/** Minimal checks needed to route; everything else is the adapter's and the upstream's business. */
/** The roles OpenAI's Chat Completions API accepts; anything else is refused, never forwarded. */
const chatRoles: ReadonlySet<string> = new Set(["system", "developer", "user", "assistant", "tool", "function"]);

export function parseChatRequest(body: unknown): ChatCompletionRequest | GatewayError {
  const fields = readModelBody(body, expectedFields, "models");
  if (fields instanceof GatewayError) return fields;
  const messages = fields.messages;
  if (messages === undefined || messages === null) {
    return invalidRequest("You must provide `messages`: a non-empty array of chat messages.", "messages", "missing_required_parameter");
  }
  if (!Array.isArray(messages) || messages.length === 0) {
    return invalidRequest("`messages` must be a non-empty array of chat messages.", "messages", "invalid_type");
  }
  for (let index = 0; index < messages.length; index++) {
    const message: unknown = messages[index];
    if (typeof message !== "object" || message === null || typeof (message as { role?: unknown }).role !== "string") {
      return invalidRequest(`messages[${index}] must be an object with a string \`role\`.`, `messages[${index}]`, "invalid_type");
    }
    const role = (message as { role: string }).role;
    if (!chatRoles.has(role)) {
      return invalidRequest(
        `messages[${index}].role must be one of ${[...chatRoles].join(", ")}; got ${JSON.stringify(role.slice(0, 40))}.`,
        `messages[${index}].role`,
        "invalid_value",
      );
    }
  }
  const stream = fields.stream;
  if (stream !== undefined && stream !== null && typeof stream !== "boolean") {
    return invalidRequest("`stream` must be a boolean.", "stream", "invalid_type");
  }
  return body as ChatCompletionRequest;
}

/** The 400 for a model whose every deployment serves an embeddings model (route-endpoints.ts). */
function notAChatModel(model: string): GatewayError {
  return invalidRequest(
    `The model "${model}" is an embeddings model: call POST /v1/embeddings with it, or pick a chat model (GET /v1/models lists them).`,
    "model",
    "not_a_chat_model",
  );
}

/** The tokens a request is counted for before it runs: its prompt estimate plus the output it may produce. */
function chatTokenEstimate(chat: ChatCompletionRequest): number {
  const estimate = estimateChatCost(chat, null);
  return estimate.promptTokens + estimate.outputTokens;
}

/**
 * The usage gw counts itself when the upstream's is missing or partial: no usage at all, or
 * (a stream that did not end normally) fewer output tokens than were relayed, as after
 * Anthropic's message_start (prompt plus one token) when the final count never came. Prompt
 * tokens: the reported ones, else estimated from the request; output tokens: estimated from
 * the text and tool-call arguments actually relayed to the client
 * (runtime/spend/cost-estimate.ts). Null when the reported usage stands. Runs once, at
 * settle time.
 */
export function streamUsage(chat: ChatCompletionRequest, reported: TokenUsage | null, relayed: string, endedNormally: boolean): TokenUsage | null {
  if (reported !== null && endedNormally) return null;
  const outputTokens = relayed === "" ? 0 : estimateTextTokens(relayed);
  if (reported !== null && reported.outputTokens >= outputTokens) return null;
  const inputTokens = reported !== null && reported.inputTokens > 0 ? reported.inputTokens : estimatePromptTokens(chat);
  return {
    inputTokens,
    outputTokens,
    cacheReadTokens: reported?.cacheReadTokens ?? 0,
    cacheWriteTokens: reported?.cacheWriteTokens ?? 0,
    reasoningTokens: reported?.reasoningTokens ?? 0,
  };
}

/**
 * `estimate` (from streamUsage) counted again with the model's tokenizer (count-tokens.ts): the
 * prompt's texts (unless the upstream reported the prompt) plus the per-message overheads, and the
 * relayed text. null when gw has no tokenizer for the model; the promise rejects when counting fails
 * or times out (the caller keeps the estimate).
 */
export function countStreamUsage(model: string, chat: ChatCompletionRequest, estimate: TokenUsage, reported: TokenUsage | null, relayed: string): Promise<TokenUsage> | null {
  const promptKnown = reported !== null && reported.inputTokens > 0;
  const texts: string[] = [];
  const overhead = promptKnown
    ? 0
    : estimatePromptTokens(chat, (text) => {
        texts.push(text);
        return 0;
      });
  const promptTexts = texts.length;
  texts.push(relayed);
  const counted = countTokens(model, texts);
  if (counted === null) return null;
  return counted.then((counts) => {
    let prompt = overhead;
    for (let index = 0; index < promptTexts; index++) prompt += counts[index] ?? 0;
    const output = relayed === "" ? 0 : (counts[promptTexts] ?? estimate.outputTokens);
    return { ...estimate, inputTokens: promptKnown ? estimate.inputTokens : prompt, outputTokens: Math.max(output, reported?.outputTokens ?? 0) };
  });
}

/** One attempt's result: a whole completion, or a stream whose 200 is committed on its first chunk. */
type ChatValue = CompletedCall | UpstreamStream;

/**
 * How a dialect mapped onto chat answers (completions.ts, messages.ts): the chat completion and
 * the stream converted at the edge, after accounting, which reads chat's shapes.
 */
export interface ChatAnswerConverter<Body = ChatCompletionRequest> {
  toPayload(completion: ChatCompletion, body: Body, usage: TokenUsage): unknown;
  /** A new encoder for one stream (it may keep state across chunks). */
  streamEncoder(body: Body): StreamEncoder;
}

/** Chat completions as a priced endpoint (priced-request.ts); `answerAs` absent: chat's own shapes. */
export function chatEndpoint(deps: RequestDeps, answerAs?: ChatAnswerConverter): PricedEndpoint<ChatCompletionRequest, ChatValue> {
  const call = ({ target, body: chat, context, control }: Attempt<ChatCompletionRequest>): UpstreamCall => ({ target, request: chat, context, fetch: deps.fetch, control });
  return {
    kind: "chat",
    parse: parseChatRequest,
    expected: expectedFields,
    stream: (chat) => chat.stream === true,
    estimate: (chat, price) => estimateChatCost(chat, price),
    tokenEstimate: chatTokenEstimate,
    promptTokens: (chat) => estimatePromptTokens(chat),
    outputTokens: (value) => ("next" in value ? null : value.converted.usage.outputTokens),
    unsupported: (chat) => notAChatModel(chat.model),
    // A stream owns its attempt's control (timeouts, cancellation) until it ends.
    keepsControl: (chat) => chat.stream === true,
    call: (attempt) => (attempt.body.stream === true ? startUpstreamStream(call(attempt)) : completeUpstream(call(attempt))),
    respond({ state, body: chat }, outcome) {
      if (!outcome.ok) return respondWithFailure(deps, state, outcome);
      const value = outcome.value;
      if (!("next" in value)) {
        return respondWithOutcome(deps, state, { ...outcome, value }, ({ converted, warnings }) => ({
          payload: answerAs === undefined ? converted.completion : answerAs.toPayload(converted.completion, chat, converted.usage),
          usage: converted.usage,
          warnings,
        }));
      }
      return respondWithStream(deps, state, chat, { ...outcome, value }, answerAs?.streamEncoder(chat));
    },
  };
}

/**
 * Commit the stream's 200 with gw's headers; settle when it ends, with the usage gw counted when
 * the upstream's is missing. `chat` is the request the stream answers (for a dialect: the chat
 * request it means); `encoder` and `collect` write and read the stream's items (chat chunks by
 * default; a native dialect's frames, messages.ts).
 */
export function respondWithStream<T = ChatCompletionChunk>(
  deps: RequestDeps,
  state: RequestState,
  chat: ChatCompletionRequest,
  outcome: Extract<ExecuteOutcome<UpstreamStream<T>>, { ok: true }>,
  encoder: StreamEncoder<T> | undefined,
  collect?: (item: T, parts: string[]) => void,
): Response {
  state.deploymentHold = outcome.hold;
  const headers = routeHeaders(state.requestId, outcome);
  addLimitHeaders(state, headers);
  const stream = outcome.value;
  if (stream.warnings.length > 0) headers["x-gw-warnings"] = headerSafe(stream.warnings);
  return streamResponse(stream, headers, (status, error, relayed) => {
    const reported = stream.usage() ?? null;
    const settle = (usage: TokenUsage | null, usageEstimated: boolean): void => {
      settleRequest(deps, state, { status, route: outcome.route, target: outcome.target, attempts: outcome.attempts, usage, error, usageEstimated });
    };
    const estimated = streamUsage(chat, reported, relayed, status === 200);
    if (estimated === null) return settle(reported, false);
    const counted = countStreamUsage(outcome.target.deployment.model, chat, estimated, reported, relayed);
    if (counted === null) return settle(estimated, true);
    counted.then(
      (usage) => settle(usage, true),
      () => settle(estimated, true),
    );
  }, () => {
    state.timeToFirstTokenMs = deps.clock.now() - state.started;
  }, deps.shutdown, encoder, collect);
}
