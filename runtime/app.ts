/**
 * The gateway as a Hono app over Web-standard Request/Response. Everything host-specific
 * (store, network, clock, randomness, logging) comes in through `AppDeps`, so the same app
 * runs under Bun in production and under Node in tests.
 */
import { createCors } from "./http/cors.ts";
import type { BodyLimits } from "./http/read-json-body.ts";
import { createAdminApp } from "./admin/admin-app.ts";
import { createAdminAuthorizer } from "./auth/authorize-admin.ts";
import type { ConfigEntities } from "./governance/config-entities.ts";
import { planHasDeploymentLimits } from "./limits/deployment-limits.ts";
import type { Enforcement } from "./governance/enforcement.ts";
import type { GovernanceCache } from "./governance/governance-cache.ts";
import { createManagedKeyLookup } from "./auth/managed-callers.ts";
import type { GovernanceStore, SpendQueries, Subject } from "./stores/ports.ts";
import type { SpendEntity } from "./admin/admin-context.ts";
import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { authenticate, isModelAllowed } from "./auth/authenticate.ts";
import { chatEndpoint } from "./endpoints/chat.ts";
import { embeddingsEndpoint } from "./endpoints/embeddings.ts";
import { handlePricedRequest } from "./endpoints/priced-request.ts";
import { GatewayError } from "./http/errors.ts";
import { realSleep, type Sleep } from "./routing/execute.ts";
import { createRouteFinder, type PriceLookup } from "./routing/find-route.ts";
import { createLogger, type Logger } from "./http/logger.ts";
import type { Caller, RuntimePlan } from "./start/plan.ts";
import { type Clock, type FetchFunction, type SpendStore, systemClock } from "./stores/ports.ts";
import { describe, type RequestDeps } from "./endpoints/request-flow.ts";
import { errorResponse } from "./http/respond.ts";
import { createSpendApi } from "./spend/spend-api.ts";
import { internalError } from "./upstream/upstream.ts";

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
   * `governance`). Without it those answer 501, naming --postgres-url.
   */
  spendQueries?: SpendQueries;
  /**
   * Rate limits and budgets of every key, team, user and customer, the config's included
   * (runtime/governance/enforcement.ts); built by createGateway (runtime/index.ts).
   */
  enforcement: Enforcement;
}

/** `req_<12 random hex>_<counter>`: unique across restarts, cheap per request. */
export function createRequestIdGenerator(): () => string {
  const prefix = `req_${randomUUID().replace(/-/g, "").slice(0, 12)}_`;
  let counter = 0;
  return () => prefix + (++counter).toString(36);
}

function jsonResponse(value: unknown, status: number, headers: Record<string, string> = {}): Response {
  headers["content-type"] = "application/json";
  return new Response(JSON.stringify(value), { status, headers });
}

/** Per-request state on Hono's context. */
export type GatewayEnv = { Variables: { requestId: string } };

export function createApp(deps: AppDeps): Hono<GatewayEnv> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger();
  const fetchFunction: FetchFunction = deps.fetch ?? ((url, init) => fetch(url, init));
  const enforcement = deps.enforcement;
  const requestId = deps.requestId ?? createRequestIdGenerator();
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
  };

  // The model list is fixed per set of allowed models: serialize it once per caller.
  const created = Math.floor(clock.now() / 1000);
  const modelLists = new Map<Caller, string>();
  const modelList = (caller: Caller): string => {
    let body = modelLists.get(caller);
    if (body === undefined) {
      const data = deps.plan.modelNames
        .filter((name) => isModelAllowed(caller, name))
        .map((id) => ({ id, object: "model", created, owned_by: "gw" }));
      body = JSON.stringify({ object: "list", data });
      modelLists.set(caller, body);
    }
    return body;
  };

  /** Log a request that is not priced (chat completions and embeddings log themselves). */
  const logSimple = (id: string, request: Request, path: string, status: number, started: number, caller: Caller | null, error: GatewayError | null) => {
    logger.request({
      requestId: id,
      method: request.method,
      path,
      status,
      model: null,
      deployment: null,
      provider: null,
      team: caller?.team ?? null,
      keyName: caller?.keyName ?? null,
      usage: null,
      costUsd: null,
      latencyMs: clock.now() - started,
      attempts: 0,
      stream: false,
      error: error === null ? null : (error.code ?? error.type),
    });
  };

  const methodNotAllowed = (allow: string) => (c: { req: { raw: Request; path: string }; var: { requestId: string } }) => {
    const id = c.var.requestId;
    const error = new GatewayError({
      status: 405,
      type: "invalid_request_error",
      code: "method_not_allowed",
      message: `${c.req.raw.method} is not allowed on ${c.req.path}; use ${allow}.`,
    });
    logSimple(id, c.req.raw, c.req.path, 405, clock.now(), null, error);
    return errorResponse(error, { "x-request-id": id, allow });
  };

  const app = new Hono<GatewayEnv>();
  // The request id, made here for every request and nowhere else: in c.var for the handlers, the
  // request log and the x-request-id header.
  app.use(async (c, next) => {
    c.set("requestId", requestId());
    await next();
  });
  // Off by default: no middleware, nothing added to the request path.
  if (deps.corsOrigins !== undefined && deps.corsOrigins.length > 0) app.use(createCors(deps.corsOrigins));

  // Every priced endpoint runs the one skeleton (priced-request.ts); each supplies parse, estimate and call.
  const chat = chatEndpoint(requestDeps);
  const embeddings = embeddingsEndpoint(requestDeps);
  for (const path of ["/v1/chat/completions", "/chat/completions"]) {
    app.post(path, (c) => handlePricedRequest(c.req.raw, path, c.var.requestId, requestDeps, chat));
    app.all(path, methodNotAllowed("POST"));
  }

  for (const path of ["/v1/embeddings", "/embeddings"]) {
    app.post(path, (c) => handlePricedRequest(c.req.raw, path, c.var.requestId, requestDeps, embeddings));
    app.all(path, methodNotAllowed("POST"));
  }

  for (const path of ["/v1/models", "/models"]) {
    app.get(path, (c) => {
      const started = clock.now();
      const id = c.var.requestId;
      const caller = authenticate(deps.plan, c.req.raw.headers, requestDeps.managedKeys);
      if (caller instanceof GatewayError) {
        logSimple(id, c.req.raw, path, caller.status, started, null, caller);
        return errorResponse(caller, { "x-request-id": id });
      }
      logSimple(id, c.req.raw, path, 200, started, caller, null);
      return new Response(modelList(caller), { status: 200, headers: { "content-type": "application/json", "x-request-id": id } });
    });
    app.all(path, methodNotAllowed("GET"));
  }

  // Health probes are not logged: orchestrators call them every few seconds.
  app.get("/health/liveness", () => jsonResponse({ status: "ok" }, 200));
  app.all("/health/liveness", methodNotAllowed("GET"));
  app.get("/health/readiness", async () => {
    let storeOk: boolean;
    try {
      storeOk = deps.store.healthy === undefined ? true : await deps.store.healthy();
    } catch {
      storeOk = false;
    }
    // Budgets and limits need every key, team, user and customer loaded once.
    const budgetsLoaded = enforcement.cache.isReady();
    const ready = storeOk && budgetsLoaded;
    const body: Record<string, string> = {
      status: ready ? "ready" : "not_ready",
      store: storeOk ? "ok" : "unavailable",
      budgets: budgetsLoaded ? "loaded" : "loading",
      // Whether rate limits and budget reservations are shared by the cluster (Redis) or, while Redis is
      // unreachable or not configured, kept per process: the signal monitoring should alert on.
      limits: enforcement.limiter.isClusterWide() && enforcement.ledger.isClusterWide?.() === true ? "cluster-wide" : "per-process",
    };
    return jsonResponse(body, ready ? 200 : 503);
  });
  app.all("/health/readiness", methodNotAllowed("GET"));

  if (deps.governance !== undefined) {
    const { store, cache, configEntities } = deps.governance;
    const authorizeAdmin = createAdminAuthorizer(deps.plan, cache, () => clock.now());
    // `spend` in /key/info, /team/info, ...: in the entity's current budget period (all time without
    // one), the larger of what the budget ledger counts (reservations in flight included) and what
    // the spend store recorded (the ledger has no counter for an entity without a budget, or before
    // its first request in this process).
    const spend = async (subject: Subject, entity: SpendEntity): Promise<number> => {
      const now = clock.now();
      const start = enforcement.periods.periodOf(entity.budgetDuration, now).start;
      const [counted, recorded] = await Promise.all([
        enforcement.ledger.spent(subject, start, now),
        subject.kind === "deployment"
          ? 0
          : deps.store.subjectSpendSince(subject.kind, subject.kind === "key" ? (entity.keyHash ?? "").slice(0, 12) : subject.id, start),
      ]);
      return Math.max(counted, recorded);
    };
    app.route(
      "/",
      createAdminApp({
        store,
        clock,
        configEntities,
        authorizeAdmin,
        masterKeyHash: deps.plan.masterKeyDigest === null ? null : Buffer.from(deps.plan.masterKeyDigest).toString("hex"), afterChange: () => cache.whenFresh(), spend }),
    );
    app.route("/", createSpendApi({ queries: deps.spendQueries ?? null, authorizeAdmin, onError: (message) => logger.error(message) }));
  }

  app.notFound((c) => {
    const id = c.var.requestId;
    const error = new GatewayError({
      status: 404,
      type: "invalid_request_error",
      code: "unknown_url",
      message: `gw has no route ${c.req.method} ${c.req.path}. It serves POST /v1/chat/completions, POST /v1/embeddings and GET /v1/models.`,
    });
    logSimple(id, c.req.raw, c.req.path, 404, clock.now(), null, error);
    return errorResponse(error, { "x-request-id": id });
  });

  app.onError((error, c) => {
    const id = c.var.requestId ?? requestId();
    logger.error(`${id}: unexpected error on ${c.req.method} ${c.req.path}: ${describe(error)}`);
    const failure = internalError(error);
    logSimple(id, c.req.raw, c.req.path, 500, clock.now(), null, failure);
    return errorResponse(failure, { "x-request-id": id });
  });

  return app;
}
