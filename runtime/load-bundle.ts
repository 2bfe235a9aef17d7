/**
 * Bundle -> runtime plan. Runs once at start-up: resolves every environment reference,
 * looks every adapter up, converts prices, builds the key table. The bundle was validated
 * (compiler's validateBundle, or produced by compileConfig) before it gets here; this module
 * only refuses what it cannot run: missing environment variables, unknown providers and
 * dangling references.
 */
import { createHash } from "node:crypto";
import type { Bundle, CompiledDeployment, CompiledPrice, KeyRef, SecretRef } from "./bundle.ts";
import type { Caller, RuntimeDeployment, RuntimePlan, RuntimeRoute, TokenPrice } from "./plan.ts";
import type { ProviderAdapter } from "./providers/types.ts";

export type EnvRecord = Readonly<Record<string, string | undefined>>;

/** Adapter lookup by provider name, e.g. the registry's `getProvider`. */
export type ProviderLookup = (name: string) => ProviderAdapter | null | undefined;

export interface LoadBundleOptions {
  env: EnvRecord;
  getProvider: ProviderLookup;
}

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
  const resolveSecret = (secret: SecretRef | null): string | null => {
    if (secret === null) return null;
    return "env" in secret ? readEnv(secret.env) : secret.value;
  };
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
  for (const [name, route] of Object.entries(bundle.routes)) {
    const deployments: RuntimeDeployment[] = route.deployments.map((compiled) => {
      const adapter = lookupAdapter(compiled);
      return {
        deployment: {
          id: compiled.id,
          provider: compiled.provider,
          model: compiled.model,
          baseUrl: (compiled.baseUrl ?? adapter.defaultBaseUrl).replace(/\/+$/, ""),
          apiKey: resolveSecret(compiled.apiKey),
          timeoutMs: compiled.timeoutMs,
          price: compiled.price,
        },
        adapter,
        price: toTokenPrice(compiled.price),
      };
    });
    if (deployments.length === 0 || route.cumulativeWeights.length !== deployments.length) {
      throw new BundleLoadError(`Model "${name}" has no deployments or mismatched weights; rebuild the bundle (gw build).`);
    }
    routes.set(name, {
      name,
      deployments,
      cumulativeWeights: route.cumulativeWeights,
      fallbacks: route.fallbacks,
      retry: route.retry,
    });
  }
  for (const route of routes.values()) {
    for (const fallback of route.fallbacks) {
      if (!routes.has(fallback)) {
        throw new BundleLoadError(`Model "${route.name}" falls back to "${fallback}", which the bundle does not define.`);
      }
    }
  }

  const { policy } = bundle;
  const budgets = new Map<string, NonNullable<(typeof policy.teams)[string]["budget"]>>();
  for (const team of Object.values(policy.teams)) {
    if (team.budget !== null) budgets.set(team.name, team.budget);
  }

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
    });
  }

  let masterKeyDigest: Uint8Array | null = null;
  if (policy.masterKey !== null) {
    const hash = resolveKeyHash(policy.masterKey);
    if (hash !== null) masterKeyDigest = Buffer.from(hash, "hex");
  }

  if (missing.size > 0) throw new MissingEnvError([...missing].sort());

  return {
    bundleHash: bundle.hash,
    source: bundle.source,
    routes,
    modelNames: [...routes.keys()],
    keys,
    masterKeyDigest,
    open: policy.masterKey === null && policy.keys.length === 0,
    budgets,
  };
}
