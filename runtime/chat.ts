/**
 * POST /v1/chat/completions: auth, parse, route, budget, execute with retries and
 * fallbacks, respond; then log one line and record the spend.
 *
 * Streams commit the HTTP 200 only once the upstream produced its first chunk, so a stream
 * that fails before that is retried or falls back as transparently as a non-streaming
 * request. A stream's cost is known only when it ends: it is logged and recorded then, and
 * is not sent as a header (x-gw-cost-usd is set on non-streaming responses only).
 */
import { createAttemptControl } from "./attempt-control.ts";
import { authenticate } from "./auth.ts";
import { GatewayError, invalidRequest } from "./errors.ts";
import { executeWithFallbacks } from "./execute.ts";
import type { ChatCompletionRequest } from "./openai-types.ts";
import type { RuntimeDeployment } from "./plan.ts";
import type { ProviderContext } from "./providers/types.ts";
import {
  admitModel,
  createRequestState,
  failRequest,
  invalidJson,
  type RequestDeps,
  routeHeaders,
  settleRequest,
} from "./request-flow.ts";
import { errorResponse, headerSafe, streamResponse } from "./respond.ts";
import { completeUpstream, startUpstreamStream, type UpstreamCall } from "./upstream.ts";

export { describe } from "./request-flow.ts";

/** What the chat endpoint needs (the same as every priced endpoint). */
export type ChatDeps = RequestDeps;

/** Minimal checks needed to route; everything else is the adapter's and the upstream's business. */
export function parseChatRequest(body: unknown): ChatCompletionRequest | GatewayError {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return invalidRequest("The request body must be a JSON object with `model` and `messages`.", null, "invalid_type");
  }
  const fields = body as Record<string, unknown>;
  const model = fields.model;
  if (model === undefined || model === null || model === "") {
    return invalidRequest(
      "You must provide a model parameter: the name of one of this gateway's models (GET /v1/models lists them).",
      "model",
      "missing_required_parameter",
    );
  }
  if (typeof model !== "string") return invalidRequest("`model` must be a string.", "model", "invalid_type");
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
  }
  const stream = fields.stream;
  if (stream !== undefined && stream !== null && typeof stream !== "boolean") {
    return invalidRequest("`stream` must be a boolean.", "stream", "invalid_type");
  }
  return body as ChatCompletionRequest;
}

export async function handleChatCompletions(request: Request, path: string, deps: ChatDeps): Promise<Response> {
  const state = createRequestState(deps, path);
  const fail = (error: GatewayError): Response => failRequest(deps, state, error);

  const caller = authenticate(deps.plan, request.headers);
  if (caller instanceof GatewayError) return fail(caller);
  state.caller = caller;

  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return fail(invalidJson("`model` and `messages`"));
  }
  const chat = parseChatRequest(body);
  if (chat instanceof GatewayError) return fail(chat);
  state.model = chat.model;
  state.stream = chat.stream === true;

  let route = admitModel(deps, caller, chat.model);
  if (route instanceof Promise) route = await route;
  if (route instanceof GatewayError) return fail(route);

  const context: ProviderContext = { requestId: state.requestId, created: Math.floor(state.started / 1000), publicModel: chat.model };
  const signal = request.signal;
  const options = { plan: deps.plan, route, caller, random: deps.random, sleep: deps.sleep, signal };
  const call = (target: RuntimeDeployment): UpstreamCall => ({
    target,
    request: chat,
    context,
    fetch: deps.fetch,
    control: createAttemptControl(signal, target.deployment),
  });

  if (!state.stream) {
    const outcome = await executeWithFallbacks(options, async (target) => {
      const upstreamCall = call(target);
      try {
        return await completeUpstream(upstreamCall);
      } finally {
        upstreamCall.control.dispose();
      }
    });
    const headers = routeHeaders(state.requestId, outcome.route, outcome.target, outcome.attempts);
    if (!outcome.ok) {
      settleRequest(deps, state, outcome.error.status, outcome.route, outcome.target, outcome.attempts, null, outcome.error);
      return errorResponse(outcome.error, headers);
    }
    const { converted, warnings } = outcome.value;
    const cost = settleRequest(deps, state, 200, outcome.route, outcome.target, outcome.attempts, converted.usage, null);
    if (outcome.target.price !== null) headers["x-gw-cost-usd"] = cost.toFixed(8);
    if (warnings.length > 0) headers["x-gw-warnings"] = headerSafe(warnings);
    headers["content-type"] = "application/json";
    return new Response(JSON.stringify(converted.completion), { status: 200, headers });
  }

  const outcome = await executeWithFallbacks(options, async (target) => {
    const upstreamCall = call(target);
    try {
      return await startUpstreamStream(upstreamCall);
    } catch (error) {
      upstreamCall.control.dispose();
      throw error;
    }
  });
  const headers = routeHeaders(state.requestId, outcome.route, outcome.target, outcome.attempts);
  if (!outcome.ok) {
    settleRequest(deps, state, outcome.error.status, outcome.route, outcome.target, outcome.attempts, null, outcome.error);
    return errorResponse(outcome.error, headers);
  }
  const stream = outcome.value;
  if (stream.warnings.length > 0) headers["x-gw-warnings"] = headerSafe(stream.warnings);
  return streamResponse(stream, headers, (status, error) => {
    settleRequest(deps, state, status, outcome.route, outcome.target, outcome.attempts, stream.usage() ?? null, error);
  });
}
