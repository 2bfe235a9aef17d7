/**
 * GovernanceStore in memory: for tests and in-process library use. Lost when the process ends
 * (`gw serve` uses the SQLite store, or Postgres, instead).
 *
 * Invariants shared by every GovernanceStore (see governance-store-contract.ts):
 * - rows go in and come out as copies: changing a returned object never changes the store;
 * - a key hash belongs to at most one keyId (putKey rejects a second key with the same hash);
 * - audit entries are listed newest first by id (ids are time-ordered, see runtime/admin/audit.ts);
 *   `before` returns the entries whose id sorts before the given id;
 * - listeners hear every put and every successful delete, after the change is made.
 */
import type {
  AuditEntry,
  EntityKind,
  GovernanceStore,
  ManagedCustomer,
  ManagedKey,
  ManagedTeam,
  ManagedUser,
} from "../ports.ts";

export interface MemoryGovernanceSeed {
  keys?: readonly ManagedKey[];
  teams?: readonly ManagedTeam[];
  users?: readonly ManagedUser[];
  customers?: readonly ManagedCustomer[];
  audit?: readonly AuditEntry[];
}

type ChangeListener = (kind: EntityKind, id: string) => void;

/** Calls every listener; one that throws does not keep the others from hearing the change. */
export function notifyListeners(listeners: ReadonlySet<ChangeListener>, kind: EntityKind, id: string, onError?: (error: unknown) => void): void {
  for (const listener of listeners) {
    try {
      listener(kind, id);
    } catch (error) {
      onError?.(error);
    }
  }
}

export function createMemoryGovernanceStore(seed: MemoryGovernanceSeed = {}): GovernanceStore {
  const keys = new Map<string, ManagedKey>();
  const keyIdByHash = new Map<string, string>();
  const teams = new Map<string, ManagedTeam>();
  const users = new Map<string, ManagedUser>();
  const customers = new Map<string, ManagedCustomer>();
  const audit: AuditEntry[] = [];
  const listeners = new Set<ChangeListener>();
  let closed = false;

  const ensureOpen = (): void => {
    if (closed) throw new Error("governance store: the memory store is closed");
  };

  const storeKey = (key: ManagedKey): void => {
    const owner = keyIdByHash.get(key.keyHash);
    if (owner !== undefined && owner !== key.keyId) {
      throw new Error(`governance store: another key (${owner}) already has this key hash; key hashes are unique`);
    }
    const previous = keys.get(key.keyId);
    if (previous !== undefined) keyIdByHash.delete(previous.keyHash);
    keys.set(key.keyId, structuredClone(key));
    keyIdByHash.set(key.keyHash, key.keyId);
  };

  for (const key of seed.keys ?? []) storeKey(key);
  for (const team of seed.teams ?? []) teams.set(team.teamId, structuredClone(team));
  for (const user of seed.users ?? []) users.set(user.userId, structuredClone(user));
  for (const customer of seed.customers ?? []) customers.set(customer.customerId, structuredClone(customer));
  for (const entry of seed.audit ?? []) audit.push(structuredClone(entry));

  const changed = (kind: EntityKind, id: string): void => notifyListeners(listeners, kind, id);

  const put = async <T>(map: Map<string, T>, kind: EntityKind, id: string, value: T): Promise<T> => {
    ensureOpen();
    map.set(id, structuredClone(value));
    changed(kind, id);
    return structuredClone(value);
  };

  return {
    description: "memory (governance state is not kept across restarts)",
    async listKeys() {
      ensureOpen();
      return [...keys.values()].map((key) => structuredClone(key));
    },
    async listTeams() {
      ensureOpen();
      return [...teams.values()].map((team) => structuredClone(team));
    },
    async listUsers() {
      ensureOpen();
      return [...users.values()].map((user) => structuredClone(user));
    },
    async listCustomers() {
      ensureOpen();
      return [...customers.values()].map((customer) => structuredClone(customer));
    },
    async putKey(key) {
      ensureOpen();
      storeKey(key);
      changed("key", key.keyId);
      return structuredClone(key);
    },
    putTeam: (team) => put(teams, "team", team.teamId, team),
    putUser: (user) => put(users, "user", user.userId, user),
    putCustomer: (customer) => put(customers, "customer", customer.customerId, customer),
    async deleteEntity(kind, id) {
      ensureOpen();
      let deleted: boolean;
      if (kind === "key") {
        const key = keys.get(id);
        deleted = key !== undefined && keys.delete(id);
        if (key !== undefined) keyIdByHash.delete(key.keyHash);
      } else if (kind === "team") deleted = teams.delete(id);
      else if (kind === "user") deleted = users.delete(id);
      else deleted = customers.delete(id);
      if (deleted) changed(kind, id);
      return deleted;
    },
    async appendAudit(entry) {
      ensureOpen();
      audit.push(structuredClone(entry));
    },
    async listAudit(filter) {
      ensureOpen();
      const matching = audit.filter(
        (entry) =>
          (filter.entity === undefined || entry.entity === filter.entity) &&
          (filter.entityId === undefined || entry.entityId === filter.entityId) &&
          (filter.before === undefined || entry.id < filter.before),
      );
      matching.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      return matching.slice(0, Math.max(0, filter.limit)).map((entry) => structuredClone(entry));
    },
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      closed = true;
      listeners.clear();
    },
  };
}
