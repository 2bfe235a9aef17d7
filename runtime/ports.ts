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
  close(): Promise<void>;
}

export interface Clock {
  /** Unix milliseconds. */
  now(): number;
}

export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

export const systemClock: Clock = { now: () => Date.now() };
