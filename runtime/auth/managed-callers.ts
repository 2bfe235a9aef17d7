/**
 * Callers for keys created through the admin API: looked up by the key's SHA-256 in the
 * governance cache (memory, kept current on change), so authentication never waits on a store.
 * One Caller object per cached key object, built on first use: the request path allocates nothing
 * for a known key.
 */
import type { GatewayError } from "../http/errors.ts";
import type { Caller } from "../start/plan.ts";
import { checkManagedKey, type GovernanceCache } from "../governance/governance-cache.ts";
import type { ManagedKey, ManagedTeam } from "../stores/ports.ts";

/** hash (lowercase hex) -> the caller, the 401 for a blocked or expired key, or null when unknown. */
export type ManagedKeyLookup = (hashHex: string) => Caller | GatewayError | null;

function modelsOf(key: ManagedKey, teamModels: readonly string[]): { models: ReadonlySet<string> | null; modelPrefixes: string[] } {
  const names = key.models.length > 0 ? key.models : teamModels;
  if (names.length === 0) return { models: null, modelPrefixes: [] };
  return {
    models: new Set(names),
    modelPrefixes: names.filter((name) => name.endsWith("/*")).map((name) => name.slice(0, -1)),
  };
}

/** The key entity behind each key Caller (for limits and budgets: runtime/governance/enforcement.ts). */
const keysByCaller = new WeakMap<Caller, ManagedKey>();

/** The key entity a Caller stands for (managed, or declared in the config); null for the master key and open gateways. */
export function managedKeyOf(caller: Caller): ManagedKey | null {
  return keysByCaller.get(caller) ?? null;
}

/** Ties a config key's Caller (built by loadBundle) to its read-only entity (config-entities.ts). */
export function registerConfigKey(caller: Caller, key: ManagedKey): void {
  keysByCaller.set(caller, key);
}

export function createManagedKeyLookup(cache: GovernanceCache, now: () => number = Date.now): ManagedKeyLookup {
  // Rebuilt when either object changes: the cache replaces a key's or a team's object on change.
  const callers = new WeakMap<ManagedKey, { team: ManagedTeam | null; caller: Caller }>();
  return (hashHex) => {
    const key = cache.lookupKey(hashHex);
    if (key === null) return null;
    const team = key.teamId === null ? null : (cache.team(key.teamId) ?? null);
    const refused = checkManagedKey(key, team, now());
    if (refused !== null) return refused;
    const known = callers.get(key);
    if (known !== undefined && known.team === team) return known.caller;
    const caller: Caller = {
      kind: "key",
      keyName: key.keyAlias ?? key.keyId,
      team: key.teamId,
      ...modelsOf(key, team?.models ?? []),
      keyHashPrefix: key.keyHash.slice(0, 12),
      userId: key.userId,
      tags: key.tags,
    };
    callers.set(key, { team, caller });
    keysByCaller.set(caller, key);
    return caller;
  };
}
