/**
 * The compiled bundle: the contract between compiler/ and runtime/, which both import it and
 * never each other (runtime/architecture.test.ts). Produced by compiler/compile.ts, described
 * by schemas/bundle.schema.json, checked once by ./validate-bundle.ts when `gw serve` loads it
 * and trusted afterwards (no per-request validation).
 */

/**
 * A secret the runtime resolves at start-up. `value` appears only for literal secrets the
 * compiler warned about. An `optional` env var may be unset (e.g. AWS_SESSION_TOKEN); any other
 * unset variable stops `gw serve` from starting.
 */
export type SecretRef = { env: string; optional?: boolean } | { value: string };

/** Provider-specific, non-secret deployment settings. */
export interface DeploymentOptions {
  /** Azure OpenAI `api-version`. */
  apiVersion?: string;
  /** AWS region (Bedrock) or Google Cloud location (Vertex AI). */
  region?: string;
  /** Google Cloud project (Vertex AI). */
  project?: string;
}

/** How an auth credential is stored: its SHA-256 (hex) when known at build time, else the env var to hash at start-up. */
export type KeyRef = { sha256: string } | { env: string };

export interface CompiledPrice {
  /** USD per million tokens. */
  inputPerMTok: number;
  outputPerMTok: number;
  cacheReadPerMTok: number;
  cacheWritePerMTok: number;
  /** Where the numbers came from. */
  source: "config" | "genai-prices";
}

export interface CompiledDeployment {
  /** Unique across the bundle: the configured name or `<model-name>/<index>`. */
  id: string;
  provider: string;
  /** Upstream model name. */
  model: string;
  /** Absolute base URL, without a trailing slash; null means the provider's default (or `baseUrlEnv`'s). */
  baseUrl: string | null;
  /** The env var `gw serve` reads the base URL from (the config's "os.environ/NAME"); absent: none. */
  baseUrlEnv?: string;
  apiKey: SecretRef | null;
  /**
   * Further secrets by name, for providers that need more than an API key:
   * Vertex AI "serviceAccount" (the service-account JSON), Azure "entraToken",
   * Bedrock "awsAccessKeyId", "awsSecretAccessKey" and "awsSessionToken" (optional).
   */
  secrets: Record<string, SecretRef>;
  /** Extra headers sent with every upstream request (values may be secrets). */
  headers: Record<string, SecretRef>;
  options: DeploymentOptions;
  timeoutMs: number;
  /**
   * null when unknown (the compiler warned); such requests are recorded with cost 0. For a
   * wildcard route's deployment (model "*") the price depends on the requested model: the
   * runtime looks it up once per model name with `priceProvider`.
   */
  price: CompiledPrice | null;
  /** The @pydantic/genai-prices provider id for run-time lookups (wildcard routes); null: none. */
  priceProvider: string | null;
  /**
   * Requests per minute, tokens per minute and parallel requests this deployment may take (each
   * null: unlimited). Absent or null when none is set (bundles built before it existed have none).
   */
  limits?: CompiledDeploymentLimits | null;
  /** Priority among the route's deployments (order 2 only when every order 1 one is out); absent: 1. */
  order?: number;
  /** Tags that select the deployment (tag routing); absent: none. */
  tags?: string[];
  /**
   * The largest prompt in tokens the deployment takes (the config's, else the model's context window
   * in the price data); absent: unknown. A request whose estimated prompt is larger skips it.
   */
  maxInputTokens?: number;
}

export interface CompiledDeploymentLimits {
  rpm: number | null;
  tpm: number | null;
  parallel: number | null;
}

export interface CompiledRetry {
  attempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface CompiledRoute {
  /** Public model name; for a wildcard route, the pattern ("anthropic/*"). */
  name: string;
  /**
   * For a wildcard route: the prefix a requested model must start with ("anthropic/"). The rest
   * of the requested name replaces "*" in each deployment's `model`. null for an exact route.
   * Exact routes win over wildcards; among wildcards, the longest prefix wins.
   */
  wildcardPrefix: string | null;
  deployments: CompiledDeployment[];
  /**
   * Cumulative normalized weights, same length as `deployments`, ascending, last = 1.
   * Pick: the first index i with random() < cumulativeWeights[i].
   */
  cumulativeWeights: number[];
  /** Models to try, in order, after this one has failed; transitive, deduplicated, never contains `name`. */
  fallbacks: string[];
  /**
   * The config lists the model in its own fallback chain (LiteLLM's `{"m": ["m"]}`): every one of its
   * deployments gets an attempt before the chain moves on. Absent: false.
   */
  sameModelFallback?: true;
  /** Models for a prompt that does not fit this one (estimated before any call, or the upstream's context-length error); like `fallbacks`. Absent: none. */
  contextWindowFallbacks?: string[];
  /** Models for a request the upstream refused for content policy reasons; like `fallbacks`. Absent: none. */
  contentPolicyFallbacks?: string[];
  retry: CompiledRetry;
  /** How a deployment is chosen and when one is cooled down; absent (the config sets no `routing`): weighted, with the default cooldowns (the runtime's defaultHealthPolicy). */
  routing?: CompiledRouting;
}

export interface CompiledRouting {
  strategy: "weighted" | "least-busy" | "latency" | "cost" | "usage";
  /** Failures within `failureWindowMs` that cool a deployment down; 0: cooldowns off. */
  allowedFails: number;
  cooldownMs: number;
  failureWindowMs: number;
  /** Active health checks every this many ms (routing/health-checks.ts); absent: off. */
  healthCheckMs?: number;
}

export interface CompiledBudget {
  usd: number;
  period: "day" | "week" | "month";
}

export interface CompiledTeam {
  name: string;
  budget: CompiledBudget | null;
  /** null means every model. */
  models: string[] | null;
}

export interface CompiledKey {
  name: string;
  team: string;
  key: KeyRef;
}

export interface CompiledServices {
  postgresUrl?: SecretRef;
  redisUrl?: SecretRef;
  redisHost?: SecretRef;
  redisPort?: number;
  redisPassword?: SecretRef;
}

export interface Bundle {
  /** Bundle format version. */
  version: 1;
  /** "sha256:<hex>" of the canonical JSON of everything but this field and `source` (so it does not depend on where the bundle was built from). */
  hash: string;
  /** Path of the config it was compiled from, relative to the working directory at build time. */
  source: string;
  /** Every environment variable the bundle needs (`gw serve` refuses to start without one), sorted. */
  env: string[];
  /**
   * Environment variables the bundle reads when set and does without otherwise (secrets marked
   * `optional`: local servers' API keys, AWS_SESSION_TOKEN), sorted; never also in `env`.
   */
  optionalEnv: string[];
  routes: Record<string, CompiledRoute>;
  /** More public names for routes (alias -> route name, an exact route); absent: none. */
  aliases?: Record<string, string>;
  /** Requests may carry `mock_response` (answered in-process, never upstream); absent: refused. */
  allowMockResponses?: true;
  /** The config's Postgres and Redis (env references optional: unset leaves the service out); absent: none. */
  services?: CompiledServices;
  /** Responses created with `store: true` are kept (in memory) this long and this many at most; absent: none are kept. */
  responsesStore?: { ttlSeconds: number; maxEntries: number };
  policy: {
    masterKey: KeyRef | null;
    teams: Record<string, CompiledTeam>;
    keys: CompiledKey[];
  };
}
