import type { CompiledRetry } from "../runtime/bundle.ts";
import type { BudgetConfig, GatewayConfig, PriceConfig, ProviderName } from "./define-config.ts";
import { readSecret, type ParsedSecret } from "./secret.ts";

/**
 * The config with every default applied and every secret parsed: the one shape the
 * compiler works from, whether the config was TypeScript or YAML. Only called on a
 * config that passed validation, so the input is a `GatewayConfig`.
 */

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_RETRY: CompiledRetry = { attempts: 2, initialBackoffMs: 200, maxBackoffMs: 5_000 };

export interface NormalizedDeployment {
  /** The configured name or `<model-name>/<index>`. */
  id: string;
  provider: ProviderName;
  model: string;
  /** Without a trailing slash; null for the provider's default. */
  baseUrl: string | null;
  apiKey: ParsedSecret | null;
  weight: number;
  timeoutMs: number;
  price: PriceConfig | null;
}

export interface NormalizedModel {
  name: string;
  deployments: NormalizedDeployment[];
}

export type NormalizedKeySecret = ParsedSecret | { kind: "hash"; sha256: string };

export interface NormalizedConfig {
  models: NormalizedModel[];
  fallbacks: Record<string, string[]>;
  retry: CompiledRetry;
  teams: { name: string; budget: BudgetConfig | null; models: string[] | null }[];
  keys: { name: string; team: string; secret: NormalizedKeySecret }[];
  masterKey: ParsedSecret | null;
}

export function normalizeConfig(config: GatewayConfig): NormalizedConfig {
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    models: config.models.map((model) => ({
      name: model.name,
      deployments: model.deployments.map((deployment, index) => ({
        id: deployment.name ?? `${model.name}/${index}`,
        provider: deployment.provider,
        model: deployment.model,
        baseUrl: deployment.baseUrl === undefined ? null : deployment.baseUrl.replace(/\/+$/, ""),
        apiKey: deployment.apiKey === undefined ? null : requireSecret(deployment.apiKey),
        weight: deployment.weight ?? 1,
        timeoutMs: deployment.timeoutMs ?? timeoutMs,
        price: deployment.price ?? null,
      })),
    })),
    fallbacks: Object.fromEntries(Object.entries(config.fallbacks ?? {}).map(([from, to]) => [from, [...to]])),
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
  };
}

function requireSecret(value: unknown): ParsedSecret {
  const secret = readSecret(value);
  if (secret === null) throw new TypeError("normalizeConfig received a secret that did not pass validation");
  return secret;
}
