import type {
  Bundle,
  CompiledDeployment,
  CompiledKey,
  CompiledRoute,
  CompiledServices,
  CompiledTeam,
  KeyRef,
  SecretRef,
} from "../contract/bundle.ts";
import { resolveFallbacks } from "./fallbacks.ts";
import { hashBundleContent, setEntry } from "./hash.ts";
import { keyRefFromHash, toKeyRef, type Environment } from "./keys.ts";
import type { DeploymentSecret, NormalizedConfig, NormalizedDeployment } from "./normalize.ts";
import { builtInContextWindow, builtInPrice, priceFromConfig } from "./prices.ts";
import { priceProviderOf } from "./providers.ts";
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
      wildcardPrefix: model.wildcardPrefix,
      deployments: model.deployments.map(compileDeployment),
      cumulativeWeights: cumulativeWeights(model.deployments.map((deployment) => deployment.weight)),
      fallbacks: resolveFallbacks(model.name, config.fallbacks),
      // Only when configured, so bundles without them (and their hashes) stay as they were.
      ...(ownChain(config.fallbacks, model.name).includes(model.name) ? { sameModelFallback: true as const } : {}),
      ...chainField("contextWindowFallbacks", model.name, config.contextWindowFallbacks),
      ...chainField("contentPolicyFallbacks", model.name, config.contentPolicyFallbacks),
      retry: { ...config.retry },
      // Only when configured, so bundles without routing (and their hashes) stay as they were.
      ...(model.routing === null ? {} : { routing: { ...model.routing } }),
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

  const services = config.services === null ? null : compileServices(config.services);
  const { required, optional } = collectEnv(routes, masterKey, keys, services);
  const content: Omit<Bundle, "hash"> = {
    version: 1,
    source: options.source,
    env: required,
    optionalEnv: optional,
    routes,
    // Only when configured, so bundles without aliases (and their hashes) stay as they were.
    ...(Object.keys(config.aliases).length === 0 ? {} : { aliases: { ...config.aliases } }),
    ...(config.allowMockResponses ? { allowMockResponses: true as const } : {}),
    ...(services === null ? {} : { services }),
    ...(config.responsesStore === null ? {} : { responsesStore: { ...config.responsesStore } }),
    policy: { masterKey, teams, keys },
  };
  const { version, ...rest } = content;
  return { version, hash: hashBundleContent(content), ...rest };
}

/** Env references of services are optional: an unset one leaves the service out (gw serve says so). */
function compileServices(services: NonNullable<NormalizedConfig["services"]>): CompiledServices {
  const compiled: CompiledServices = {};
  for (const field of ["postgresUrl", "redisUrl", "redisHost", "redisPassword"] as const) {
    const secret = services[field];
    if (secret !== undefined) compiled[field] = secret.kind === "env" ? { env: secret.name, optional: true } : { value: secret.value };
  }
  if (services.redisPort !== undefined) compiled.redisPort = services.redisPort;
  return compiled;
}

function ownChain(graph: Readonly<Record<string, readonly string[]>>, model: string): readonly string[] {
  return Object.hasOwn(graph, model) ? graph[model]! : [];
}

/** `{ [field]: chain }` when the model has a chain of that kind, else nothing. */
function chainField<Field extends string>(field: Field, model: string, graph: Record<string, string[]>): Partial<Record<Field, string[]>> {
  const chain = resolveFallbacks(model, graph);
  return chain.length === 0 ? {} : ({ [field]: chain } as Record<Field, string[]>);
}

function compileDeployment(deployment: NormalizedDeployment): CompiledDeployment {
  const compiled: CompiledDeployment = {
    id: deployment.id,
    provider: deployment.provider,
    model: deployment.model,
    baseUrl: deployment.baseUrl,
    apiKey: deployment.apiKey === null ? null : toSecretRef(deployment.apiKey),
    secrets: toSecretRefs(deployment.secrets),
    headers: toSecretRefs(deployment.headers),
    options: { ...deployment.options },
    timeoutMs: deployment.timeoutMs,
    price: deployment.price === null ? builtInPrice(deployment.provider, deployment.model) : priceFromConfig(deployment.price),
    priceProvider: priceProviderOf(deployment.provider),
  };
  // Only when set, so bundles without limits (and their hashes) stay as they were.
  if (deployment.limits !== null) compiled.limits = { ...deployment.limits };
  if (deployment.baseUrlEnv !== null) compiled.baseUrlEnv = deployment.baseUrlEnv;
  if (deployment.order !== null) compiled.order = deployment.order;
  if (deployment.tags !== null) compiled.tags = [...deployment.tags];
  const maxInputTokens = deployment.maxInputTokens ?? builtInContextWindow(deployment.provider, deployment.model);
  if (maxInputTokens !== null) compiled.maxInputTokens = maxInputTokens;
  return compiled;
}

function toSecretRef(secret: DeploymentSecret): SecretRef {
  if (secret.kind === "literal") return { value: secret.value };
  return secret.optional ? { env: secret.name, optional: true } : { env: secret.name };
}

function toSecretRefs(secrets: Record<string, DeploymentSecret>): Record<string, SecretRef> {
  const refs: Record<string, SecretRef> = {};
  for (const [name, secret] of Object.entries(secrets)) setEntry(refs, name, toSecretRef(secret));
  return refs;
}

/**
 * The env vars the bundle refers to, sorted: `required` ones stop `gw serve` when unset;
 * `optional` ones are read when set. A variable both required and optional somewhere is required.
 */
function collectEnv(
  routes: Record<string, CompiledRoute>,
  masterKey: KeyRef | null,
  keys: CompiledKey[],
  services: CompiledServices | null,
): { required: string[]; optional: string[] } {
  const required = new Set<string>();
  const optional = new Set<string>();
  const add = (ref: SecretRef | KeyRef | null): void => {
    if (ref === null || !("env" in ref)) return;
    if ("optional" in ref && ref.optional === true) optional.add(ref.env);
    else required.add(ref.env);
  };
  for (const route of Object.values(routes)) {
    for (const deployment of route.deployments) {
      add(deployment.apiKey);
      if (deployment.baseUrlEnv !== undefined) add({ env: deployment.baseUrlEnv });
      for (const ref of Object.values(deployment.secrets)) add(ref);
      for (const ref of Object.values(deployment.headers)) add(ref);
    }
  }
  add(masterKey);
  for (const key of keys) add(key.key);
  for (const ref of [services?.postgresUrl, services?.redisUrl, services?.redisHost, services?.redisPassword]) if (ref !== undefined) add(ref);
  return { required: [...required].sort(), optional: [...optional].filter((name) => !required.has(name)).sort() };
}
