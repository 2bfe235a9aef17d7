/**
 * The authored configuration: what an operator writes in `gateway.config.ts`
 * (through `defineConfig`) or in `gateway.config.yaml` (same shape; env references
 * there are written `os.environ/NAME`).
 *
 * This module is the public `gw-gateway/config` entry point. It must stay free of
 * runtime dependencies: a config file imports it and nothing else.
 *
 * The JSON Schema in `schemas/gateway.config.schema.json` describes the same shape;
 * keep the two in step (compiler/schema.test.ts checks they agree on the examples).
 * Type imports only (erased): the provider names come from the providers' descriptors.
 */
import type { ProviderName } from "../runtime/providers/descriptors.ts";

/** A reference to an environment variable, resolved by `gw serve` at start-up. */
export interface EnvRef {
  readonly $env: string;
}

/** A secret: an env reference (preferred) or a literal string (the compiler warns). */
export type Secret = string | EnvRef;

/**
 * Provider names: the natives (their own wire format; `mock` answers locally without a network)
 * and the OpenAI-compatible presets, each of which knows its base URL, API-key variable and auth
 * header, so `provider: "groq"` needs nothing else but `model`. The list is the providers'
 * descriptors (runtime/providers/descriptors.ts).
 */
export type { NativeProviderName, PresetProviderName, ProviderName } from "../runtime/providers/descriptors.ts";

/** Prices in USD per million tokens. Overrides the built-in price table. */
export interface PriceConfig {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Price of prompt tokens read from the provider's cache; defaults to inputPerMTok. */
  cacheReadPerMTok?: number;
  /** Price of prompt tokens written to the provider's cache; defaults to inputPerMTok. */
  cacheWritePerMTok?: number;
}

export interface DeploymentConfig {
  /**
   * Which wire format to speak. May be left out when `model` is written LiteLLM-style as
   * "provider/model" ("anthropic/claude-sonnet-4-5", "bedrock/...", "vertex_ai/...", "groq/...").
   */
  provider?: ProviderName;
  /**
   * The model name upstream, e.g. "gpt-4o-mini" or "claude-sonnet-4-5"; or "provider/model".
   * In a wildcard model ("anthropic/*"), "*" stands for what the client wrote after the prefix.
   */
  model: string;
  /** Optional stable name, shown in the `x-gw-deployment` header and logs. Defaults to `<model-name>/<index>`. */
  name?: string;
  /** Upstream base URL, e.g. "https://api.openai.com/v1", or `env("NAME")` to read it when `gw serve` starts. Defaults to the provider's public endpoint. */
  baseUrl?: string | EnvRef;
  /** Upstream API key. Use `env("OPENAI_API_KEY")`. Presets default to their usual variable (GROQ_API_KEY, ...). */
  apiKey?: Secret;
  /** Relative share of traffic among this model's deployments. Default 1. */
  weight?: number;
  /** Per-attempt timeout in milliseconds. Defaults to the top-level `timeoutMs`. */
  timeoutMs?: number;
  /** Tag routing: requests tagged (metadata.tags or x-gw-tags) with one of these go only to deployments carrying it; "default" takes untagged ones. */
  tags?: string[];
  /** Priority: order 2 gets requests only when every order 1 deployment is cooling down, at its limit or has failed for the request. Default 1. */
  order?: number;
  /** Requests per minute this deployment may take; at the limit, requests go to another deployment or a fallback. */
  rpmLimit?: number;
  /** Tokens (prompt estimate plus max_tokens, corrected to real usage) per minute this deployment may take. */
  tpmLimit?: number;
  /** Requests this deployment may run at once. */
  maxParallelRequests?: number;
  /**
   * The largest prompt (in tokens) this deployment takes. Defaults to the model's context window in
   * @pydantic/genai-prices when it is known. A request whose estimated prompt is larger skips the
   * deployment before any call: another deployment of the model that fits, else the model's
   * `contextWindowFallbacks`.
   */
  maxInputTokens?: number;
  /** Price override; otherwise looked up from @pydantic/genai-prices at build time. */
  price?: PriceConfig;
  /** Azure OpenAI: the `api-version` query parameter. Omit to use Azure's `/openai/v1` endpoint. */
  apiVersion?: string;
  /** AWS region (Bedrock, default AWS_REGION) or Google Cloud location (Vertex AI, e.g. "us-central1"). */
  region?: string;
  /** Google Cloud project (Vertex AI). */
  project?: string;
  /**
   * Credentials beyond an API key: for Vertex AI the service-account JSON (its text, e.g.
   * `env("GOOGLE_SERVICE_ACCOUNT_JSON")`); for Azure an Entra ID bearer token instead of `apiKey`.
   */
  credentials?: Secret;
  /** Bedrock: AWS credentials; default the usual AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. */
  aws?: { accessKeyId: Secret; secretAccessKey: Secret; sessionToken?: Secret };
  /** Extra headers sent with every upstream request. */
  headers?: Record<string, Secret>;
}

export interface ModelConfig {
  /**
   * The public model name clients send as `model`. A name ending in "/*" is a wildcard
   * ("anthropic/*"): clients may send any "anthropic/<model>", and "*" in the deployments'
   * `model` is replaced by what they wrote after the prefix.
   */
  name: string;
  /** Where requests for this model go; one is picked at random by weight. */
  deployments: DeploymentConfig[];
  /** This model's routing: overrides the top-level `routing` field by field. */
  routing?: RoutingConfig;
}

export type RoutingStrategyName = "weighted" | "least-busy" | "latency" | "cost" | "usage";

export interface RoutingConfig {
  /**
   * weighted: random by weight (default); least-busy: fewest requests in flight; latency: lowest
   * recent latency; cost: cheapest by price; usage: most headroom against the deployments' own
   * `rpmLimit`/`tpmLimit` (cluster-wide with Redis), a deployment at its limit skipped before the
   * call. Among the deployments of the lowest `order` that are not cooling down.
   */
  strategy?: RoutingStrategyName;
  /** Failures of a deployment within a minute that cool it down (never a client's 400); 0 turns cooldowns off. Default 3. */
  allowedFails?: number;
  /** How long a cooled-down deployment gets no requests, then one trial request. Default 5. */
  cooldownSeconds?: number;
  /**
   * Active health checks: every this many seconds each chat deployment gets one cheap request
   * ("ping", max_tokens 1); a failure counts towards its cooldown, a success once the cooldown is over makes it healthy again. Recorded in
   * the spend log under the tag `gw:health-check`. Default: off.
   */
  healthCheckSeconds?: number;
}

export interface RetryConfig {
  /** Retries after the first attempt, per model in the chain. Default 2. */
  attempts?: number;
  /** First backoff in milliseconds, doubled each retry, with full jitter. Default 200. */
  initialBackoffMs?: number;
  /** Backoff ceiling in milliseconds (also caps a provider's Retry-After). Default 5000. */
  maxBackoffMs?: number;
}

export type BudgetPeriod = "day" | "week" | "month";

export interface BudgetConfig {
  /** Spend ceiling in USD for each period. */
  usd: number;
  /** Calendar period: day, ISO week starting Monday, or month (in `gw serve --budget-timezone`, UTC by default). */
  period: BudgetPeriod;
}

export interface TeamConfig {
  name: string;
  budget?: BudgetConfig;
  /** Public model names this team may call. Omitted: every model. */
  models?: string[];
}

export interface KeyConfig {
  /** A label for logs and spend records, never the key itself. */
  name: string;
  /** The team this key belongs to. */
  team: string;
  /** The key callers send. Use `env("TEAM_KEY")`; only its SHA-256 hash is put in the bundle. */
  key?: Secret;
  /** Alternatively, the key's SHA-256 hash as hex, so the secret never has to be present at build time. */
  keyHash?: string;
}

export interface GatewayConfig {
  /** Optional JSON Schema reference for editors; ignored by the compiler. */
  $schema?: string;
  models: ModelConfig[];
  /**
   * Ordered fallback chains: `{ "gpt-4o": ["claude-sonnet", "gpt-4o-mini"] }`. A model listed in its
   * own chain (`{ "gpt-4o": ["gpt-4o"] }`, as LiteLLM configs write it) means: every one of its
   * deployments gets an attempt before the chain moves on.
   */
  fallbacks?: Record<string, string[]>;
  /**
   * Where a request goes when its prompt does not fit the model: before any call when the estimated
   * prompt exceeds every deployment's `maxInputTokens`, and after an upstream's "context length
   * exceeded" error. `{ "gpt-4o-mini": ["gpt-4.1"] }`.
   */
  contextWindowFallbacks?: Record<string, string[]>;
  /** Where a request goes when the upstream refuses it for content policy reasons (a content filter error). */
  contentPolicyFallbacks?: Record<string, string[]>;
  retries?: RetryConfig;
  /** How a deployment is chosen and when a failing one is cooled down, for every model. Default: weighted, with cooldowns (allowedFails 3, cooldownSeconds 5). */
  routing?: RoutingConfig;
  /** Default per-attempt timeout in milliseconds. Default 60000. */
  timeoutMs?: number;
  teams?: TeamConfig[];
  keys?: KeyConfig[];
  /** A key that may call every model and is never budget-limited. */
  masterKey?: Secret;
  /**
   * More public names for models: `{ "gpt-4": "gpt-4o" }` serves requests for "gpt-4" with the
   * model "gpt-4o" (its deployments, routing, fallbacks and prices). A team allowed the model may
   * use its aliases. LiteLLM's `model_group_alias`.
   */
  aliases?: Record<string, string>;
  /**
   * Let requests carry LiteLLM's `mock_response` ("a text"): such a request is answered with that
   * text by an in-process mock (streamed too, priced 0, recorded), never sent upstream. For tests;
   * off by default (a request with `mock_response` is then refused with a 400).
   */
  allowMockResponses?: boolean;
  /**
   * Where `gw serve` keeps its state when no `--postgres-url` / `--redis-url` (or $GW_POSTGRES_URL,
   * $GW_REDIS_URL, $DATABASE_URL) says otherwise. Env references are read at start-up; one that is
   * unset leaves the service out (the start-up banner says which store is used). LiteLLM's
   * `database_url` and `redis_url` / `redis_host` / `redis_port` / `redis_password`.
   */
  services?: ServicesConfig;
  /**
   * The Responses API's stored responses (`store: true`, `previous_response_id`, GET and DELETE
   * /v1/responses/{id}). Off by default: gw keeps nothing, `store: true` is accepted and nothing is
   * stored by gw, and `previous_response_id` is refused with a 400 for translated deployments (an
   * OpenAI or Azure deployment gets it, for OpenAI's own store). A native answer's output items are
   * kept beside it (for `item_reference`), each counting as an entry. Kept in gw's memory (per
   * process, lost on restart), or in Postgres when `gw serve` has one (shared by the replicas, kept
   * across restarts; `maxEntries` then does not apply, the TTL bounds the table), each readable only
   * by the key that created it.
   */
  responses?: ResponsesConfig;
}

export interface ResponsesConfig {
  /** Keep responses created with `store: true` (the Responses API's default). */
  store: boolean;
  /** How long a stored response is kept, in seconds. Default 86400 (a day). */
  ttlSeconds?: number;
  /** How many stored responses are kept at most; the oldest go first. Default 1000. */
  maxEntries?: number;
}

export interface ServicesConfig {
  /** postgres://… : keys, teams and the spend ledger. */
  postgresUrl?: Secret;
  /** redis://… : cluster-wide limits, budgets and cooldowns. Or give host, port and password. */
  redisUrl?: Secret;
  redisHost?: Secret;
  redisPort?: number;
  redisPassword?: Secret;
}

/**
 * Identity helper that gives a config file types and autocompletion. Not generic on purpose: a
 * parameter typed `GatewayConfig` keeps TypeScript's excess-property check, so a typo in an
 * optional property (`baseURL`, `weigth`, a top-level `fallback`) is an error in the editor.
 */
export function defineConfig(config: GatewayConfig): GatewayConfig {
  return config;
}

/** Reference an environment variable; resolved when `gw serve` starts, never written into the bundle. */
export function env(name: string): EnvRef {
  return { $env: name };
}
