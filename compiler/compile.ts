import type {
  Bundle,
  CompiledDeployment,
  CompiledKey,
  CompiledRoute,
  CompiledTeam,
  KeyRef,
  SecretRef,
} from "../runtime/bundle.ts";
import { resolveFallbacks } from "./fallbacks.ts";
import { hashBundleContent, setEntry } from "./hash.ts";
import { keyRefFromHash, toKeyRef, type Environment } from "./keys.ts";
import type { NormalizedConfig, NormalizedDeployment } from "./normalize.ts";
import { lookupPrice, priceFromConfig } from "./prices.ts";
import type { ParsedSecret } from "./secret.ts";
import { cumulativeWeights } from "./weights.ts";

export interface CompileOptions {
  /** Config path relative to the working directory, recorded as `source`. */
  source: string;
  /** Env vars visible at build time: auth keys found here are hashed into the bundle. */
  environment: Environment;
}

/**
 * Compiles a normalized, validated config into the bundle the runtime serves. Pure
 * apart from the build-time env: the same config and env always give the same bundle,
 * property order included.
 */
export function compileBundle(config: NormalizedConfig, options: CompileOptions): Bundle {
  const routes: Record<string, CompiledRoute> = {};
  for (const model of config.models) {
    setEntry(routes, model.name, {
      name: model.name,
      deployments: model.deployments.map(compileDeployment),
      cumulativeWeights: cumulativeWeights(model.deployments.map((deployment) => deployment.weight)),
      fallbacks: resolveFallbacks(model.name, config.fallbacks),
      retry: { ...config.retry },
    });
  }

  const teams: Record<string, CompiledTeam> = {};
  for (const team of config.teams) {
    setEntry(teams, team.name, {
      name: team.name,
      budget: team.budget === null ? null : { usd: team.budget.usd, period: team.budget.period },
      models: team.models === null ? null : [...new Set(team.models)],
    });
  }

  const keys: CompiledKey[] = config.keys.map((key) => ({
    name: key.name,
    team: key.team,
    key: key.secret.kind === "hash" ? keyRefFromHash(key.secret.sha256) : toKeyRef(key.secret, options.environment),
  }));
  const masterKey = config.masterKey === null ? null : toKeyRef(config.masterKey, options.environment);

  const content: Omit<Bundle, "hash"> = {
    version: 1,
    source: options.source,
    env: collectEnv(routes, masterKey, keys),
    routes,
    policy: { masterKey, teams, keys },
  };
  const { version, ...rest } = content;
  return { version, hash: hashBundleContent(content), ...rest };
}

function compileDeployment(deployment: NormalizedDeployment): CompiledDeployment {
  return {
    id: deployment.id,
    provider: deployment.provider,
    model: deployment.model,
    baseUrl: deployment.baseUrl,
    apiKey: deployment.apiKey === null ? null : toSecretRef(deployment.apiKey),
    timeoutMs: deployment.timeoutMs,
    price: deployment.price === null ? lookupPrice(deployment.provider, deployment.model) : priceFromConfig(deployment.price),
  };
}

function toSecretRef(secret: ParsedSecret): SecretRef {
  return secret.kind === "env" ? { env: secret.name } : { value: secret.value };
}

/** The env vars the bundle itself refers to (the ones `gw serve` must read), sorted. */
function collectEnv(routes: Record<string, CompiledRoute>, masterKey: KeyRef | null, keys: CompiledKey[]): string[] {
  const names = new Set<string>();
  for (const route of Object.values(routes)) {
    for (const deployment of route.deployments) {
      if (deployment.apiKey !== null && "env" in deployment.apiKey) names.add(deployment.apiKey.env);
    }
  }
  for (const ref of [masterKey, ...keys.map((key) => key.key)]) {
    if (ref !== null && "env" in ref) names.add(ref.env);
  }
  return [...names].sort();
}
