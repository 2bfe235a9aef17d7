/**
 * The compiled bundle: the only input of the runtime. Produced by compiler/compile.ts,
 * described by schemas/bundle.schema.json, checked once when `gw serve` loads it and
 * trusted afterwards (no per-request validation).
 */

/** A secret the runtime resolves at start-up. `value` appears only for literal secrets the compiler warned about. */
export type SecretRef = { env: string } | { value: string };

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
  /** Absolute base URL, without a trailing slash; null means the provider's default. */
  baseUrl: string | null;
  apiKey: SecretRef | null;
  timeoutMs: number;
  /** null when unknown (the compiler warned); such requests are recorded with cost 0. */
  price: CompiledPrice | null;
}

export interface CompiledRetry {
  attempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface CompiledRoute {
  /** Public model name. */
  name: string;
  deployments: CompiledDeployment[];
  /**
   * Cumulative normalized weights, same length as `deployments`, ascending, last = 1.
   * Pick: the first index i with random() < cumulativeWeights[i].
   */
  cumulativeWeights: number[];
  /** Models to try, in order, after this one has failed; transitive, deduplicated, never contains `name`. */
  fallbacks: string[];
  retry: CompiledRetry;
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

export interface Bundle {
  /** Bundle format version. */
  version: 1;
  /** "sha256:<hex>" of the canonical JSON of everything but this field. */
  hash: string;
  /** Path of the config it was compiled from, relative to the working directory at build time. */
  source: string;
  /** Every environment variable the bundle refers to, sorted. */
  env: string[];
  routes: Record<string, CompiledRoute>;
  policy: {
    masterKey: KeyRef | null;
    teams: Record<string, CompiledTeam>;
    keys: CompiledKey[];
  };
}
