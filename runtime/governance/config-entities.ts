/**
 * Entities declared in the config (gateway.config.ts): they live beside the ones created through
 * the admin API, are read-only there (`fromConfig: true`), and win over a stored entity with the
 * same id or key hash.
 */
import type { CompiledBudget } from "../../contract/bundle.ts";
import type { RuntimePlan } from "../start/plan.ts";
import { registerConfigKey } from "../auth/managed-callers.ts";
import type { ManagedCustomer, ManagedKey, ManagedTeam, ManagedUser } from "../stores/ports.ts";

export interface ConfigEntities {
  readonly keys: readonly ManagedKey[];
  readonly teams: readonly ManagedTeam[];
  readonly users: readonly ManagedUser[];
  readonly customers: readonly ManagedCustomer[];
}

export const noConfigEntities: ConfigEntities = { keys: [], teams: [], users: [], customers: [] };

/** Prefix of the `keyId` of a key declared in the config: `config:<key name>`. */
export const configKeyIdPrefix = "config:";

const budgetDurations: Record<CompiledBudget["period"], string> = { day: "1d", week: "7d", month: "1mo" };

/**
 * The config's teams and keys (from the runtime plan: the bundle holds some keys only as env
 * references, hashed at start-up) as managed entities, enforced like the others (enforcement.ts).
 * `at` (ISO time) becomes their createdAt/updatedAt.
 */
export function configEntitiesFromPlan(plan: Pick<RuntimePlan, "teams" | "keys">, at: string): ConfigEntities {
  const teams: ManagedTeam[] = [...plan.teams.values()].map((team) => ({
    teamId: team.name,
    teamAlias: null,
    blocked: false,
    models: team.models === null ? [] : [...team.models],
    metadata: {},
    fromConfig: true,
    createdAt: at,
    updatedAt: at,
    maxBudget: team.budget === null ? null : team.budget.usd,
    softBudget: null,
    budgetDuration: team.budget === null ? null : budgetDurations[team.budget.period],
    rpmLimit: null,
    tpmLimit: null,
    maxParallelRequests: null,
  }));
  const managedKeys: ManagedKey[] = [];
  for (const [keyHash, caller] of plan.keys) {
    if (caller.kind !== "key" || caller.keyName === null) continue;
    const key: ManagedKey = {
      keyId: `${configKeyIdPrefix}${caller.keyName}`,
      keyHash,
      keyAlias: caller.keyName,
      teamId: caller.team,
      userId: null,
      tags: [],
      blocked: false,
      expiresAt: null,
      admin: false,
      // The team's model list applies; the key adds no restriction of its own.
      models: [],
      metadata: {},
      fromConfig: true,
      createdAt: at,
      updatedAt: at,
      maxBudget: null,
      softBudget: null,
      budgetDuration: null,
      rpmLimit: null,
      tpmLimit: null,
      maxParallelRequests: null,
    };
    managedKeys.push(key);
    // The request path finds the key's team (its budget and limits) through the Caller.
    registerConfigKey(caller, key);
  }
  return { keys: managedKeys, teams, users: [], customers: [] };
}
