/**
 * The steps every priced endpoint (chat completions, embeddings) shares: authenticate, read and
 * parse the body, admit the model (route, team allow-list), admit its limits and budgets
 * (governance/enforcement.ts), and settle (log one line, record the spend, settle the budgets
 * and limits) and answer, plus gw's response headers.
 */
import { type BodyLimits, readJsonBody } from "../http/read-json-body.ts";
import type { CostEstimate } from "../spend/cost-estimate.ts";
import type { DeploymentHold, DeploymentLimits } from "../limits/deployment-limits.ts";
import { createRequestEnforcer, type Enforcement, type EnforcementTicket, rateLimitHeaders, type RequestEnforcer } from "../governance/enforcement.ts";
import type { ManagedKeyLookup } from "../auth/managed-callers.ts";
import type { RateLimiter } from "../stores/ports.ts";
import type { GatewayMetrics } from "../observability/metrics.ts";
import type { DeploymentHealth } from "../routing/deployment-health.ts";
import { metadataTags } from "../routing/tag-routing.ts";
import { authenticate, checkModelAllowed } from "../auth/authenticate.ts";
import { computeCost, usageFields } from "../spend/cost.ts";
import { GatewayError, invalidRequest } from "../http/errors.ts";
import { describeDecision, type ExecuteOutcome, type RouteDecision, type Sleep } from "../routing/execute.ts";
import type { RouteFinder } from "../routing/find-route.ts";
import type { Logger } from "../http/logger.ts";
import type { TokenUsage } from "../http/openai-types.ts";
import type { Caller, RuntimeDeployment, RuntimePlan, RuntimeRoute, TokenPrice } from "../start/plan.ts";
import type { Clock, FetchFunction, SpendStore } from "../stores/ports.ts";
import type { ProviderContext } from "../providers/types.ts";
import { type ErrorBody, errorResponse, headerSafe, type HeaderRecord, openAiErrorBody } from "../http/respond.ts";

export interface RequestDeps {
  plan: RuntimePlan;
  findRoute: RouteFinder;
  store: SpendStore;
  logger: Logger;
  fetch: FetchFunction;
  clock: Clock;
  random: () => number;
  sleep: Sleep;
  /** Keys created through the admin API (null when the gateway has no governance store). */
  managedKeys: ManagedKeyLookup | null;
  /** Rate limits and budgets of every key, team, user and customer (runtime/governance/enforcement.ts). */
  governance: Enforcement;
  /**
   * The limiter for deployments' own rate limits (`governance.limiter`, or a per-process one);
   * absent or null when no deployment has limits, so the request path does no limit work.
   */
  deploymentLimiter?: RateLimiter | null;
  /** Aborted when the host's shutdown grace ends: streams still running end with an error event. */
  shutdown?: AbortSignal;
  /** Largest and deepest JSON body accepted (runtime/http/read-json-body.ts); defaults when absent. */
  bodyLimits?: BodyLimits;
  /** What this process knows of each deployment (in flight, latency, cooldowns), for the routing strategies. */
  health: DeploymentHealth;
  /** Prometheus metrics (observability/metrics.ts); absent or null when off. */
  metrics?: GatewayMetrics | null;
}

/** One enforcer per RequestDeps (it caches per-key profiles and per-route prices). */
const enforcers = new WeakMap<RequestDeps, RequestEnforcer>();

function enforcerOf(deps: RequestDeps, enforcement: Enforcement): RequestEnforcer {
  let enforcer = enforcers.get(deps);
  if (enforcer === undefined) {
    enforcer = createRequestEnforcer(enforcement, deps.plan, () => deps.clock.now());
    enforcers.set(deps, enforcer);
  }
  return enforcer;
}

/** What is known about a request so far, for its log line and spend record. */
export interface RequestState {
  readonly requestId: string;
  readonly started: number;
  readonly path: string;
  caller: Caller | null;
  model: string | null;
  stream: boolean;
  /** The request's hold on rate limits and budgets; null when none applies. Finished by settleRequest/failRequest/abandonRequest. */
  enforcement: EnforcementTicket | null;
  /** The end customer named by the request's `user` field, for the spend ledger. */
  customer: string | null;
  /** The caller's key tags plus the request's `metadata.tags`, for the spend ledger. */
  tags: readonly string[];
  /** Streams: ms from `started` to the first chunk sent to the client; null until then (and for non-streaming requests). */
  timeToFirstTokenMs: number | null;
  /** The answering deployment's rate-limit hold; released (with the real tokens) by settleRequest/failRequest/abandonRequest. */
  deploymentHold: DeploymentHold | null;
  /** Errors in the client's dialect (the endpoint's AdmitOptions.errorBody), OpenAI's by default. */
  errorBody: ErrorBody;
}

const noTags: readonly string[] = [];

/** Key tags plus the string tags of a request's `metadata.tags` (LiteLLM's convention). */
function requestTags(caller: Caller, body: object): readonly string[] {
  const keyTags = caller.tags ?? noTags;
  const strings = metadataTags(body);
  return strings === null ? keyTags : [...new Set([...keyTags, ...strings])];
}

export function createRequestState(deps: RequestDeps, path: string, requestId: string): RequestState {
  deps.metrics?.began();
  return {
    requestId,
    started: deps.clock.now(),
    path,
    caller: null,
    model: null,
    stream: false,
    enforcement: null,
    customer: null,
    tags: noTags,
    timeToFirstTokenMs: null,
    deploymentHold: null,
    errorBody: openAiErrorBody,
  };
}

/** Log a request that failed before any upstream attempt (releasing what it held), and answer with its error. */
export function failRequest(deps: RequestDeps, state: RequestState, error: GatewayError, headers: HeaderRecord = {}): Response {
  state.enforcement?.finish(0, null);
  state.deploymentHold?.release(0);
  logRequest(deps, state, { status: error.status, route: null, target: null, usage: null, attempts: 0, error, costUsd: null });
  headers["x-request-id"] = state.requestId;
  return errorResponse(error, headers, state.errorBody);
}

/** Release what a request holds when its handler throws (nothing was charged). */
export function abandonRequest(state: RequestState): void {
  state.enforcement?.finish(0, null);
  state.deploymentHold?.release(0);
}

/**
 * The deployment limits to check for a request (ExecuteOptions.limits), or null (allocating
 * nothing) when no deployment has limits. `estimate` gives the body's tokens (prompt plus
 * reserved output); it runs only when a limited deployment is tried.
 */
export function deploymentLimitsOf<Body>(deps: RequestDeps, body: Body, estimate: (body: Body) => number): DeploymentLimits | null {
  const limiter = deps.deploymentLimiter;
  if (limiter === undefined || limiter === null) return null;
  return {
    limiter,
    now: () => deps.clock.now(),
    estimatedTokens: () => estimate(body),
    onError: (error) => deps.logger.warn(`deployment rate limits: the limiter failed, the request goes ahead unlimited (${describe(error)})`),
  };
}

/** Add OpenAI's x-ratelimit-* headers when a rate limit applies to the request. */
export function addLimitHeaders(state: RequestState, headers: HeaderRecord): void {
  const decision = state.enforcement?.decision;
  if (decision !== undefined && decision !== null) rateLimitHeaders(decision, headers);
}

/** The 400 for a body that is not JSON, saying what to send instead (e.g. "`model` and `input`"). */
export function invalidJson(expected: string): GatewayError {
  return invalidRequest(`We could not parse the JSON body of your request. Send a JSON object with ${expected}.`, null, "invalid_json");
}

/**
 * What every endpoint's body must be before it can be routed: a JSON object with a string
 * `model`. `expected` names the fields to send ("`model` and `messages`"), `models` what `model`
 * names ("models", "embeddings models"). The fields, or the 400 to answer with.
 */
export function readModelBody(body: unknown, expected: string, models: string): Record<string, unknown> | GatewayError {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return invalidRequest(`The request body must be a JSON object with ${expected}.`, null, "invalid_type");
  }
  const fields = body as Record<string, unknown>;
  const model = fields.model;
  if (model === undefined || model === null || model === "") {
    return invalidRequest(
      `You must provide a model parameter: the name of one of this gateway's ${models} (GET /v1/models lists them).`,
      "model",
      "missing_required_parameter",
    );
  }
  if (typeof model !== "string") return invalidRequest("`model` must be a string.", "model", "invalid_type");
  return fields;
}

/** A request that passed authentication, parsing and admission, ready for its upstream attempts. */
export interface AdmittedRequest<Body> {
  state: RequestState;
  caller: Caller;
  body: Body;
  route: RuntimeRoute;
  context: ProviderContext;
}

export interface AdmitOptions<Body> {
  /** The body's parser: the request, or the 400 to answer with. `headers`: the client's (a dialect's version and beta flags). */
  parse(body: unknown, headers: Headers): Body | GatewayError;
  /** What a JSON body must hold, for the invalid-JSON error ("`model` and `messages`"). */
  expected: string;
  /** Whether the client asked for a stream (logged and recorded as such, from admission on). */
  stream?(body: Body): boolean;
  /** The request's token estimate and worst-case cost at `price` (for rate limits and budgets). */
  estimate(body: Body, price: TokenPrice | null): CostEstimate;
  /** Errors in the endpoint's dialect (Anthropic's for /v1/messages); absent: OpenAI's. */
  errorBody?: ErrorBody;
  /**
   * What the parsed body still needs from the caller, before routing and admission (the Responses
   * API's `previous_response_id`, read from the store as the caller's own): the body, or the error
   * to answer with. Absent: nothing.
   */
  prepare?(body: Body, caller: Caller, requestId: string): Body | GatewayError | Promise<Body | GatewayError>;
}

/**
 * The first steps of every priced endpoint: authenticate, read the JSON body, parse it, admit
 * its model. A failure is logged and answered here: the caller gets the Response to return.
 *
 * `pathModel` is the model named by the URL (`/openai/deployments/{model}/...`,
 * `/engines/{model}/...`), null on the other routes. It wins over the body's `model` and fills
 * it in when absent: Azure-style clients name the deployment only in the URL, and LiteLLM lets
 * the URL win too.
 */
export async function admitRequest<Body extends { model: string }>(
  request: Request,
  path: string,
  requestId: string,
  deps: RequestDeps,
  options: AdmitOptions<Body>,
  pathModel: string | null = null,
): Promise<AdmittedRequest<Body> | Response> {
  const state = createRequestState(deps, path, requestId);
  if (options.errorBody !== undefined) state.errorBody = options.errorBody;
  const caller = authenticate(deps.plan, request.headers, deps.managedKeys);
  if (caller instanceof GatewayError) return failRequest(deps, state, caller);
  state.caller = caller;

  const json = await readJsonBody(request, deps.bodyLimits);
  if (json instanceof GatewayError) return failRequest(deps, state, json);
  if (json === undefined) return failRequest(deps, state, invalidJson(options.expected));
  if (pathModel !== null && typeof json === "object" && json !== null && !Array.isArray(json)) (json as Record<string, unknown>).model = pathModel;
  const parsed = options.parse(json, request.headers);
  if (parsed instanceof GatewayError) return failRequest(deps, state, parsed);
  const body = options.prepare === undefined ? parsed : await options.prepare(parsed, caller, state.requestId);
  if (body instanceof GatewayError) return failRequest(deps, state, body);
  state.model = body.model;
  if (options.stream) state.stream = options.stream(body);
  const customer = (body as { user?: unknown }).user;
  if (typeof customer === "string" && customer !== "") state.customer = customer;
  state.tags = requestTags(caller, body);

  const route = admitModel(deps, caller, body.model);
  if (route instanceof GatewayError) return failRequest(deps, state, route);
  const enforcer = enforcerOf(deps, deps.governance);
  const applicable = enforcer.applicable(caller, body);
  if (applicable !== null) {
    const held = await enforcer.admit(applicable, route, (price) => options.estimate(body, price));
    if ("error" in held) return failRequest(deps, state, held.error, held.headers);
    state.enforcement = held;
  }
  const context: ProviderContext = { requestId: state.requestId, created: Math.floor(state.started / 1000), publicModel: body.model };
  return { state, caller, body, route, context };
}

/** The route for `model` if the caller may use it; else the error to answer with. */
export function admitModel(deps: RequestDeps, caller: Caller, model: string): RuntimeRoute | GatewayError {
  const route = deps.findRoute(model);
  if (route instanceof GatewayError) return route;
  // By the route's name: an alias ("gpt-4" for "gpt-4o") is allowed to whoever may use its model.
  return checkModelAllowed(caller, route.name) ?? route;
}

/** gw's headers on every answer that reached a deployment: which one, after how many attempts, and why (x-gw-route). */
export function routeHeaders(requestId: string, outcome: { route: RuntimeRoute; target: RuntimeDeployment; attempts: number; decision: RouteDecision }): HeaderRecord {
  const { route, target, attempts } = outcome;
  return {
    "x-request-id": requestId,
    "x-gw-model": route.name,
    "x-gw-deployment": target.deployment.id,
    "x-gw-provider": target.deployment.provider,
    "x-gw-attempts": String(attempts),
    "x-gw-route": describeDecision(outcome.decision),
  };
}

/** What a finished non-streaming request answers with. */
export interface JsonAnswer {
  payload: unknown;
  usage: TokenUsage;
  warnings: readonly string[];
}

/**
 * Settle a non-streaming request and answer: on success its JSON with gw's headers (route,
 * cost when the deployment is priced, warnings); on failure its error.
 */
export function respondWithOutcome<Value>(
  deps: RequestDeps,
  state: RequestState,
  outcome: ExecuteOutcome<Value>,
  answer: (value: Value) => JsonAnswer,
): Response {
  if (!outcome.ok) return respondWithFailure(deps, state, outcome);
  state.deploymentHold = outcome.hold;
  const headers = routeHeaders(state.requestId, outcome);
  addLimitHeaders(state, headers);
  const { payload, usage, warnings } = answer(outcome.value);
  const cost = settleRequest(deps, state, { status: 200, route: outcome.route, target: outcome.target, attempts: outcome.attempts, usage, error: null });
  if (outcome.target.price !== null) headers["x-gw-cost-usd"] = cost.toFixed(8);
  if (warnings.length > 0) headers["x-gw-warnings"] = headerSafe(warnings);
  headers["content-type"] = "application/json";
  return new Response(JSON.stringify(payload), { status: 200, headers });
}

/** Settle a request whose every attempt failed (no usage) and answer with its error and gw's route headers. */
export function respondWithFailure(deps: RequestDeps, state: RequestState, outcome: Extract<ExecuteOutcome<unknown>, { ok: false }>): Response {
  const headers = routeHeaders(state.requestId, outcome);
  addLimitHeaders(state, headers);
  settleRequest(deps, state, { status: outcome.error.status, route: outcome.route, target: outcome.target, attempts: outcome.attempts, usage: null, error: outcome.error });
  return errorResponse(outcome.error, headers, state.errorBody);
}

/** How a request that reached an upstream ended. */
export interface Settlement {
  status: number;
  route: RuntimeRoute;
  target: RuntimeDeployment;
  attempts: number;
  /** null: nothing was spent (every attempt failed). */
  usage: TokenUsage | null;
  error: GatewayError | null;
  /** gw counted the usage itself (the upstream did not report it). */
  usageEstimated?: boolean;
}

/** Settle the request's budgets and limits with its real cost, log it and record its spend. Returns the cost. */
export function settleRequest(deps: RequestDeps, state: RequestState, settlement: Settlement): number {
  const { status, route, target, attempts, usage, error } = settlement;
  const usageEstimated = settlement.usageEstimated === true;
  const cost = usage === null ? 0 : computeCost(usage, target.price);
  const knownCost = usage !== null && target.price !== null ? cost : null;
  state.enforcement?.finish(cost, usage);
  state.deploymentHold?.release(usage === null ? 0 : usage.inputTokens + usage.outputTokens);
  const latencyMs = logRequest(deps, state, { status, route, target, usage, attempts, error, costUsd: knownCost, usageEstimated });
  const caller = state.caller as Caller;
  deps.store.record({
    requestId: state.requestId,
    timestamp: state.started,
    team: caller.team,
    keyName: caller.keyName,
    model: route.name,
    deployment: target.deployment.id,
    provider: target.deployment.provider,
    ...usageFields(usage),
    costUsd: cost,
    latencyMs,
    timeToFirstTokenMs: state.timeToFirstTokenMs,
    status,
    stream: state.stream,
    keyHashPrefix: caller.keyHashPrefix ?? null,
    user: caller.userId ?? null,
    customer: state.customer,
    tags: state.tags,
    errorType: error === null ? null : (error.code ?? error.type),
    ...(usageEstimated ? { usageEstimated: true } : null),
  });
  return cost;
}

/** What the request log line says of a request's outcome (null route/target: it never reached one). */
export interface LoggedOutcome {
  status: number;
  route: RuntimeRoute | null;
  target: RuntimeDeployment | null;
  usage: TokenUsage | null;
  attempts: number;
  error: GatewayError | null;
  /** null when unknown (no usage, or an unpriced deployment). */
  costUsd: number | null;
  usageEstimated?: boolean;
}

/** Returns the latency it logged. */
export function logRequest(deps: RequestDeps, state: RequestState, outcome: LoggedOutcome): number {
  const { status, route, target, usage, attempts, error, costUsd } = outcome;
  const usageEstimated = outcome.usageEstimated === true;
  const latencyMs = deps.clock.now() - state.started;
  if (error !== null && error.code === "internal_error") {
    deps.logger.error(`${state.requestId}: internal error: ${describe(error.cause)}`);
  } else if (error !== null && error.code === "upstream_credentials_unavailable") {
    // The message is secret-free by construction (upstream.ts); the cause may not be.
    deps.logger.warn(`${state.requestId}: ${error.message}`);
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
    ...(usageEstimated ? { usageEstimated: true } : null),
  });
  if (deps.metrics) {
    const caller = state.caller;
    deps.metrics.finished({
      path: state.path,
      status,
      // Only a model gw serves is a label (a request for any other name would make a series of its own).
      requestModel: route === null ? null : state.model,
      routeModel: route?.name ?? null,
      deployment: target?.deployment.id ?? null,
      provider: target?.deployment.provider ?? null,
      responseModel: target?.deployment.model ?? null,
      team: caller?.team ?? null,
      key: caller?.keyName ?? caller?.keyHashPrefix ?? null,
      usage,
      costUsd,
      attempts,
      latencyMs,
      timeToFirstTokenMs: state.timeToFirstTokenMs,
      stream: state.stream,
      error,
    });
  }
  return latencyMs;
}

/** An error's name and message, for the server log only (never sent to clients). */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
