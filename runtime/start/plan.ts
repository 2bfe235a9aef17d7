/**
 * The runtime plan: a bundle with every secret resolved, every adapter looked up and every
 * price converted, built once by load-bundle.ts. The request path only reads it.
 */
import type { CompiledRetry, CompiledTeam } from "../../contract/bundle.ts";
import type { DeploymentLimitSubjects } from "../limits/deployment-limits.ts";
import type { HealthPolicy } from "../routing/deployment-health.ts";
import type { RoutingStrategy } from "../routing/strategies.ts";
import type { ProviderAdapter, RequestAuthorizer, ResolvedDeployment } from "../providers/types.ts";

/** USD per single token (the bundle's per-million prices divided once at load). */
export interface TokenPrice {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

/** A deployment ready to call: secrets resolved, adapter, authorizer and price attached. */
export interface RuntimeDeployment {
  readonly deployment: ResolvedDeployment;
  readonly adapter: ProviderAdapter;
  /** null when the bundle has no price for it: requests are recorded with cost 0. */
  readonly price: TokenPrice | null;
  /**
   * `deployment.headers` with lower-case names, or null when the deployment has none (the
   * request path then does no header work at all).
   */
  readonly extraHeaders: Readonly<Record<string, string>> | null;
  /** Created once at load by `adapter.createAuthorizer`; null when the adapter has none. */
  readonly authorizer: RequestAuthorizer | null;
  /** The deployment's rate limits as limiter subjects (built once at load); absent or null: none. */
  readonly limits?: DeploymentLimitSubjects | null;
  /** Priority among the route's deployments: order 2 is tried only when every order 1 one is out. Absent: 1. */
  readonly order?: number;
  /** Tags that select this deployment (routing/tag-routing.ts). Absent: none. */
  readonly tags?: ReadonlySet<string>;
  /** The largest prompt in tokens it takes (routing/context-window.ts). Absent: unknown. */
  readonly maxInputTokens?: number;
}

export interface RuntimeRoute {
  /**
   * Public model name. For an exact route, its configured name; for a wildcard route in the
   * plan, the pattern ("anthropic/*"); for the route a wildcard resolved to per request, the
   * model the client asked for ("anthropic/claude-x").
   */
  readonly name: string;
  /** The prefix of a wildcard route ("anthropic/"), also kept on the routes it resolves to; null for an exact route. */
  readonly wildcardPrefix: string | null;
  readonly deployments: readonly RuntimeDeployment[];
  /** Same length as `deployments`, ascending, last = 1 (see CompiledRoute). */
  readonly cumulativeWeights: readonly number[];
  /** Public model names to try in order once this one has failed; every one exists in `routes`. */
  readonly fallbacks: readonly string[];
  /** Every deployment gets an attempt before the chain moves on (the config lists the model in its own chain). */
  readonly sameModelFallback?: boolean;
  /** Models for a prompt that does not fit this one; every one exists in `routes`. */
  readonly contextWindowFallbacks?: readonly string[];
  /** Models for a request the upstream refused for content policy reasons; every one exists in `routes`. */
  readonly contentPolicyFallbacks?: readonly string[];
  readonly retry: CompiledRetry;
  /** How a deployment is chosen and when one is cooled down (routing/strategies.ts, deployment-health.ts). Absent: weighted, with the default cooldowns (deployment-health.ts defaultHealthPolicy). */
  readonly routing?: RouteRouting;
}

export interface RouteRouting {
  readonly strategy: RoutingStrategy;
  readonly health: HealthPolicy;
  /** Active health checks every this many ms (routing/health-checks.ts); absent: off. */
  readonly healthCheckMs?: number;
}

/** Who is calling, as established by auth.ts. One object per key, built at load. */
export interface Caller {
  readonly kind: "master" | "key" | "open";
  /** Name of the key (never the key itself); null for the master key or an open gateway. */
  readonly keyName: string | null;
  /** null for the master key or an open gateway: never budget-limited. */
  readonly team: string | null;
  /** Public models this caller may use; null means every model. */
  readonly models: ReadonlySet<string> | null;
  /**
   * Prefixes of the wildcard names in the team's model list ("anthropic/*" -> "anthropic/"):
   * the caller may also use any model starting with one of them. Empty when there are none.
   */
  readonly modelPrefixes: readonly string[];
  /** First 12 hex characters of the key's SHA-256, for the spend ledger; absent for the master key or an open gateway. */
  readonly keyHashPrefix?: string;
  /** The managed key's user (admin API), for the spend ledger. */
  readonly userId?: string | null;
  /** The managed key's tags, for the spend ledger. */
  readonly tags?: readonly string[];
}

export interface RuntimePlan {
  /** "sha256:<hex>" of the bundle. */
  readonly bundleHash: string;
  /** Config the bundle was compiled from. */
  readonly source: string;
  /** Exact routes by public model name (wildcard routes are not in here). */
  readonly routes: ReadonlyMap<string, RuntimeRoute>;
  /** Wildcard routes, longest prefix first (the first match wins). */
  readonly wildcardRoutes: readonly RuntimeRoute[];
  /** Public model names (wildcard routes by their pattern), in bundle order. */
  readonly modelNames: readonly string[];
  /** Team keys by the lowercase hex SHA-256 of the key. */
  readonly keys: ReadonlyMap<string, Caller>;
  /** SHA-256 digest (32 bytes) of the master key, or null when there is none. */
  readonly masterKeyDigest: Uint8Array | null;
  /** No master key and no team keys: every request is let in. */
  readonly open: boolean;
  /** The config's teams by name (their models and budget), enforced as read-only entities (governance/config-entities.ts). */
  readonly teams: ReadonlyMap<string, CompiledTeam>;
  /** Requests may carry `mock_response` (endpoints/mock-response.ts). */
  readonly allowMockResponses: boolean;
  /** The config's Postgres and Redis URLs (env references resolved; null: not configured or unset). `gw serve` flags win. */
  readonly services: { readonly postgresUrl: string | null; readonly redisUrl: string | null };
  /** Keep Responses API responses created with `store: true` (endpoints/responses*.ts); null: none are kept. */
  readonly responsesStore: { readonly ttlMs: number; readonly maxEntries: number } | null;
}
