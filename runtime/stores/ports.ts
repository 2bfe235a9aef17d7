/**
 * Ports for governance at scale (keys, teams, users and customers managed at run time; budgets
 * that hold under concurrency; cluster-wide rate limits; a spend ledger with reports).
 *
 * Each port has an in-process implementation (the embedded default: one gw process, no external
 * services) and a production one (Postgres for durable state, Redis for cluster-wide counters).
 * The request path never waits on Postgres: it reads caches that the governance store keeps
 * current and invalidates on change (Redis pub/sub between replicas).
 */

/** LiteLLM's duration strings: "30s", "10m", "1h", "1d", "7d", "30d", "1mo". Calendar-aligned for d/mo. */
export type BudgetDuration = string;

export type EntityKind = "key" | "team" | "user" | "customer";

export interface BudgetSettings {
  /** Hard limit in USD per period: requests are refused once reached. null: none. */
  maxBudget: number | null;
  /** Soft limit in USD per period: one webhook alert per period when crossed. null: none. */
  softBudget: number | null;
  /** Period, e.g. "1d", "7d", "30d", "1mo"; null: the budget never resets. */
  budgetDuration: BudgetDuration | null;
}

export interface LimitSettings {
  rpmLimit: number | null;
  tpmLimit: number | null;
  maxParallelRequests: number | null;
}

/** Fields shared by every managed entity (same names as LiteLLM's API, camel-cased here). */
export interface EntityBase extends BudgetSettings, LimitSettings {
  /** Allowed public model names (wildcards allowed); empty: all. */
  models: string[];
  metadata: Record<string, unknown>;
  /** Declared in the config: read-only through the admin API. */
  fromConfig: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ManagedKey extends EntityBase {
  /** Stable id (LiteLLM's `token` is the hash; gw exposes `keyId` and never the key). */
  keyId: string;
  /** Lowercase hex SHA-256 of the key. */
  keyHash: string;
  keyAlias: string | null;
  teamId: string | null;
  userId: string | null;
  tags: string[];
  blocked: boolean;
  /** ISO time after which the key is refused; null: never. */
  expiresAt: string | null;
  /** May call the admin API. */
  admin: boolean;
}

export interface ManagedTeam extends EntityBase {
  teamId: string;
  teamAlias: string | null;
  blocked: boolean;
}

export interface ManagedUser extends EntityBase {
  userId: string;
  userEmail: string | null;
  teamIds: string[];
}

export interface ManagedCustomer extends EntityBase {
  /** The `user` field of requests names the customer. */
  customerId: string;
  blocked: boolean;
}

export interface AuditEntry {
  id: string;
  /** ISO time. */
  at: string;
  /** Who: "master", or `key:<keyId>` of an admin key. */
  actor: string;
  /** e.g. "key.generate", "team.update". */
  action: string;
  entity: EntityKind;
  entityId: string;
  before: unknown;
  after: unknown;
}

/**
 * Durable governance state. Writes are admin operations (rare); reads for the request path go
 * through an in-memory snapshot the runtime builds from `list*` and refreshes on `onChange`.
 */
export interface GovernanceStore {
  readonly description: string;
  listKeys(): Promise<ManagedKey[]>;
  listTeams(): Promise<ManagedTeam[]>;
  listUsers(): Promise<ManagedUser[]>;
  listCustomers(): Promise<ManagedCustomer[]>;
  /** Insert or replace by id; returns the stored row. */
  putKey(key: ManagedKey): Promise<ManagedKey>;
  putTeam(team: ManagedTeam): Promise<ManagedTeam>;
  putUser(user: ManagedUser): Promise<ManagedUser>;
  putCustomer(customer: ManagedCustomer): Promise<ManagedCustomer>;
  deleteEntity(kind: EntityKind, id: string): Promise<boolean>;
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(filter: { entity?: EntityKind; entityId?: string; limit: number; before?: string }): Promise<AuditEntry[]>;
  /** Called after a change made here or (with pub/sub) by another replica. Returns an unsubscribe function. */
  onChange(listener: (kind: EntityKind, id: string) => void): () => void;
  close(): Promise<void>;
}

/** What a request is counted against for limits and budgets. */
export interface Subject {
  kind: EntityKind | "deployment";
  id: string;
}

export interface LimitDecision {
  allowed: boolean;
  /** The subject and limit that refused, for the 429 message. */
  limitedBy?: { subject: Subject; limit: "rpm" | "tpm" | "parallel"; value: number };
  /** Milliseconds until a retry may succeed (Retry-After). */
  retryAfterMs?: number;
  /** For OpenAI's x-ratelimit-* headers: the tightest remaining request and token counts. */
  remainingRequests?: number;
  remainingTokens?: number;
  limitRequests?: number;
  limitTokens?: number;
}

/** A subject's counts in the current one-minute window, and its parallel slots held (unexpired). */
export interface SubjectCounts {
  requests: number;
  tokens: number;
  inFlight: number;
}

/**
 * Requests per minute, tokens per minute and parallel requests per subject. Cluster-wide with
 * Redis; per process in memory. `acquire` counts the request (and its estimated tokens) against
 * every subject atomically: all or nothing. `release` ends a parallel slot and corrects the token
 * count to the real usage. `usage` reads the counts `acquire` would read at `now`, in the order
 * given, counting nothing (a subject never counted reads as zeros): the `usage` routing strategy
 * ranks deployments by it, and `acquire` stays the atomic check.
 */
export interface RateLimiter {
  readonly description: string;
  acquire(
    subjects: ReadonlyArray<{ subject: Subject; limits: LimitSettings }>,
    estimatedTokens: number,
    now: number,
  ): Promise<LimitDecision & { ticket: string | null }>;
  release(ticket: string, actualTokens: number, now: number): Promise<void>;
  usage(subjects: readonly Subject[], now: number): Promise<SubjectCounts[]>;
  /** false while the cluster-wide backend is unreachable and limits are per process. */
  isClusterWide(): boolean;
}

export interface ReservationDecision {
  allowed: boolean;
  /**
   * The subject whose budget refused, for the 429 message: its settled spend, what requests in
   * flight have reserved, its limit, when its period ends (null: never), and whether it refused
   * only because a request in flight holds the rest of its headroom (retryable). `share`: refused
   * on this replica's share of what was left, while the shared counters are unreachable (fallback.ts).
   */
  exceeded?: { subject: Subject; spentUsd: number; reservedUsd: number; maxBudgetUsd: number; periodEnd: string | null; inFlight: boolean; share?: boolean };
  reservation: string | null;
  /**
   * Subjects whose soft budget is crossed, reported once per period (by whichever call sees it
   * first). Crossing is judged on settled spend, so a reservation that is later released never
   * raises a false alert: `settle` reports the crossing it causes, `reserve` one that an earlier
   * settle did not report (e.g. the soft limit was lowered).
   */
  softCrossed: Subject[];
  /**
   * Per subject, in the order given: its spend (settled + reserved, this reservation included
   * when allowed) after the call, in USD. Optional (added for issue 4's fallback and for
   * spend headers); implementations in runtime/governance and runtime/host/redis set it.
   */
  spentUsd?: number[];
}

export interface SettleOutcome {
  /** Subjects whose soft budget this settlement crossed for the first time this period. */
  softCrossed: Subject[];
}

/**
 * Budgets with a bounded overspend: reserve a request's worst-case cost (capped at what is left)
 * against every subject before calling upstream, settle to the real cost afterwards, release on
 * failure. The admission rule and its bound: budget-rules.ts. Atomic across replicas with Redis (Lua), within a process in memory.
 */
export interface BudgetLedger {
  readonly description: string;
  /** false while the cluster-wide backend is unreachable and budgets are per process (absent: per process). */
  isClusterWide?(): boolean;
  reserve(
    subjects: ReadonlyArray<{ subject: Subject; budget: BudgetSettings; periodStart: number; periodEnd: number | null }>,
    worstCaseUsd: number,
    now: number,
  ): Promise<ReservationDecision>;
  settle(reservation: string, actualUsd: number): Promise<SettleOutcome>;
  release(reservation: string): Promise<void>;
  /**
   * Spend (settled + reserved) of a subject in the period starting at periodStart. Reservations
   * that have expired at `now` (default: the system clock) are not counted.
   */
  spent(subject: Subject, periodStart: number, now?: number): Promise<number>;
  /**
   * Raise the settled spend of a subject's period to at least `settledUsd` (never lowers it):
   * loads durable spend into counters that started empty (a restart, lost Redis data).
   */
  seed(subject: Subject, periodStart: number, periodEnd: number | null, settledUsd: number): Promise<void>;
}

/** One row of the spend ledger (superset of the embedded store's SpendRecord). */
export interface LedgerRow {
  requestId: string;
  /** Unix ms. */
  timestamp: number;
  /** First 12 hex characters of the key's hash; null for master/open. */
  keyHashPrefix: string | null;
  keyName: string | null;
  team: string | null;
  user: string | null;
  customer: string | null;
  tags: string[];
  model: string;
  deployment: string;
  provider: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: number;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  status: number;
  errorType: string | null;
  stream: boolean;
  /** gw counted the tokens itself (the upstream did not report them): the cost is an estimate. */
  usageEstimated: boolean;
}

export interface SpendLogsFilter {
  key?: string;
  team?: string;
  user?: string;
  customer?: string;
  model?: string;
  tag?: string;
  /** Unix ms, inclusive. */
  from?: number;
  /** Unix ms, exclusive. */
  to?: number;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export type SpendGroupBy = "team" | "key" | "model" | "tag" | "day" | "user" | "customer";

export interface SpendReportRow {
  group: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** Reads for /spend/logs (paginated ledger rows) and /spend/report (from aggregates, not a ledger scan). */
export interface SpendQueries {
  logs(filter: SpendLogsFilter): Promise<{ rows: LedgerRow[]; nextCursor: string | null }>;
  report(groupBy: SpendGroupBy, range: { from?: number; to?: number }): Promise<SpendReportRow[]>;
}

// ---- Host ports: spend store, clock, network (formerly runtime/stores/ports.ts) ----

/**
 * The runtime's ports: everything host-specific (Bun's SQLite, the network, time) is
 * injected at start-up through these, so the core runs on Node in tests with memory
 * stores and a fake fetch, and on Bun in production.
 */

/** One priced request, written after the response has been sent. */
export interface SpendRecord {
  requestId: string;
  /** Unix milliseconds at which the request arrived. */
  timestamp: number;
  /** Team of the calling key; null for the master key or an open gateway. */
  team: string | null;
  /** Name of the calling key (never the key itself). */
  keyName: string | null;
  /** Public model name. */
  model: string;
  deployment: string;
  provider: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: number;
  latencyMs: number;
  status: number;
  stream: boolean;
  /*
   * Optional (added for issue 4's ledger; stores that do not know them ignore them): first 12 hex
   * characters of the calling key's SHA-256, the managed user, the customer (the request's `user`
   * field), tags (key tags and request metadata tags), time to first token, and the error type.
   */
  keyHashPrefix?: string | null;
  user?: string | null;
  customer?: string | null;
  tags?: readonly string[];
  timeToFirstTokenMs?: number | null;
  errorType?: string | null;
  /** True when gw estimated the tokens (the upstream never reported usage, e.g. a stream cut short). */
  usageEstimated?: boolean;
}

/** Who a spend total is for; a key is named by its hash prefix (SpendRecord.keyHashPrefix). */
export type SpendSubjectKind = "key" | "team" | "user" | "customer";

/** The SpendRecord field that names each kind of subject. */
export const spendRecordField = { key: "keyHashPrefix", team: "team", user: "user", customer: "customer" } as const satisfies Record<SpendSubjectKind, keyof SpendRecord>;

export interface SpendStore {
  /** Human-readable description for the start-up banner, e.g. "sqlite .gw/gw.db". */
  readonly description: string;
  /** Queue a record for durable storage; must not block the caller on I/O. */
  record(entry: SpendRecord): void;
  /**
   * Total cost of the records at or after `sinceMs` made by one subject: a key (`id` is the key
   * hash prefix, SpendRecord.keyHashPrefix), a team, a managed user or a customer. Counts rows
   * still queued. Used to seed budget counters that started empty (a restart, Redis data lost)
   * and for `spend` in the admin API. In whole nano-USD (roundUsd).
   */
  subjectSpendSince(kind: SpendSubjectKind, id: string, sinceMs: number): Promise<number>;
  /** Write everything queued so far. */
  flush(): Promise<void>;
  /** Whether the store can take writes now (the readiness probe); a store without it is always ready. */
  healthy?(): boolean | Promise<boolean>;
  /** Rows not yet written (in memory, and spooled to disk), and whether the backend is reachable: for /metrics. */
  queueStatus?(): { pending: number; spooled: number; reachable: boolean };
  close(): Promise<void>;
}

export interface Clock {
  /** Unix milliseconds. */
  now(): number;
}

export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

export const systemClock: Clock = { now: () => Date.now() };

/**
 * A Responses API response kept for `previous_response_id` and GET/DELETE /v1/responses/{id}
 * (endpoints/responses.ts), where the config enables `responses.store`.
 */
export interface StoredResponse {
  /** The response's id ("resp_..."). */
  id: string;
  /** Who may read or delete it: the key that created it (endpoints/responses-store.ts ownerOf). */
  owner: string;
  /** The Response object as it was answered. */
  response: Record<string, unknown>;
  /**
   * The conversation up to and including this response, as Responses input items: the earlier
   * responses' items (already expanded), this request's input, then this response's output. Each
   * entry stands alone, so an evicted ancestor never breaks a later `previous_response_id`.
   */
  items: unknown[];
  /** Unix milliseconds at which it was stored. */
  storedAt: number;
}

export interface ResponseStore {
  save(entry: StoredResponse): Promise<void>;
  /** null when there is none under `id` for `owner` (absent, expired, or another owner's). */
  get(id: string, owner: string): Promise<StoredResponse | null>;
  /** Whether one was deleted (false: none under `id` for `owner`). */
  delete(id: string, owner: string): Promise<boolean>;
}
