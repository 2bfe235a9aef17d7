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
import { authenticate, checkModelAllowed, findRoute } from "./auth.ts";
import type { BudgetTracker } from "./budget.ts";
import { computeCost } from "./cost.ts";
import { GatewayError, invalidRequest } from "./errors.ts";
import { executeWithFallbacks, type Sleep } from "./execute.ts";
import type { Logger } from "./logger.ts";
import type { ChatCompletionRequest, TokenUsage } from "./openai-types.ts";
import type { Caller, RuntimeDeployment, RuntimePlan, RuntimeRoute } from "./plan.ts";
import type { Clock, FetchFunction, SpendStore } from "./ports.ts";
import type { ProviderContext } from "./providers/types.ts";
import { errorResponse, headerSafe, type HeaderRecord, streamResponse } from "./respond.ts";
import { completeUpstream, startUpstreamStream, type UpstreamCall } from "./upstream.ts";

export interface ChatDeps {
  plan: RuntimePlan;
  store: SpendStore;
  budgets: BudgetTracker;
  logger: Logger;
  fetch: FetchFunction;
  clock: Clock;
  random: () => number;
  sleep: Sleep;
  requestId: () => string;
}

/** What is known about a request so far, for its log line and spend record. */
interface RequestState {
  readonly requestId: string;
  readonly started: number;
  readonly path: string;
  caller: Caller | null;
  model: string | null;
  stream: boolean;
}

const storeUnavailable = new GatewayError({
  status: 503,
  type: "api_error",
  code: "spend_store_unavailable",
  message: "gw could not read the team's spend from its store, so it cannot check the team's budget. Try again shortly.",
});

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
  const state: RequestState = { requestId: deps.requestId(), started: deps.clock.now(), path, caller: null, model: null, stream: false };
  const fail = (error: GatewayError): Response => {
    logRequest(deps, state, error.status, null, null, null, 0, error, null);
    return errorResponse(error, { "x-request-id": state.requestId });
  };

  const caller = authenticate(deps.plan, request.headers);
  if (caller instanceof GatewayError) return fail(caller);
  state.caller = caller;

  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return fail(invalidRequest("We could not parse the JSON body of your request. Send a JSON object with `model` and `messages`.", null, "invalid_json"));
  }
  const chat = parseChatRequest(body);
  if (chat instanceof GatewayError) return fail(chat);
  state.model = chat.model;
  state.stream = chat.stream === true;

  const route = findRoute(deps.plan, chat.model);
  if (route instanceof GatewayError) return fail(route);
  const forbidden = checkModelAllowed(caller, chat.model);
  if (forbidden !== null) return fail(forbidden);

  const team = caller.team;
  if (team !== null && deps.budgets.has(team)) {
    if (!deps.budgets.isLoaded()) {
      try {
        await deps.budgets.loaded;
      } catch (error) {
        deps.logger.error(`budgets: could not load team spend from the store (${describe(error)})`);
        return fail(storeUnavailable);
      }
    }
    const over = deps.budgets.check(team);
    if (over !== null) return fail(over);
  }

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
      finish(deps, state, outcome.error.status, outcome.route, outcome.target, outcome.attempts, null, outcome.error);
      return errorResponse(outcome.error, headers);
    }
    const { converted, warnings } = outcome.value;
    const cost = finish(deps, state, 200, outcome.route, outcome.target, outcome.attempts, converted.usage, null);
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
    finish(deps, state, outcome.error.status, outcome.route, outcome.target, outcome.attempts, null, outcome.error);
    return errorResponse(outcome.error, headers);
  }
  const stream = outcome.value;
  if (stream.warnings.length > 0) headers["x-gw-warnings"] = headerSafe(stream.warnings);
  return streamResponse(stream, headers, (status, error) => {
    finish(deps, state, status, outcome.route, outcome.target, outcome.attempts, stream.usage() ?? null, error);
  });
}

function routeHeaders(requestId: string, route: RuntimeRoute, target: RuntimeDeployment, attempts: number): HeaderRecord {
  return {
    "x-request-id": requestId,
    "x-gw-model": route.name,
    "x-gw-deployment": target.deployment.id,
    "x-gw-provider": target.deployment.provider,
    "x-gw-attempts": String(attempts),
  };
}

/** Log the request, record its spend and count it against the team's budget. Returns the cost. */
function finish(
  deps: ChatDeps,
  state: RequestState,
  status: number,
  route: RuntimeRoute,
  target: RuntimeDeployment,
  attempts: number,
  usage: TokenUsage | null,
  error: GatewayError | null,
): number {
  const cost = usage === null ? 0 : computeCost(usage, target.price);
  const knownCost = usage !== null && target.price !== null ? cost : null;
  const latencyMs = logRequest(deps, state, status, route, target, usage, attempts, error, knownCost);
  const caller = state.caller as Caller;
  deps.store.record({
    requestId: state.requestId,
    timestamp: state.started,
    team: caller.team,
    keyName: caller.keyName,
    model: route.name,
    deployment: target.deployment.id,
    provider: target.deployment.provider,
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cacheReadTokens: usage?.cacheReadTokens ?? 0,
    cacheWriteTokens: usage?.cacheWriteTokens ?? 0,
    reasoningTokens: usage?.reasoningTokens ?? 0,
    costUsd: cost,
    latencyMs,
    status,
    stream: state.stream,
  });
  if (caller.team !== null && cost > 0) deps.budgets.add(caller.team, cost, state.started);
  return cost;
}

/** Returns the latency it logged. */
function logRequest(
  deps: ChatDeps,
  state: RequestState,
  status: number,
  route: RuntimeRoute | null,
  target: RuntimeDeployment | null,
  usage: TokenUsage | null,
  attempts: number,
  error: GatewayError | null,
  costUsd: number | null,
): number {
  const latencyMs = deps.clock.now() - state.started;
  if (error !== null && error.status >= 500 && error.code === "internal_error") {
    deps.logger.error(`${state.requestId}: internal error: ${describe(error.cause)}`);
  }
  deps.logger.request({
    requestId: state.requestId,
    method: "POST",
    path: state.path,
    status,
    model: route?.name ?? state.model,
    deployment: target?.deployment.id ?? null,
    provider: target?.deployment.provider ?? null,
    team: state.caller?.team ?? null,
    keyName: state.caller?.keyName ?? null,
    usage,
    costUsd,
    latencyMs,
    attempts,
    stream: state.stream,
    error: error === null ? null : (error.code ?? error.type),
  });
  return latencyMs;
}

/** An error's name and message, for the server log only (never sent to clients). */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
