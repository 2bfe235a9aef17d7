/**
 * Stored Responses API responses in memory, bounded: each kept `ttlMs`, at most `maxEntries`
 * (the oldest stored go first). Per process and lost on restart, which the config's
 * documentation of `responses.store` says.
 */
import type { Clock, ResponseStore, StoredResponse } from "../ports.ts";

export function createMemoryResponseStore(options: { ttlMs: number; maxEntries: number; clock: Clock }): ResponseStore {
  // A Map iterates in insertion order and the TTL is one for all: the first entries expire first.
  const entries = new Map<string, StoredResponse>();
  const expired = (entry: StoredResponse): boolean => options.clock.now() - entry.storedAt >= options.ttlMs;
  const evict = (): void => {
    for (const [id, entry] of entries) {
      if (entries.size <= options.maxEntries && !expired(entry)) break;
      entries.delete(id);
    }
  };
  const find = (id: string, owner: string): StoredResponse | null => {
    const entry = entries.get(id);
    if (entry === undefined) return null;
    if (expired(entry)) {
      entries.delete(id);
      return null;
    }
    return entry.owner === owner ? entry : null;
  };
  return {
    async save(entry) {
      entries.delete(entry.id);
      entries.set(entry.id, entry);
      evict();
    },
    async get(id, owner) {
      return find(id, owner);
    },
    async delete(id, owner) {
      return find(id, owner) !== null && entries.delete(id);
    },
  };
}
