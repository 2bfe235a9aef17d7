/**
 * The gateway as a Hono app over Web-standard Request/Response: middleware order and mounts.
 * Everything host-specific (store, network, clock, randomness, logging) comes in through
 * `AppDeps`, so the same app runs under Bun in production and under Node in tests. Built by
 * createGateway (index.ts), the one composition root.
 */
import { createCors } from "./http/cors.ts";
import type { BodyLimits } from "./http/read-json-body.ts";
import { createAdminApp } from "./admin/admin-app.ts";
import { createSpendLookup } from "./admin/spend-lookup.ts";
import { createAdminAuthorizer } from "./auth/authorize-admin.ts";
import type { ConfigEntities } from "./governance/config-entities.ts";
import { planHasDeploymentLimits } from "./limits/deployment-limits.ts";
import type { Enforcement } from "./governance/enforcement.ts";
import type { GovernanceCache } from "./governance/governance-cache.ts";
import { createManagedKeyLookup } from "./auth/managed-callers.ts";
import type { GovernanceStore, SpendQueries } from "./stores/ports.ts";
import { Hono } from "hono";
import { createModelsAnswers } from "./endpoints/models.ts";
import { createModelInfoAnswer } from "./endpoints/model-info.ts";
import { type CallerAnswer, createCallerJsonHandler } from "./endpoints/caller-json.ts";

import { createEdge } from "./http/edge.ts";
import { createReadiness, liveness } from "./http/health.ts";
import { deploymentList, deploymentStates } from "./routing/deployment-states.ts";
import { createRequestIdGenerator, type GatewayEnv, requestIdMiddleware } from "./http/request-id.ts";
import { chatEndpoint } from "./endpoints/chat.ts";
import { completionsEndpoint } from "./endpoints/completions.ts";
import { messagesEndpoint } from "./endpoints/messages.ts";
import { countTokensAnswer } from "./endpoints/messages-count-tokens.ts";
import { anthropicErrorBody } from "./endpoints/messages-answer.ts";
import { createStoredResponseAnswers, responsesEndpoint } from "./endpoints/responses.ts";
import { embeddingsEndpoint } from "./endpoints/embeddings.ts";
import { handlePricedRequest, type PricedEndpoint } from "./endpoints/priced-request.ts";
import { type CooldownShare, createDeploymentHealth, type DeploymentHealth } from "./routing/deployment-health.ts";
import { realSleep, type Sleep } from "./routing/execute.ts";
import { createRouteFinder, type PriceLookup } from "./routing/find-route.ts";
import { createLogger, type Logger } from "./http/logger.ts";
import type { RuntimePlan } from "./start/plan.ts";
import { type Clock, type FetchFunction, type ResponseStore, type SpendStore, systemClock } from "./stores/ports.ts";
import { describe, type RequestDeps } from "./endpoints/request-flow.ts";
import { createSpendApi } from "./spend/spend-api.ts";
import { internalError } from "./upstream/upstream.ts";
import { type GatewayMetrics, meteredHealth } from "./observability/metrics.ts";
import { authenticate } from "./auth/authenticate.ts";
import { GatewayError } from "./http/errors.ts";
import { errorResponse } from "./http/respond.ts";

export interface AppDeps {
  plan: RuntimePlan;
  /** Aborted when the host's shutdown grace ends: streams still running end with an error event (recorded). */
  shutdown?: AbortSignal;
  /** Browser origins allowed by CORS (exact, or "*"); absent or empty: CORS is off. */
  corsOrigins?: readonly string[];
  /** Largest and deepest JSON body accepted on /v1/* (runtime/http/read-json-body.ts); defaults when absent. */
  bodyLimits?: BodyLimits;
  store: SpendStore;
  /**
   * Network access for every adapter without its own transport; globalThis.fetch by default.
   * (Authorizers got theirs from loadBundle's `io`: pass the same function there.)
   */
  fetch?: FetchFunction;
  /**
   * Prices of the models wildcard routes resolve to (looked up once per model name); without
   * it, such requests are recorded with cost 0 unless their deployment has a configured price.
   */
  lookupPrice?: PriceLookup;
  clock?: Clock;
  /** Uniform in [0, 1); Math.random by default (weighted picks, backoff jitter). */
  random?: () => number;
  /** Backoff waits; a real timer by default. */
  sleep?: Sleep;
  /** One line per request on stdout, text format, by default. */
  logger?: Logger;
  /** Request id generator; by default a random per-process prefix and a counter. */
  requestId?: () => string;
  /**
   * Keys, teams, users and customers managed at run time: mounts the admin API (/key/*, /team/*,
   * /user/*, /customer/*, /audit/list) and lets keys created through it authenticate.
   */
  governance?: { store: GovernanceStore; cache: GovernanceCache; configEntities: ConfigEntities };
  /**
   * Reads of the spend ledger behind /spend/logs and /spend/report (admin only; mounted with
   * `governance`): Postgres or the embedded SQLite store. Without it those answer 501.
   */
  spendQueries?: SpendQueries;
  /**
   * Rate limits and budgets of every key, team, user and customer, the config's included
   * (runtime/governance/enforcement.ts); built by createGateway (runtime/index.ts).
   */
  enforcement: Enforcement;
  /** Deployment cooldowns shared with the other replicas (Redis); absent: per process. */
  cooldowns?: CooldownShare;
  /** What is known of each deployment (createGateway's, which its health checks feed too); absent: a new one over `cooldowns`. */
  health?: DeploymentHealth;
  /** Stored Responses API responses (createGateway's, where the config sets responses.store); absent: none are kept. */
  responseStore?: ResponseStore;
  /** Prometheus metrics, served at GET /metrics to the master key and admin keys; absent or null: off (404). */
  metrics?: GatewayMetrics | null;
}

export function createApp(deps: AppDeps): Hono<GatewayEnv> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger();
  const fetchFunction: FetchFunction = deps.fetch ?? ((url, init) => fetch(url, init));
  const enforcement = deps.enforcement;
  const metrics = deps.metrics ?? null;
  const health = deps.health ?? createDeploymentHealth(deps.cooldowns);
  const requestDeps: RequestDeps = {
    plan: deps.plan,
    findRoute: createRouteFinder(deps.plan, deps.lookupPrice ?? null),
    store: deps.store,
    logger,
    fetch: fetchFunction,
    clock,
    random: deps.random ?? Math.random,
    sleep: deps.sleep ?? realSleep,
    managedKeys: deps.governance === undefined ? null : createManagedKeyLookup(deps.governance.cache, () => clock.now()),
    ...(deps.bodyLimits === undefined ? {} : { bodyLimits: deps.bodyLimits }),
    governance: enforcement,
    // Deployments' own limits share the governance limiter (cluster-wide with Redis). None at all
    // when no deployment has limits.
    deploymentLimiter: planHasDeploymentLimits(deps.plan) ? enforcement.limiter : null,
    ...(deps.shutdown === undefined ? {} : { shutdown: deps.shutdown }),
    // Every attempt the executor reports is counted too (attempts by outcome, cooldowns).
    health: metrics === null ? health : meteredHealth(health, metrics),
    metrics,
  };
  const edge = createEdge(logger, clock, describe, metrics);

  const app = new Hono<GatewayEnv>();
  app.use(requestIdMiddleware(deps.requestId ?? createRequestIdGenerator()));
  // Off by default: no middleware, nothing added to the request path.
  if (deps.corsOrigins !== undefined && deps.corsOrigins.length > 0) app.use(createCors(deps.corsOrigins));

  // Every priced endpoint runs the one skeleton (priced-request.ts); each supplies parse, estimate and call.
  // A path with "{model}" (Azure-style and LiteLLM's engine routes) names the model in the URL; the
  // model may hold slashes ("openai/gpt-4o": Azure SDKs do not encode it). Logged by its pattern.
  const mountPriced = <Body extends { model: string }, Value>(paths: readonly string[], endpoint: PricedEndpoint<Body, Value>): void => {
    for (const path of paths) {
      const pattern = path.replace("{model}", ":model{.+}");
      if (pattern === path) app.post(path, (c) => handlePricedRequest(c.req.raw, path, c.var.requestId, requestDeps, endpoint));
      else app.post(pattern, (c) => handlePricedRequest(c.req.raw, path, c.var.requestId, requestDeps, endpoint, c.req.param("model") ?? null));
      app.all(pattern, edge.methodNotAllowed("POST"));
    }
  };
  const modelInPath = (suffix: string): string[] => [`/openai/deployments/{model}${suffix}`, `/engines/{model}${suffix}`];
  const chat = chatEndpoint(requestDeps);
  const completions = completionsEndpoint(requestDeps);
  mountPriced(["/v1/chat/completions", "/chat/completions", ...modelInPath("/chat/completions")], chat);
  mountPriced(["/v1/completions", "/completions"], completions);
  // Legacy completions with the model in the URL. ".../{model}/completions" also matches chat's
  // ".../{model}/chat/completions" (Hono's fast router then gives one of the two routes): a model
  // ending in "/chat" is chat's, answered here as chat would.
  for (const path of modelInPath("/completions")) {
    const chatPath = path.replace("/completions", "/chat/completions");
    const pattern = path.replace("{model}", ":model{.+}");
    app.post(pattern, (c) => {
      const model = c.req.param("model") ?? "";
      return model.endsWith("/chat")
        ? handlePricedRequest(c.req.raw, chatPath, c.var.requestId, requestDeps, chat, model.slice(0, -"/chat".length))
        : handlePricedRequest(c.req.raw, path, c.var.requestId, requestDeps, completions, model);
    });
    app.all(pattern, edge.methodNotAllowed("POST"));
  }
  mountPriced(["/v1/messages", "/messages"], messagesEndpoint(requestDeps));
  mountPriced(["/v1/embeddings", "/embeddings", ...modelInPath("/embeddings")], embeddingsEndpoint(requestDeps));
  mountPriced(["/v1/responses", "/responses"], responsesEndpoint(requestDeps, deps.responseStore ?? null));
  // Read-only, unpriced GETs; a path's "{id}" may hold slashes ("anthropic/claude-x", encoded or not). Logged by its pattern.
  const callerJson = createCallerJsonHandler(deps.plan, requestDeps.managedKeys, clock, edge);
  const mountGet = (paths: readonly string[], answer: CallerAnswer): void => {
    for (const path of paths) {
      const pattern = path.replace("{id}", ":id{.+}");
      app.get(pattern, callerJson(path, answer));
      app.all(pattern, edge.methodNotAllowed("GET"));
    }
  };
  for (const path of ["/v1/messages/count_tokens", "/messages/count_tokens"]) {
    app.post(path, callerJson(path, countTokensAnswer(requestDeps), anthropicErrorBody));
    app.all(path, edge.methodNotAllowed("POST"));
  }
  const models = createModelsAnswers(deps.plan, requestDeps.findRoute, clock);
  mountGet(["/v1/models", "/models"], models.list);
  mountGet(["/v1/models/{id}", "/models/{id}"], models.retrieve);
  mountGet(["/model/info", "/v1/model/info"], createModelInfoAnswer(deps.plan));
  const storedResponses = createStoredResponseAnswers(deps.responseStore ?? null);
  for (const path of ["/v1/responses/{id}", "/responses/{id}"]) {
    const pattern = path.replace("{id}", ":id");
    app.get(pattern, callerJson(path, storedResponses.retrieve));
    app.delete(pattern, callerJson(path, storedResponses.remove));
    app.all(pattern, edge.methodNotAllowed("GET, DELETE"));
  }
  // "/health/liveliness" is LiteLLM's spelling, kept for probes configured against it.
  for (const path of ["/health/liveness", "/health/liveliness"]) {
    app.get(path, liveness);
    app.all(path, edge.methodNotAllowed("GET"));
  }
  if (metrics !== null) {
    const authorizeAdmin = deps.governance === undefined ? null : createAdminAuthorizer(deps.plan, deps.governance.cache, () => clock.now());
    app.get("/metrics", async (c) => {
      const allowed = authorizeMetrics(deps.plan, c.req.raw.headers, authorizeAdmin);
      if (allowed !== null) return errorResponse(allowed, { "x-request-id": c.var.requestId });
      return new Response(await metrics.scrape(), { status: 200, headers: { "content-type": metrics.contentType } });
    });
    app.all("/metrics", edge.methodNotAllowed("GET"));
  }
  app.get("/health/readiness", createReadiness(deps.store, enforcement, deploymentStates(deps.plan, requestDeps.health, () => clock.now())));
  app.all("/health/readiness", edge.methodNotAllowed("GET"));

  if (deps.governance !== undefined) {
    const { store, cache, configEntities } = deps.governance;
    const authorizeAdmin = createAdminAuthorizer(deps.plan, cache, () => clock.now());
    app.route(
      "/",
      createAdminApp({
        store,
        clock,
        configEntities,
        authorizeAdmin,
        masterKeyHash: deps.plan.masterKeyDigest === null ? null : Buffer.from(deps.plan.masterKeyDigest).toString("hex"),
        afterChange: () => cache.whenFresh(),
        spend: createSpendLookup(enforcement, deps.store, clock),
        deployments: deploymentList(deps.plan, requestDeps.health, () => clock.now()),
      }),
    );
    app.route("/", createSpendApi({ queries: deps.spendQueries ?? null, authorizeAdmin, onError: (message) => logger.error(message) }));
  }

  app.notFound(edge.notFound);
  app.onError((error, c) => edge.onError(error, c, internalError));
  return app;
}

/** /metrics is the admin API's (master key or an admin key); without managed keys, the master key's alone. */
function authorizeMetrics(plan: RuntimePlan, headers: Headers, authorizeAdmin: ((headers: Headers) => { actor: string } | GatewayError) | null): GatewayError | null {
  if (authorizeAdmin !== null) {
    const judged = authorizeAdmin(headers);
    return judged instanceof GatewayError ? judged : null;
  }
  const caller = authenticate(plan, headers, null);
  if (caller instanceof GatewayError) return caller;
  return caller.kind === "master" && plan.masterKeyDigest !== null
    ? null
    : new GatewayError({ status: 403, type: "permission_error", code: "admin_key_required", message: "GET /metrics needs the master key (or serve it without a key on --metrics-port)." });
}

export { createRequestIdGenerator, type GatewayEnv } from "./http/request-id.ts";
