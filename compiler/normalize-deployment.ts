import type { DeploymentOptions } from "../contract/bundle.ts";
import type { DeploymentConfig, PriceConfig, ProviderName, Secret } from "./define-config.ts";
import { resolveDeploymentTarget } from "./model-string.ts";
import { AWS_ENV, VERTEX_SERVICE_ACCOUNT_ENV, defaultApiKey } from "./providers.ts";
import { ENV_STRING_PREFIX, readSecret } from "./secret.ts";

/**
 * One deployment with its provider resolved (LiteLLM shorthand included), its defaults
 * applied (API-key variables, service-account and AWS variables) and every secret parsed.
 * Only called on a config that passed validation.
 */

/** A secret as the bundle will refer to it; an `optional` env var may be unset at start-up. */
export type DeploymentSecret = { kind: "env"; name: string; optional: boolean } | { kind: "literal"; value: string };

export interface NormalizedDeployment {
  /** The configured name or `<model-name>/<index>`. */
  id: string;
  provider: ProviderName;
  /** The upstream model, without any "provider/" shorthand prefix; may contain one "*" in a wildcard model. */
  model: string;
  /** Without a trailing slash; null for the provider's default or when it comes from `baseUrlEnv`. */
  baseUrl: string | null;
  /** The env var `gw serve` reads the base URL from ("os.environ/NAME" in the config); null: none. */
  baseUrlEnv: string | null;
  apiKey: DeploymentSecret | null;
  /** Further secrets by name (see CompiledDeployment.secrets). */
  secrets: Record<string, DeploymentSecret>;
  headers: Record<string, DeploymentSecret>;
  options: DeploymentOptions;
  weight: number;
  timeoutMs: number;
  price: PriceConfig | null;
  /** null when the deployment sets no limit. */
  limits: { rpm: number | null; tpm: number | null; parallel: number | null } | null;
  /** null: not set (order 1). */
  order: number | null;
  /** null: not set. */
  tags: string[] | null;
  /** null: not set (the compiler takes the model's context window from the price data when it knows it). */
  maxInputTokens: number | null;
}

export function normalizeDeployment(deployment: DeploymentConfig, id: string, defaultTimeoutMs: number): NormalizedDeployment {
  const target = resolveDeploymentTarget(deployment.provider, deployment.model);
  if (target.kind !== "resolved") throw new TypeError("normalizeDeployment received a deployment that did not pass validation");
  const { provider, model } = target;
  const apiKeyDefault = defaultApiKey(provider, deployment);
  return {
    id,
    provider,
    model,
    ...baseUrlOf(deployment.baseUrl),
    apiKey:
      deployment.apiKey !== undefined
        ? toDeploymentSecret(deployment.apiKey)
        : apiKeyDefault === null
          ? null
          : { kind: "env", name: apiKeyDefault.env, optional: apiKeyDefault.optional },
    secrets: providerSecrets(provider, deployment),
    headers: Object.fromEntries(Object.entries(deployment.headers ?? {}).map(([name, value]) => [name, toDeploymentSecret(value)])),
    options: providerOptions(provider, deployment),
    weight: deployment.weight ?? 1,
    timeoutMs: deployment.timeoutMs ?? defaultTimeoutMs,
    price: deployment.price ?? null,
    limits:
      deployment.rpmLimit === undefined && deployment.tpmLimit === undefined && deployment.maxParallelRequests === undefined
        ? null
        : { rpm: deployment.rpmLimit ?? null, tpm: deployment.tpmLimit ?? null, parallel: deployment.maxParallelRequests ?? null },
    order: deployment.order ?? null,
    tags: deployment.tags === undefined ? null : [...new Set(deployment.tags)],
    maxInputTokens: deployment.maxInputTokens ?? null,
  };
}

/** A literal base URL, or the env var it is read from ("os.environ/NAME" or env("NAME")). */
function baseUrlOf(value: DeploymentConfig["baseUrl"]): { baseUrl: string | null; baseUrlEnv: string | null } {
  if (value === undefined) return { baseUrl: null, baseUrlEnv: null };
  if (typeof value !== "string") return { baseUrl: null, baseUrlEnv: value.$env };
  if (value.startsWith(ENV_STRING_PREFIX)) return { baseUrl: null, baseUrlEnv: value.slice(ENV_STRING_PREFIX.length) };
  return { baseUrl: value.replace(/\/+$/, ""), baseUrlEnv: null };
}

export function toDeploymentSecret(value: Secret): DeploymentSecret {
  const secret = readSecret(value);
  if (secret === null) throw new TypeError("normalizeDeployment received a secret that did not pass validation");
  return secret.kind === "env" ? { kind: "env", name: secret.name, optional: false } : secret;
}

function fromEnv(name: string, optional = false): DeploymentSecret {
  return { kind: "env", name, optional };
}

/**
 * Vertex AI: the service-account JSON. Azure: an Entra ID token when `credentials` is given.
 * Bedrock: AWS credentials from `aws` or the usual variables (the session token optional, and
 * only read from the environment when `aws` is not given: it belongs to the credentials it
 * came with), and, without `region`, the region from AWS_REGION.
 */
function providerSecrets(provider: ProviderName, deployment: DeploymentConfig): Record<string, DeploymentSecret> {
  const secrets: Record<string, DeploymentSecret> = {};
  switch (provider) {
    case "vertex":
      secrets["serviceAccount"] =
        deployment.credentials === undefined ? fromEnv(VERTEX_SERVICE_ACCOUNT_ENV) : toDeploymentSecret(deployment.credentials);
      break;
    case "azure":
      if (deployment.credentials !== undefined) secrets["entraToken"] = toDeploymentSecret(deployment.credentials);
      break;
    case "bedrock": {
      const aws = deployment.aws;
      secrets["awsAccessKeyId"] = aws === undefined ? fromEnv(AWS_ENV.accessKeyId) : toDeploymentSecret(aws.accessKeyId);
      secrets["awsSecretAccessKey"] = aws === undefined ? fromEnv(AWS_ENV.secretAccessKey) : toDeploymentSecret(aws.secretAccessKey);
      if (aws === undefined) secrets["awsSessionToken"] = fromEnv(AWS_ENV.sessionToken, true);
      else if (aws.sessionToken !== undefined) secrets["awsSessionToken"] = toDeploymentSecret(aws.sessionToken);
      // Required: without a region there is no endpoint, so a missing AWS_REGION stops start-up with a clear message.
      if (deployment.region === undefined) secrets["awsRegion"] = fromEnv(AWS_ENV.region);
      break;
    }
    default:
      break;
  }
  return secrets;
}

function providerOptions(provider: ProviderName, deployment: DeploymentConfig): DeploymentOptions {
  const options: DeploymentOptions = {};
  if (provider === "azure" && deployment.apiVersion !== undefined) options.apiVersion = deployment.apiVersion;
  if ((provider === "vertex" || provider === "bedrock") && deployment.region !== undefined) options.region = deployment.region;
  if (provider === "vertex" && deployment.project !== undefined) options.project = deployment.project;
  return options;
}
