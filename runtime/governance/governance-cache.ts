/**
 * What the request path reads instead of the governance store: every key (by hash), team, user
 * and customer in Maps, loaded once from `list*()` and reloaded, per kind, when the store says
 * something of that kind changed (`onChange`: this process's writes, or other replicas' through
 * Redis pub/sub). Authentication never waits on the store.
 *
 * Invariants:
 * - A lookup answers from the last successful load. A failed reload keeps the previous Maps (a
 *   store outage keeps serving known keys) and is retried with backoff until it succeeds.
 * - A change notified while its kind is loading triggers one more load of that kind, so the
 *   Maps end up at least as new as the last notification.
 * - Entities declared in the config are always present and win over stored ones with the same
 *   id (or, for keys, the same hash).
 */
import { GatewayError } from "../http/errors.ts";
import { type ConfigEntities, noConfigEntities } from "./config-entities.ts";
import type { EntityKind, GovernanceStore, ManagedCustomer, ManagedKey, ManagedTeam, ManagedUser } from "../stores/ports.ts";

export interface GovernanceCache {
  /** Resolves once every kind has been loaded once (the start-up load retries until it succeeds). */
  readonly ready: Promise<void>;
  isReady(): boolean;
  /** The key whose SHA-256 is `keyHashHex` (lowercase hex), or null. Blocked and expired keys are returned too (see checkManagedKey). */
  lookupKey(keyHashHex: string): ManagedKey | null;
  team(teamId: string): ManagedTeam | null;
  user(userId: string): ManagedUser | null;
  customer(customerId: string): ManagedCustomer | null;
  /**
   * Resolves once the changes notified so far have been loaded, or their reload has failed (and
   * is being retried). The admin API awaits it so that a key it created works at once here.
   */
  whenFresh(): Promise<void>;
  /** Stops listening to the store and retrying. */
  close(): void;
}

export interface GovernanceCacheOptions {
  configEntities?: ConfigEntities;
  /** First wait before retrying a failed load; doubles up to `maxRetryDelayMs`. Default 250 ms. */
  retryDelayMs?: number;
  /** Default 30 s. */
  maxRetryDelayMs?: number;
  /** Where failed loads are reported (never contains a secret). */
  onError?: (message: string) => void;
}

const kinds: readonly EntityKind[] = ["key", "team", "user", "customer"];

function indexBy<T>(stored: readonly T[], config: readonly T[], id: (row: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  for (const row of stored) map.set(id(row), row);
  for (const row of config) map.set(id(row), row);
  return map;
}

export function createGovernanceCache(store: GovernanceStore, options: GovernanceCacheOptions = {}): GovernanceCache {
  const config = options.configEntities ?? noConfigEntities;
  const onError = options.onError ?? ((message: string) => process.stderr.write(`${message}\n`));
  const firstRetryDelayMs = options.retryDelayMs ?? 250;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;

  let keysByHash = indexBy<ManagedKey>([], config.keys, (key) => key.keyHash);
  let teams = indexBy<ManagedTeam>([], config.teams, (team) => team.teamId);
  let users = indexBy<ManagedUser>([], config.users, (user) => user.userId);
  let customers = indexBy<ManagedCustomer>([], config.customers, (customer) => customer.customerId);

  const load = async (kind: EntityKind): Promise<void> => {
    if (kind === "key") {
      const configHashes = new Set(config.keys.map((key) => key.keyHash));
      const configIds = new Set(config.keys.map((key) => key.keyId));
      const stored = (await store.listKeys()).filter((key) => !configHashes.has(key.keyHash) && !configIds.has(key.keyId));
      keysByHash = indexBy(stored, config.keys, (key) => key.keyHash);
    } else if (kind === "team") teams = indexBy(await store.listTeams(), config.teams, (team) => team.teamId);
    else if (kind === "user") users = indexBy(await store.listUsers(), config.users, (user) => user.userId);
    else customers = indexBy(await store.listCustomers(), config.customers, (customer) => customer.customerId);
  };

  /** Kinds to (re)load. */
  const dirty = new Set<EntityKind>(kinds);
  const loadedOnce = new Set<EntityKind>();
  let running: Promise<void> | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryDelayMs = firstRetryDelayMs;
  let closed = false;
  let isReady = false;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  const drain = async (): Promise<void> => {
    while (dirty.size > 0 && !closed) {
      const kind = dirty.values().next().value as EntityKind;
      dirty.delete(kind);
      try {
        await load(kind);
      } catch (error) {
        dirty.add(kind);
        onError(
          `governance cache: could not load ${kind}s from the ${store.description} store (${error instanceof Error ? error.message : String(error)}); ` +
            `serving the last loaded ${kind}s, retrying in ${retryDelayMs} ms`,
        );
        scheduleRetry();
        return;
      }
      retryDelayMs = firstRetryDelayMs;
      loadedOnce.add(kind);
      if (!isReady && loadedOnce.size === kinds.length) {
        isReady = true;
        markReady();
      }
    }
  };

  const run = (): Promise<void> => {
    running ??= drain().finally(() => {
      running = null;
      // A change that arrived after the loop's last check but before this point still needs its load.
      if (dirty.size > 0 && retryTimer === undefined && !closed) void run();
    });
    return running;
  };

  const scheduleRetry = (): void => {
    if (retryTimer !== undefined || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void run();
    }, retryDelayMs);
    retryTimer.unref?.();
    retryDelayMs = Math.min(maxRetryDelayMs, retryDelayMs * 2);
  };

  const unsubscribe = store.onChange((kind) => {
    dirty.add(kind);
    // A retry is already waiting after a failure: let it run on its schedule instead of hammering the store.
    if (retryTimer === undefined) void run();
  });

  void run();

  return {
    ready,
    isReady: () => isReady,
    lookupKey: (keyHashHex) => keysByHash.get(keyHashHex) ?? null,
    team: (teamId) => teams.get(teamId) ?? null,
    user: (userId) => users.get(userId) ?? null,
    customer: (customerId) => customers.get(customerId) ?? null,
    async whenFresh() {
      // A load may start another one (a change arrived meanwhile): wait until none is running.
      while (running !== null) await running;
    },
    close() {
      closed = true;
      unsubscribe();
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      retryTimer = undefined;
    },
  };
}

/**
 * null when a request may use `key`; else the 401 to answer with: the key, or its team, is
 * blocked, or the key has expired. Same message for every case the caller cannot fix alone.
 */
export function checkManagedKey(key: ManagedKey, team: ManagedTeam | null, now: number): GatewayError | null {
  if (key.expiresAt !== null && Date.parse(key.expiresAt) <= now) {
    return new GatewayError({
      status: 401,
      type: "authentication_error",
      code: "expired_api_key",
      message: "This API key has expired. Ask the gateway's operator for a new one (POST /key/regenerate).",
    });
  }
  if (key.blocked || (team !== null && team.blocked)) {
    return new GatewayError({
      status: 401,
      type: "authentication_error",
      code: "blocked_api_key",
      message: `This API key is blocked${key.blocked ? "" : " (its team is blocked)"}. Ask the gateway's operator to unblock it.`,
    });
  }
  return null;
}
