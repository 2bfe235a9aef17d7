/**
 * What every admin operation shares: the store, the config's read-only entities, time, the
 * audit log and the spend lookup. Reads merge the config's entities with the stored ones (the
 * config's win on the same id); writes go to the store only.
 */
import { roundUsd } from "../spend/cost.ts";
import { GatewayError } from "../http/errors.ts";
import { type ConfigEntities, noConfigEntities } from "../governance/config-entities.ts";
import type { EntityBase, EntityKind, GovernanceStore, ManagedCustomer, ManagedKey, ManagedTeam, ManagedUser, Subject } from "../stores/ports.ts";
import type { Clock } from "../stores/ports.ts";
import { createAuditId } from "./audit.ts";

/** What the spend lookup needs of an entity: its budget period, and for keys the hash the spend ledger names them by. */
export type SpendEntity = EntityBase & { keyHash?: string };

export interface AdminContextDeps {
  store: GovernanceStore;
  clock: Clock;
  configEntities?: ConfigEntities;
  /** Spend of an entity in its current budget period, shown as `spend`. Without it, `spend` is 0. */
  spend?: (subject: Subject, entity: SpendEntity) => Promise<number>;
  /** Awaited after every change, before answering (e.g. the governance cache's whenFresh). */
  afterChange?: () => Promise<void>;
  /** SHA-256 (hex) of the master key: no managed key may take its value. */
  masterKeyHash?: string | null;
}

export interface AdminContext {
  readonly store: GovernanceStore;
  now(): number;
  nowIso(): string;
  keys(): Promise<ManagedKey[]>;
  teams(): Promise<ManagedTeam[]>;
  users(): Promise<ManagedUser[]>;
  customers(): Promise<ManagedCustomer[]>;
  isFromConfig(kind: EntityKind, id: string): boolean;
  /** Whether a new key secret with this hash would collide with the master key. */
  isReservedKeyHash(keyHash: string): boolean;
  /** Appends the audit entry; called before the change it records, so no change goes unaudited. */
  audit(actor: string, action: string, entity: EntityKind, entityId: string, before: unknown, after: unknown): Promise<void>;
  changed(): Promise<void>;
  /** null when the spend lookup failed (the rest of the answer is still useful). */
  spendOf(subject: Subject, entity: SpendEntity): Promise<number | null>;
}

const entityNames: Record<EntityKind, string> = { key: "Key", team: "Team", user: "User", customer: "Customer" };

export function notFound(kind: EntityKind, id: string, param: string): GatewayError {
  return new GatewayError({
    status: 404,
    type: "not_found_error",
    code: `${kind}_not_found`,
    param,
    message: `${entityNames[kind]} "${id}" does not exist. ${kind === "key" ? "GET /key/list" : `GET /${kind}/list`} lists the ones that do.`,
  });
}

export function readOnly(kind: EntityKind, id: string): GatewayError {
  return new GatewayError({
    status: 403,
    type: "permission_error",
    code: "config_entity_read_only",
    message:
      `${entityNames[kind]} "${id}" is declared in the gateway's config, so the admin API cannot change it. ` +
      "Change the config and rebuild (gw build) instead.",
  });
}

function mergeById<T>(config: readonly T[], stored: readonly T[], id: (row: T) => string): T[] {
  const configIds = new Set(config.map(id));
  return [...config, ...stored.filter((row) => !configIds.has(id(row)))];
}

export function createAdminContext(deps: AdminContextDeps): AdminContext {
  const { store, clock } = deps;
  const config = deps.configEntities ?? noConfigEntities;
  const configIds: Record<EntityKind, ReadonlySet<string>> = {
    key: new Set(config.keys.map((key) => key.keyId)),
    team: new Set(config.teams.map((team) => team.teamId)),
    user: new Set(config.users.map((user) => user.userId)),
    customer: new Set(config.customers.map((customer) => customer.customerId)),
  };
  const configKeyHashes = new Set(config.keys.map((key) => key.keyHash));

  const masterKeyHash = deps.masterKeyHash ?? null;

  return {
    store,
    isReservedKeyHash: (keyHash) => keyHash === masterKeyHash,
    now: () => clock.now(),
    nowIso: () => new Date(clock.now()).toISOString(),
    async keys() {
      const stored = (await store.listKeys()).filter((key) => !configKeyHashes.has(key.keyHash));
      return mergeById(config.keys, stored, (key) => key.keyId);
    },
    teams: async () => mergeById(config.teams, await store.listTeams(), (team) => team.teamId),
    users: async () => mergeById(config.users, await store.listUsers(), (user) => user.userId),
    customers: async () => mergeById(config.customers, await store.listCustomers(), (customer) => customer.customerId),
    isFromConfig: (kind, id) => configIds[kind].has(id),
    async audit(actor, action, entity, entityId, before, after) {
      const now = clock.now();
      await store.appendAudit({ id: createAuditId(now), at: new Date(now).toISOString(), actor, action, entity, entityId, before, after });
    },
    changed: () => deps.afterChange?.() ?? Promise.resolve(),
    async spendOf(subject, entity) {
      if (deps.spend === undefined) return 0;
      try {
        const spend = await deps.spend(subject, entity);
        return roundUsd(spend);
      } catch {
        return null;
      }
    },
  };
}
