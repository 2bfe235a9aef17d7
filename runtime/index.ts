/**
 * gw's runtime as a library (`gw-gateway/runtime`): build the gateway in-process from a
 * bundle or a config and call its fetch handler, on any host with Web-standard
 * Request/Response (Bun, Node, Deno, Workers).
 */
import type { Hono } from "hono";
import { type AppDeps, createApp } from "./app.ts";
import type { Bundle } from "../contract/bundle.ts";
import { loadTokenizersFor, stopTokenizers } from "./governance/count-tokens.ts";
import { type EnvRecord, loadBundle, type ProviderLookup } from "./load-bundle.ts";
import { silentLogger } from "./logger.ts";
import type { RuntimePlan } from "./plan.ts";
import { type FetchFunction, type SpendStore, systemClock } from "./ports.ts";
import { checkBundle, readBundleFile } from "./read-bundle-file.ts";
import { createMemorySpendStore } from "./stores/memory-spend-store.ts";

export { type AppDeps, createApp, createRequestIdGenerator } from "./app.ts";
export { computeCost } from "./cost.ts";
export { createRouteFinder, type PriceLookup, type RouteFinder } from "./find-route.ts";
export { GatewayError } from "./errors.ts";
export { realSleep, type Sleep } from "./execute.ts";
export { BundleLoadError, type EnvRecord, loadBundle, type LoadBundleOptions, MissingEnvError, type ProviderLookup } from "./load-bundle.ts";
export { createLogger, type LogFormat, type Logger, type RequestLogEntry, silentLogger } from "./logger.ts";
export type { Caller, RuntimeDeployment, RuntimePlan, RuntimeRoute, TokenPrice } from "./plan.ts";
export type { Clock, FetchFunction, SpendRecord, SpendStore } from "./ports.ts";
export { checkBundle, readBundleFile } from "./read-bundle-file.ts";
export { createSpendApi, type SpendApiDeps } from "./spend-api.ts";
export type { Enforcement } from "./governance/enforcement.ts";
export type { LedgerRow, SpendGroupBy, SpendLogsFilter, SpendQueries, SpendReportRow } from "./governance/ports.ts";
export { createMemorySpendStore, type MemorySpendStore } from "./stores/memory-spend-store.ts";
export type { Bundle } from "../contract/bundle.ts";
export type { AdapterIO, ProviderAdapter, RequestAuthorizer, ResolvedDeployment } from "./providers/types.ts";

export interface GatewayOptions extends Omit<AppDeps, "plan" | "store"> {
  /**
   * What to serve: a compiled bundle (checked once against the bundle schema), or the path
   * of a `.json` bundle or of a config (`gateway.config.ts` / `.yaml`, compiled in memory).
   */
  source: Bundle | string;
  /** Resolves env(...) references; process.env by default. */
  env?: EnvRecord;
  /** Spend store; in memory by default. */
  store?: SpendStore;
  /** Provider adapters by name; gw's built-in registry by default. */
  getProvider?: ProviderLookup;
  /** Working directory for a relative config path. */
  cwd?: string;
}

export interface Gateway {
  /** The Web-standard handler: pass it to Bun.serve, Deno.serve, a Worker, or call it directly. */
  fetch(request: Request): Promise<Response>;
  app: Hono;
  plan: RuntimePlan;
  store: SpendStore;
  /** Flush and close the store. */
  close(): Promise<void>;
}

/** Compile (or check) the source, resolve env, and return the fetch handler. Logs nothing unless given a logger. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { source, env: givenEnv, store: givenStore, getProvider: givenLookup, cwd, logger, ...appDeps } = options;
  const env = givenEnv ?? (process.env as EnvRecord);
  const bundle = await resolveSource(source, cwd, env);
  const getProvider = givenLookup ?? (await import("./providers/registry.ts")).getProvider;
  const clock = appDeps.clock ?? systemClock;
  const fetchFunction: FetchFunction = appDeps.fetch ?? ((url, init) => fetch(url, init));
  const plan = loadBundle(bundle, { env, getProvider, io: { fetch: fetchFunction, now: () => clock.now() } });
  const store = givenStore ?? createMemorySpendStore();
  await loadTokenizersFor(plan);
  // Wildcard routes price each requested model at run time: by default from the same table `gw build` uses.
  const lookupPrice = appDeps.lookupPrice ?? (plan.wildcardRoutes.length > 0 ? (await import("../contract/prices.ts")).lookupPrice : undefined);
  const app = createApp({
    ...appDeps,
    ...(lookupPrice === undefined ? {} : { lookupPrice }),
    fetch: fetchFunction,
    logger: logger ?? silentLogger,
    plan,
    store,
  });
  return {
    fetch: async (request) => app.fetch(request),
    app,
    plan,
    store,
    async close() {
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
