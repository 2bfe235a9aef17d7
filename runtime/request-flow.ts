/**
 * The steps every priced endpoint (chat completions, embeddings) shares: authenticate, admit
 * the model (route, team allow-list, budget), and settle (log one line, record the spend,
 * count it against the team's budget), plus gw's response headers.
 */
import { checkModelAllowed } from "./auth.ts";
import type { BudgetTracker } from "./budget.ts";
import { computeCost } from "./cost.ts";
import { GatewayError, invalidRequest } from "./errors.ts";
import type { Sleep } from "./execute.ts";
import type { RouteFinder } from "./find-route.ts";
import type { Logger } from "./logger.ts";
import type { TokenUsage } from "./openai-types.ts";
import type { Caller, RuntimeDeployment, RuntimePlan, RuntimeRoute } from "./plan.ts";
import type { Clock, FetchFunction, SpendStore } from "./ports.ts";
import { errorResponse, type HeaderRecord } from "./respond.ts";

export interface RequestDeps {
  plan: RuntimePlan;
  findRoute: RouteFinder;
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
export interface RequestState {
  readonly requestId: string;
  readonly started: number;
  readonly path: string;
  caller: Caller | null;
  model: string | null;
  stream: boolean;
}

export function createRequestState(deps: RequestDeps, path: string): RequestState {
  return { requestId: deps.requestId(), started: deps.clock.now(), path, caller: null, model: null, stream: false };
}

/** Log a request that failed before any upstream attempt, and answer with its error. */
export function failRequest(deps: RequestDeps, state: RequestState, error: GatewayError): Response {
  logRequest(deps, state, error.status, null, null, null, 0, error, null);
  return errorResponse(error, { "x-request-id": state.requestId });
}

/** The 400 for a body that is not JSON, saying what to send instead (e.g. "`model` and `input`"). */
export function invalidJson(expected: string): GatewayError {
  return invalidRequest(`We could not parse the JSON body of your request. Send a JSON object with ${expected}.`, null, "invalid_json");
}

const storeUnavailable = new GatewayError({
  status: 503,
  type: "api_error",
  code: "spend_store_unavailable",
  message: "gw could not read the team's spend from its store, so it cannot check the team's budget. Try again shortly.",
});

/**
 * The route for `model` if the caller may use it and its team has budget left; else the error
 * to answer with. Synchronous (no promise, no microtask) except while budgets are still loading.
 */
export function admitModel(deps: RequestDeps, caller: Caller, model: string): RuntimeRoute | GatewayError | Promise<RuntimeRoute | GatewayError> {
  const route = deps.findRoute(model);
  if (route instanceof GatewayError) return route;
  const forbidden = checkModelAllowed(caller, model);
  if (forbidden !== null) return forbidden;
  const team = caller.team;
  if (team === null || !deps.budgets.has(team)) return route;
  if (!deps.budgets.isLoaded()) return admitAfterLoad(deps, team, route);
  return deps.budgets.check(team) ?? route;
}

async function admitAfterLoad(deps: RequestDeps, team: string, route: RuntimeRoute): Promise<RuntimeRoute | GatewayError> {
  try {
    await deps.budgets.loaded;
  } catch (error) {
    deps.logger.error(`budgets: could not load team spend from the store (${describe(error)})`);
    return storeUnavailable;
  }
  return deps.budgets.check(team) ?? route;
}

export function routeHeaders(requestId: string, route: RuntimeRoute, target: RuntimeDeployment, attempts: number): HeaderRecord {
  return {
    "x-request-id": requestId,
    "x-gw-model": route.name,
    "x-gw-deployment": target.deployment.id,
    "x-gw-provider": target.deployment.provider,
    "x-gw-attempts": String(attempts),
  };
}

/** Log the request, record its spend and count it against the team's budget. Returns the cost. */
export function settleRequest(
  deps: RequestDeps,
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
export function logRequest(
  deps: RequestDeps,
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
  });
  return latencyMs;
}

/** An error's name and message, for the server log only (never sent to clients). */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
