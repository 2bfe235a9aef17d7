import type { CompiledRetry, CompiledRouting } from "../contract/bundle.ts";
import type { BudgetConfig, GatewayConfig, RoutingConfig } from "./define-config.ts";
import { normalizeDeployment, type NormalizedDeployment } from "./normalize-deployment.ts";
import { readSecret, type ParsedSecret } from "./secret.ts";
import { parseModelName } from "../contract/wildcard.ts";
import { defaultCooldowns } from "../contract/routing-defaults.ts";

export type { DeploymentSecret, NormalizedDeployment } from "./normalize-deployment.ts";

/**
 * The config with every default applied and every secret parsed: the one shape the
 * compiler works from, whether the config was TypeScript or YAML. Only called on a
 * config that passed validation, so the input is a `GatewayConfig`.
 */

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_RETRY: CompiledRetry = { attempts: 2, initialBackoffMs: 200, maxBackoffMs: 5_000 };

export interface NormalizedModel {
  name: string;
  /** "anthropic/" for the wildcard model "anthropic/*"; null for an exact name. */
  wildcardPrefix: string | null;
  deployments: NormalizedDeployment[];
  /** null when neither the model nor the config sets `routing` (the bundle then has none). */
  routing: CompiledRouting | null;
}

/** Defaults of a `routing` block: weighted, and the runtime's cooldowns for models without one (LiteLLM's: allowed_fails 3, cooldown_time 5 s, per minute). */
export const DEFAULT_ROUTING: CompiledRouting = { strategy: "weighted", ...defaultCooldowns };

function normalizeRouting(top: RoutingConfig | undefined, own: RoutingConfig | undefined): CompiledRouting | null {
  if (top === undefined && own === undefined) return null;
  const seconds = own?.cooldownSeconds ?? top?.cooldownSeconds;
  const checkSeconds = own?.healthCheckSeconds ?? top?.healthCheckSeconds;
  return {
    strategy: own?.strategy ?? top?.strategy ?? DEFAULT_ROUTING.strategy,
    allowedFails: own?.allowedFails ?? top?.allowedFails ?? DEFAULT_ROUTING.allowedFails,
    cooldownMs: seconds === undefined ? DEFAULT_ROUTING.cooldownMs : Math.round(seconds * 1000),
    failureWindowMs: DEFAULT_ROUTING.failureWindowMs,
    ...(checkSeconds === undefined ? {} : { healthCheckMs: Math.round(checkSeconds * 1000) }),
  };
}

export type NormalizedKeySecret = ParsedSecret | { kind: "hash"; sha256: string };

export interface NormalizedConfig {
  models: NormalizedModel[];
  fallbacks: Record<string, string[]>;
  contextWindowFallbacks: Record<string, string[]>;
  contentPolicyFallbacks: Record<string, string[]>;
  retry: CompiledRetry;
  teams: { name: string; budget: BudgetConfig | null; models: string[] | null }[];
  keys: { name: string; team: string; secret: NormalizedKeySecret }[];
  masterKey: ParsedSecret | null;
  aliases: Record<string, string>;
  allowMockResponses: boolean;
  /** The config's services, secrets parsed; null when it sets none. */
  services: { postgresUrl?: ParsedSecret; redisUrl?: ParsedSecret; redisHost?: ParsedSecret; redisPort?: number; redisPassword?: ParsedSecret } | null;
  /** The Responses API's store, defaults applied; null when off. */
  responsesStore: { ttlSeconds: number; maxEntries: number } | null;
}

/** Stored responses: kept a day, a thousand at most (memory bounds for one process). */
export const DEFAULT_RESPONSES_STORE = { ttlSeconds: 86_400, maxEntries: 1000 } as const;

function copyChains(chains: Record<string, string[]> | undefined): Record<string, string[]> {
  return Object.fromEntries(Object.entries(chains ?? {}).map(([from, to]) => [from, [...to]]));
}

export function normalizeConfig(config: GatewayConfig): NormalizedConfig {
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    models: config.models.map((model) => {
      const parsed = parseModelName(model.name);
      return {
        name: model.name,
        wildcardPrefix: parsed.kind === "wildcard" ? parsed.prefix : null,
        deployments: model.deployments.map((deployment, index) =>
          normalizeDeployment(deployment, deployment.name ?? `${model.name}/${index}`, timeoutMs),
        ),
        routing: normalizeRouting(config.routing, model.routing),
      };
    }),
    fallbacks: copyChains(config.fallbacks),
    contextWindowFallbacks: copyChains(config.contextWindowFallbacks),
    contentPolicyFallbacks: copyChains(config.contentPolicyFallbacks),
    retry: {
      attempts: config.retries?.attempts ?? DEFAULT_RETRY.attempts,
      initialBackoffMs: config.retries?.initialBackoffMs ?? DEFAULT_RETRY.initialBackoffMs,
      maxBackoffMs: config.retries?.maxBackoffMs ?? DEFAULT_RETRY.maxBackoffMs,
    },
    teams: (config.teams ?? []).map((team) => ({
      name: team.name,
      budget: team.budget === undefined ? null : { usd: team.budget.usd, period: team.budget.period },
      models: team.models === undefined ? null : [...team.models],
    })),
    keys: (config.keys ?? []).map((key) => ({
      name: key.name,
      team: key.team,
      secret:
        key.keyHash !== undefined
          ? { kind: "hash", sha256: key.keyHash.toLowerCase() }
          : requireSecret(key.key ?? ""),
    })),
    masterKey: config.masterKey === undefined ? null : requireSecret(config.masterKey),
    aliases: Object.fromEntries(Object.entries(config.aliases ?? {})),
    allowMockResponses: config.allowMockResponses === true,
    services: normalizeServices(config.services),
    responsesStore:
      config.responses?.store === true
        ? {
            ttlSeconds: config.responses.ttlSeconds ?? DEFAULT_RESPONSES_STORE.ttlSeconds,
            maxEntries: config.responses.maxEntries ?? DEFAULT_RESPONSES_STORE.maxEntries,
          }
        : null,
  };
}

function normalizeServices(services: GatewayConfig["services"]): NormalizedConfig["services"] {
  if (services === undefined) return null;
  const normalized: NonNullable<NormalizedConfig["services"]> = {};
  for (const field of ["postgresUrl", "redisUrl", "redisHost", "redisPassword"] as const) {
    const value = services[field];
    if (value !== undefined) normalized[field] = requireSecret(value);
  }
  if (services.redisPort !== undefined) normalized.redisPort = services.redisPort;
  return Object.keys(normalized).length === 0 ? null : normalized;
}

function requireSecret(value: unknown): ParsedSecret {
  const secret = readSecret(value);
  if (secret === null) throw new TypeError("normalizeConfig received a secret that did not pass validation");
  return secret;
}
