/**
 * gw's runtime as a library (`gw-gateway/runtime`): build the gateway in-process from a
 * bundle or a config and call its fetch handler, on any host with Web-standard
 * Request/Response (Bun, Node, Deno, Workers).
 */
import type { Hono } from "hono";
import { type AppDeps, createApp, type GatewayEnv } from "./app.ts";
import type { Bundle } from "../contract/bundle.ts";
import { configEntitiesFromPlan } from "./governance/config-entities.ts";
import { loadTokenizersFor, stopTokenizers } from "./spend/count-tokens.ts";
import { createEnforcement } from "./governance/create-enforcement.ts";
import type { Enforcement } from "./governance/enforcement.ts";
import { createGovernanceCache } from "./governance/governance-cache.ts";
import { createMemoryGovernanceStore } from "./stores/memory/memory-governance-store.ts";
import type { BudgetLedger, GovernanceStore, RateLimiter, Subject } from "./stores/ports.ts";
import { type EnvRecord, loadBundle, type ProviderLookup } from "./start/load-bundle.ts";
import { silentLogger } from "./http/logger.ts";
import type { RuntimePlan } from "./start/plan.ts";
import { type FetchFunction, type SpendStore, systemClock } from "./stores/ports.ts";
import { checkBundle, readBundleFile } from "./start/read-bundle-file.ts";
import { createMemorySpendStore } from "./stores/memory/memory-spend-store.ts";
import { createMemoryResponseStore } from "./stores/memory/memory-response-store.ts";
import { createGatewayMetrics, type GatewayMetrics } from "./observability/metrics.ts";
import { deploymentList } from "./routing/deployment-states.ts";
import { gatewayVersion } from "./version.ts";
import { createDeploymentHealth } from "./routing/deployment-health.ts";
import { startHealthChecks } from "./routing/health-checks.ts";

export { type AppDeps, createApp, createRequestIdGenerator, type GatewayEnv } from "./app.ts";
export { computeCost } from "./spend/cost.ts";
export { createRouteFinder, type PriceLookup, type RouteFinder } from "./routing/find-route.ts";
export { GatewayError } from "./http/errors.ts";
export { realSleep, type Sleep } from "./routing/execute.ts";
export { BundleLoadError, type EnvRecord, loadBundle, type LoadBundleOptions, MissingEnvError, type ProviderLookup } from "./start/load-bundle.ts";
export { createLogger, type LogFormat, type Logger, type RequestLogEntry, silentLogger } from "./http/logger.ts";
export type { Caller, RuntimeDeployment, RuntimePlan, RuntimeRoute, TokenPrice } from "./start/plan.ts";
export type { Clock, FetchFunction, SpendRecord, SpendStore } from "./stores/ports.ts";
export { checkBundle, readBundleFile } from "./start/read-bundle-file.ts";
export { createSpendApi, type SpendApiDeps } from "./spend/spend-api.ts";
export type { Enforcement } from "./governance/enforcement.ts";
export type { LedgerRow, SpendGroupBy, SpendLogsFilter, SpendQueries, SpendReportRow } from "./stores/ports.ts";
export { createMemorySpendStore, type MemorySpendStore } from "./stores/memory/memory-spend-store.ts";
export type { Bundle } from "../contract/bundle.ts";
export type { AdapterIO, ProviderAdapter, RequestAuthorizer, ResolvedDeployment } from "./providers/types.ts";

export interface GatewayOptions extends Omit<AppDeps, "plan" | "store" | "governance" | "enforcement" | "metrics"> {
  /** Prometheus metrics at GET /metrics (observability/metrics.ts): off by default in the library, on in `gw serve`. */
  metrics?: boolean;
  /**
   * What to serve: a compiled bundle (checked once against the bundle schema), or the path
   * of a `.json` bundle or of a config (`gateway.config.ts` / `.yaml`, compiled in memory).
   * Or `plan`: a bundle the host has loaded itself (gw serve reports load errors before it
   * opens its stores).
   */
  source?: Bundle | string;
  plan?: RuntimePlan;
  /** Resolves env(...) references; process.env by default. */
  env?: EnvRecord;
  /** Spend store; in memory by default. */
  store?: SpendStore;
  /**
   * Keys, teams, users and customers managed at run time: mounts the admin API (/key/*, /team/*,
   * /user/*, /customer/*, /audit/list). Without it the config's teams and keys are still enforced.
   */
  governanceStore?: GovernanceStore;
  /** Cluster-wide rate limits and budget ledger (Redis); in-process by default. */
  limits?: { limiter: RateLimiter; ledger: BudgetLedger };
  /** IANA time zone of budget periods. Default "UTC". */
  budgetTimeZone?: string;
  /** Refuse budgeted requests whose spend cannot be counted cluster-wide (503 budget_unavailable). */
  budgetFailClosed?: boolean;
  /** Called once per subject and period when a soft budget is crossed (e.g. a webhook). */
  alert?: (subject: Subject, spentUsd: number, softBudgetUsd: number) => void;
  /** Provider adapters by name; gw's built-in registry by default. */
  getProvider?: ProviderLookup;
  /** Working directory for a relative config path. */
  cwd?: string;
}

export interface Gateway {
  /** The Web-standard handler: pass it to Bun.serve, Deno.serve, a Worker, or call it directly. */
  fetch(request: Request): Promise<Response>;
  app: Hono<GatewayEnv>;
  plan: RuntimePlan;
  store: SpendStore;
  /** Limits and budgets of every key, team, user and customer. */
  enforcement: Enforcement;
  /** The Prometheus metrics, when on (a host may serve `scrape()` on a port of its own). */
  metrics: GatewayMetrics | null;
  /** Flush and close the store, stop the governance cache and the tokenizer thread. */
  close(): Promise<void>;
}

/**
 * The one composition root: `gw serve`, the library and the tests build the gateway here.
 * Compile (or check) the source, resolve env, load tokenizers, build the governance cache over
 * the config's entities (and the store's, when given), the enforcement of limits and budgets,
 * and the app. Logs nothing unless given a logger.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const {
    source,
    plan: givenPlan,
    env: givenEnv,
    store: givenStore,
    governanceStore,
    limits,
    budgetTimeZone,
    budgetFailClosed,
    alert,
    getProvider: givenLookup,
    cwd,
    logger: givenLogger,
    metrics: metricsOn,
    ...appDeps
  } = options;
  const clock = appDeps.clock ?? systemClock;
  const logger = givenLogger ?? silentLogger;
  const fetchFunction: FetchFunction = appDeps.fetch ?? ((url, init) => fetch(url, init));
  let plan = givenPlan;
  if (plan === undefined) {
    if (source === undefined) throw new TypeError("createGateway needs a `source` (a bundle or a config path) or a loaded `plan`.");
    const env = givenEnv ?? (process.env as EnvRecord);
    const bundle = await resolveSource(source, cwd, env);
    const getProvider = givenLookup ?? (await import("./providers/registry.ts")).getProvider;
    plan = loadBundle(bundle, { env, getProvider, io: { fetch: fetchFunction, now: () => clock.now() } });
  }
  const store = givenStore ?? createMemorySpendStore();
  await loadTokenizersFor(plan, (message) => logger.info(message));

  // The config's teams and keys are governance entities like the managed ones (read-only).
  const configEntities = configEntitiesFromPlan(plan, new Date(clock.now()).toISOString());
  const cache = createGovernanceCache(governanceStore ?? createMemoryGovernanceStore(), {
    configEntities,
    onError: (message) => logger.error(String(message)),
  });
  await cache.ready;
  const enforcement = createEnforcement({
    cache,
    ...(limits === undefined ? {} : limits),
    spendSource: (kind, id, sinceMs) => store.subjectSpendSince(kind, id, sinceMs),
    timeZone: budgetTimeZone ?? "UTC",
    failClosed: budgetFailClosed === true,
    log: (message) => logger.warn(message),
    ...(alert === undefined ? {} : { alert }),
  });
  // Wildcard routes price each requested model at run time: by default from the same table `gw build` uses.
  const lookupPrice = appDeps.lookupPrice ?? (plan.wildcardRoutes.length > 0 ? (await import("../contract/prices.ts")).lookupPrice : undefined);
  const health = appDeps.health ?? createDeploymentHealth(appDeps.cooldowns);
  const healthChecks = startHealthChecks({ plan, health, fetch: fetchFunction, store, logger, now: () => clock.now() });
  // Stored Responses API responses only where the config keeps them: nothing is held otherwise.
  const responseStore = appDeps.responseStore ?? (plan.responsesStore === null ? undefined : createMemoryResponseStore({ ...plan.responsesStore, clock }));
  const metrics =
    metricsOn === true
      ? createGatewayMetrics(plan, gatewayVersion, {
          deployments: (() => {
            const list = deploymentList(plan, health, () => clock.now());
            return () => list().map((entry) => ({ id: entry.id, provider: entry.provider, coolingDown: entry.state === "cooling_down", inFlight: entry.in_flight }));
          })(),
          spendQueue: () => store.queueStatus?.() ?? null,
          limitsClusterWide: () => enforcement.limiter.isClusterWide() && enforcement.ledger.isClusterWide?.() === true,
        })
      : null;
  const app = createApp({
    ...appDeps,
    metrics,
    ...(responseStore === undefined ? {} : { responseStore }),
    health,
    ...(lookupPrice === undefined ? {} : { lookupPrice }),
    fetch: fetchFunction,
    logger,
    plan,
    store,
    enforcement,
    ...(governanceStore === undefined ? {} : { governance: { store: governanceStore, cache, configEntities } }),
  });
  return {
    fetch: async (request) => app.fetch(request),
    app,
    plan,
    store,
    enforcement,
    metrics,
    async close() {
      healthChecks?.stop();
      cache.close();
      await store.flush();
      await store.close();
      await stopTokenizers();
    },
  };
}

async function resolveSource(source: Bundle | string, cwd: string | undefined, env: EnvRecord): Promise<Bundle> {
  if (typeof source !== "string") return checkBundle(source, "given to createGateway");
  const { isAbsolute, resolve } = await import("node:path");
  const path = isAbsolute(source) || cwd === undefined ? source : resolve(cwd, source);
  if (path.endsWith(".json")) return readBundleFile(path);
  const { compileConfig, formatDiagnostics } = await import("../compiler/index.ts");
  const result = await compileConfig(path, { cwd, env: env as Record<string, string | undefined> });
  if (result.bundle === null) {
    throw new Error(`gw could not compile ${result.path}:\n${formatDiagnostics(result.diagnostics, "text")}`);
  }
  return result.bundle;
}
