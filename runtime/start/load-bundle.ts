/**
 * Bundle -> runtime plan. Runs once at start-up: resolves every environment reference,
 * looks every adapter up, fills base-URL placeholders, creates each deployment's authorizer,
 * converts prices, builds the key table. The bundle was validated (contract/validate-bundle.ts,
 * or produced by compileConfig) before it gets here; this module only refuses what it cannot
 * run: missing environment variables, unknown providers, unfillable placeholders, credentials
 * an adapter cannot use and dangling references.
 */
import { createHash } from "node:crypto";
import type { Bundle, CompiledDeployment, CompiledPrice, KeyRef, SecretRef } from "../../contract/bundle.ts";
import { GatewayError } from "../http/errors.ts";
import { deploymentLimitSubjects } from "../limits/deployment-limits.ts";
import type { Caller, RuntimeDeployment, RuntimePlan, RuntimeRoute, TokenPrice } from "./plan.ts";
import type { AdapterIO, ProviderAdapter, RequestAuthorizer, ResolvedDeployment } from "../providers/types.ts";

export type EnvRecord = Readonly<Record<string, string | undefined>>;

/** Adapter lookup by provider name, e.g. the registry's `getProvider`. */
export type ProviderLookup = (name: string) => ProviderAdapter | null | undefined;

export interface LoadBundleOptions {
  env: EnvRecord;
  getProvider: ProviderLookup;
  /**
   * The I/O handed to adapters' authorizers (token exchange); pass the same fetch as the app's.
   * Default: globalThis.fetch and Date.now.
   */
  io?: AdapterIO;
}

const defaultIO: AdapterIO = { fetch: (url, init) => fetch(url, init), now: () => Date.now() };

/** Start-up refused because environment variables the bundle needs are not set. */
export class MissingEnvError extends Error {
  readonly missing: readonly string[];

  constructor(missing: string[]) {
    super(
      `${missing.length === 1 ? "An environment variable" : `${missing.length} environment variables`} the config refers to ` +
        `(env("NAME") in TypeScript, os.environ/NAME in YAML) ${missing.length === 1 ? "is" : "are"} not set or empty: ${missing.join(", ")}. ` +
        `Set ${missing.length === 1 ? "it" : "them"} in the environment (Bun also reads a .env file in the working directory) and start again.`,
    );
    this.name = "MissingEnvError";
    this.missing = missing;
  }
}

/** The bundle refers to something this build of gw cannot run (unknown provider, dangling reference). */
export class BundleLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BundleLoadError";
  }
}

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

export function toTokenPrice(price: CompiledPrice | null): TokenPrice | null {
  if (price === null) return null;
  return {
    input: price.inputPerMTok / 1e6,
    output: price.outputPerMTok / 1e6,
    cacheRead: price.cacheReadPerMTok / 1e6,
    cacheWrite: price.cacheWritePerMTok / 1e6,
  };
}

/**
 * Build the runtime plan. Throws MissingEnvError listing every missing variable at once,
 * or BundleLoadError for anything else the runtime cannot serve.
 */
export function loadBundle(bundle: Bundle, options: LoadBundleOptions): RuntimePlan {
  const missing = new Set<string>();
  const readEnv = (name: string): string | null => {
    const value = options.env[name];
    if (value === undefined || value === "") {
      missing.add(name);
      return null;
    }
    return value;
  };
  /** null for an unset optional variable (and for a missing one, which is also listed in `missing`). */
  const resolveSecret = (secret: SecretRef | null): string | null => {
    if (secret === null) return null;
    if (!("env" in secret)) return secret.value;
    if (secret.optional === true) {
      const value = options.env[secret.env];
      return value === undefined || value === "" ? null : value;
    }
    return readEnv(secret.env);
  };
  const resolveSecrets = (secrets: Readonly<Record<string, SecretRef>>, lowerCaseNames: boolean): Record<string, string> => {
    const resolved: Record<string, string> = {};
    for (const [name, secret] of Object.entries(secrets)) {
      const value = resolveSecret(secret);
      if (value !== null) resolved[lowerCaseNames ? name.toLowerCase() : name] = value;
    }
    return resolved;
  };
  const problems: string[] = [];
  /** The configured base URL, the one its env var names (LiteLLM's `api_base: os.environ/NAME`), or the provider's. */
  const baseUrlOf = (compiled: CompiledDeployment, fallback: string): string => {
    if (compiled.baseUrlEnv === undefined) return compiled.baseUrl ?? fallback;
    const value = readEnv(compiled.baseUrlEnv);
    if (value === null) return fallback;
    if (!/^https?:\/\/[^\s/?#]+[^\s]*$/.test(value)) {
      problems.push(`Deployment "${compiled.id}" reads its base URL from ${compiled.baseUrlEnv}, which is not an http(s) URL; set it to one such as https://api.openai.com/v1.`);
      return fallback;
    }
    return value;
  };
  const io = options.io ?? defaultIO;
  const resolveKeyHash = (key: KeyRef): string | null => {
    if ("sha256" in key) {
      const hash = key.sha256.toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(hash)) throw new BundleLoadError(`A key hash in the bundle is not 64 hex digits; rebuild the bundle (gw build).`);
      return hash;
    }
    const value = readEnv(key.env);
    return value === null ? null : sha256Hex(value);
  };

  const adapters = new Map<string, ProviderAdapter>();
  const lookupAdapter = (deployment: CompiledDeployment): ProviderAdapter => {
    let adapter = adapters.get(deployment.provider);
    if (adapter === undefined) {
      adapter = options.getProvider(deployment.provider) ?? undefined;
      if (adapter === undefined) {
        throw new BundleLoadError(
          `Deployment "${deployment.id}" uses provider "${deployment.provider}", which this build of gw does not know. ` +
            `Rebuild the bundle with this version of gw (gw build).`,
        );
      }
      adapters.set(deployment.provider, adapter);
    }
    return adapter;
  };

  const routes = new Map<string, RuntimeRoute>();
  const wildcardRoutes: RuntimeRoute[] = [];
  const modelNames: string[] = [];
  const deploymentsToAuthorize: Array<{ index: number; deployments: RuntimeDeployment[]; route: string }> = [];
  for (const [name, route] of Object.entries(bundle.routes)) {
    const deployments: RuntimeDeployment[] = route.deployments.map((compiled) => {
      const adapter = lookupAdapter(compiled);
      const secrets = resolveSecrets(compiled.secrets ?? {}, false);
      const headers = resolveSecrets(compiled.headers ?? {}, true);
      const deployment: ResolvedDeployment = {
        id: compiled.id,
        provider: compiled.provider,
        model: compiled.model,
        baseUrl: fillBaseUrl(compiled, baseUrlOf(compiled, adapter.defaultBaseUrl), secrets, problems).replace(/\/+$/, ""),
        apiKey: resolveSecret(compiled.apiKey),
        secrets,
        headers,
        options: { ...compiled.options },
        timeoutMs: compiled.timeoutMs,
        price: compiled.price,
        priceProvider: compiled.priceProvider ?? null,
      };
      return {
        deployment,
        adapter,
        price: toTokenPrice(compiled.price),
        extraHeaders: Object.keys(headers).length === 0 ? null : headers,
        authorizer: null,
        limits: deploymentLimitSubjects(compiled.id, compiled.limits),
        ...(compiled.order === undefined ? {} : { order: compiled.order }),
        ...(compiled.tags === undefined ? {} : { tags: new Set(compiled.tags) }),
        ...(compiled.maxInputTokens === undefined ? {} : { maxInputTokens: compiled.maxInputTokens }),
      };
    });
    if (deployments.length === 0 || route.cumulativeWeights.length !== deployments.length) {
      throw new BundleLoadError(`Model "${name}" has no deployments or mismatched weights; rebuild the bundle (gw build).`);
    }
    deployments.forEach((target, index) => {
      if (target.adapter.createAuthorizer !== undefined) deploymentsToAuthorize.push({ index, deployments, route: name });
    });
    const wildcardPrefix = route.wildcardPrefix ?? null;
    const runtimeRoute: RuntimeRoute = {
      name,
      wildcardPrefix,
      deployments,
      cumulativeWeights: route.cumulativeWeights,
      fallbacks: route.fallbacks,
      ...(route.sameModelFallback === true ? { sameModelFallback: true } : {}),
      ...(route.contextWindowFallbacks === undefined ? {} : { contextWindowFallbacks: route.contextWindowFallbacks }),
      ...(route.contentPolicyFallbacks === undefined ? {} : { contentPolicyFallbacks: route.contentPolicyFallbacks }),
      retry: route.retry,
      ...(route.routing === undefined
        ? {}
        : {
            routing: {
              strategy: route.routing.strategy,
              health: { allowedFails: route.routing.allowedFails, cooldownMs: route.routing.cooldownMs, failureWindowMs: route.routing.failureWindowMs },
              ...(route.routing.healthCheckMs === undefined ? {} : { healthCheckMs: route.routing.healthCheckMs }),
            },
          }),
    };
    modelNames.push(name);
    if (wildcardPrefix === null) routes.set(name, runtimeRoute);
    else wildcardRoutes.push(runtimeRoute);
  }
  wildcardRoutes.sort((a, b) => (b.wildcardPrefix as string).length - (a.wildcardPrefix as string).length);
  // An alias is one more name of a route: the same object, so it shares everything (health, limits, prices).
  for (const [alias, target] of Object.entries(bundle.aliases ?? {})) {
    const route = routes.get(target);
    if (route === undefined || routes.has(alias)) throw new BundleLoadError(`Alias "${alias}" must name an exact model other than itself; rebuild the bundle (gw build).`);
    routes.set(alias, route);
    modelNames.push(alias);
  }
  for (const route of [...routes.values(), ...wildcardRoutes]) {
    for (const fallback of [...route.fallbacks, ...(route.contextWindowFallbacks ?? []), ...(route.contentPolicyFallbacks ?? [])]) {
      if (routes.has(fallback)) continue;
      throw new BundleLoadError(
        wildcardRoutes.some((wildcard) => wildcard.name === fallback)
          ? `Model "${route.name}" falls back to the wildcard model "${fallback}"; a fallback must name one model. Rebuild the bundle (gw build).`
          : `Model "${route.name}" falls back to "${fallback}", which the bundle does not define.`,
      );
    }
  }

  const { policy } = bundle;
  const teams = new Map(Object.values(policy.teams).map((team) => [team.name, team] as const));

  const keys = new Map<string, Caller>();
  const keyNamesByHash = new Map<string, string>();
  for (const key of policy.keys) {
    const team = policy.teams[key.team];
    if (team === undefined) {
      throw new BundleLoadError(`Key "${key.name}" belongs to team "${key.team}", which the bundle does not define.`);
    }
    const hash = resolveKeyHash(key.key);
    if (hash === null) continue;
    const other = keyNamesByHash.get(hash);
    if (other !== undefined) {
      throw new BundleLoadError(`Keys "${other}" and "${key.name}" have the same secret; give each key its own value.`);
    }
    keyNamesByHash.set(hash, key.name);
    keys.set(hash, {
      kind: "key",
      keyName: key.name,
      team: team.name,
      models: team.models === null ? null : new Set(team.models),
      modelPrefixes: team.models === null ? [] : wildcardPrefixes(team.models),
      keyHashPrefix: hash.slice(0, 12),
    });
  }

  let masterKeyDigest: Uint8Array | null = null;
  if (policy.masterKey !== null) {
    const hash = resolveKeyHash(policy.masterKey);
    if (hash !== null) masterKeyDigest = Buffer.from(hash, "hex");
  }

  if (missing.size > 0) throw new MissingEnvError([...missing].sort());
  if (problems.length > 0) throw new BundleLoadError(problems.join("\n"));

  // Authorizers last: only once every secret they read is known to be there.
  for (const { index, deployments, route } of deploymentsToAuthorize) {
    const target = deployments[index] as RuntimeDeployment;
    deployments[index] = { ...target, authorizer: createAuthorizer(target, route, io) };
  }

  return {
    bundleHash: bundle.hash,
    source: bundle.source,
    allowMockResponses: bundle.allowMockResponses === true,
    services: resolveServices(bundle.services, resolveSecret),
    responsesStore: bundle.responsesStore === undefined ? null : { ttlMs: bundle.responsesStore.ttlSeconds * 1000, maxEntries: bundle.responsesStore.maxEntries },
    routes,
    wildcardRoutes,
    modelNames,
    keys,
    masterKeyDigest,
    open: policy.masterKey === null && policy.keys.length === 0,
    teams,
  };
}

/** "anthropic/*" -> "anthropic/": the prefixes of the wildcard names in a team's model list. */
export function wildcardPrefixes(models: readonly string[]): string[] {
  return models.filter((name) => name.endsWith("*")).map((name) => name.slice(0, -1));
}

const placeholderPattern = /\{(region|project)\}/g;
/** Values that can go into a host name or a path segment without changing what they address. */
const placeholderValue: Record<string, RegExp> = { region: /^[A-Za-z0-9-]+$/, project: /^[A-Za-z0-9][A-Za-z0-9.:_-]*$/ };

/**
 * Replace `{region}` (options.region, else secrets.awsRegion) and `{project}` (options.project)
 * in a base URL. A placeholder that cannot be filled adds a problem and leaves the URL as is.
 */
function fillBaseUrl(compiled: CompiledDeployment, url: string, secrets: Readonly<Record<string, string>>, problems: string[]): string {
  if (!url.includes("{")) return url;
  return url.replace(placeholderPattern, (placeholder, name: "region" | "project") => {
    const value = name === "region" ? (compiled.options?.region ?? secrets.awsRegion) : compiled.options?.project;
    if (value === undefined || value === "") {
      const regionEnv = compiled.secrets?.awsRegion;
      const hint =
        name === "region"
          ? `set \`region\` on the deployment${regionEnv !== undefined && "env" in regionEnv ? ` or the ${regionEnv.env} environment variable` : ""}`
          : "set `project` on the deployment";
      problems.push(`Deployment "${compiled.id}" (${compiled.provider}) needs a ${name} for its URL ${url}: ${hint}, then start again.`);
      return placeholder;
    }
    if (!(placeholderValue[name] as RegExp).test(value)) {
      problems.push(`Deployment "${compiled.id}" (${compiled.provider}) has a ${name} that cannot go into a URL: ${JSON.stringify(value)}.`);
      return placeholder;
    }
    return value;
  });
}

/** The adapter's authorizer for a deployment; its failure (unusable credentials) refuses the start. */
function createAuthorizer(target: RuntimeDeployment, route: string, io: AdapterIO): RequestAuthorizer | null {
  const create = target.adapter.createAuthorizer;
  if (create === undefined) return null;
  try {
    return create.call(target.adapter, target.deployment, io);
  } catch (error) {
    // A SyntaxError's message may quote the credential text it failed on: never show it.
    const detail =
      error instanceof GatewayError || (error instanceof Error && !(error instanceof SyntaxError))
        ? error.message
        : "its credentials could not be read";
    throw new BundleLoadError(`Deployment "${target.deployment.id}" of model "${route}" (${target.deployment.provider}) cannot start: ${detail}`);
  }
}

/** The config's service URLs; Redis from its URL, else from host, port and password (LiteLLM's redis_host…). */
function resolveServices(
  services: Bundle["services"],
  resolve: (secret: SecretRef | null) => string | null,
): RuntimePlan["services"] {
  if (services === undefined) return { postgresUrl: null, redisUrl: null };
  const postgresUrl = resolve(services.postgresUrl ?? null);
  let redisUrl = resolve(services.redisUrl ?? null);
  if (redisUrl === null) {
    const host = resolve(services.redisHost ?? null);
    const password = resolve(services.redisPassword ?? null);
    if (host !== null) redisUrl = `redis://${password === null ? "" : `:${encodeURIComponent(password)}@`}${host}:${services.redisPort ?? 6379}`;
  }
  return { postgresUrl, redisUrl };
}
