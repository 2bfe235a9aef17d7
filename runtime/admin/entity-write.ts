/**
 * The steps every admin operation on a key, team, user or customer shares: find it or answer 404,
 * refuse to change one declared in the config (read-only), and write a change as audit entry
 * (before/after wire views), then store write, then `context.changed()`.
 *
 * Invariant: the audit entry is appended before the write it records, so no change goes
 * unaudited; `changed()` is awaited once, after the operation's last write, before it answers.
 * Entity-specific rules (fields, relations, cascades) stay in each entity's file.
 */
import { invalidRequest } from "../http/errors.ts";
import type { EntityBase, EntityKind, GovernanceStore } from "../stores/ports.ts";
import { type AdminContext, notFound, readOnly } from "./admin-context.ts";

/** How the shared steps reach one kind of entity. */
export interface EntityAccess<T extends EntityBase> {
  kind: EntityKind;
  /** The kind as a sentence starts with it, e.g. "Team". */
  title: string;
  id(entity: T): string;
  /** How the read-only error names the entity (default: its id). */
  shownAs?(entity: T): string;
  /** The wire view, as answered and as audited (never a secret). */
  view(entity: T): unknown;
  put(store: GovernanceStore, entity: T): Promise<unknown>;
}

/** A new entity's shared fields: all models, no metadata, no budget, no limits. */
export function newEntityBase(now: string): EntityBase {
  return {
    models: [],
    metadata: {},
    fromConfig: false,
    createdAt: now,
    updatedAt: now,
    maxBudget: null,
    softBudget: null,
    budgetDuration: null,
    rpmLimit: null,
    tpmLimit: null,
    maxParallelRequests: null,
  };
}

/** The entity with this id, or a 404 naming `param`. */
export function requireEntity<T extends EntityBase>(access: EntityAccess<T>, entities: readonly T[], id: string, param: string): T {
  const entity = entities.find((candidate) => access.id(candidate) === id);
  if (entity === undefined) throw notFound(access.kind, id, param);
  return entity;
}

/** Throws unless `id` is free for a new entity: 403 when the config declares it, else 400 `<kind>_exists` when stored. */
export async function requireUnusedId<T extends EntityBase>(
  context: AdminContext,
  access: EntityAccess<T>,
  existing: () => Promise<readonly T[]>,
  id: string,
  param: string,
): Promise<void> {
  if (context.isFromConfig(access.kind, id)) throw readOnly(access.kind, id);
  if ((await existing()).some((entity) => access.id(entity) === id)) {
    throw invalidRequest(`${access.title} "${id}" already exists. Change it with POST /${access.kind}/update.`, param, `${access.kind}_exists`);
  }
}

/** Throws 403 when the entity is declared in the config. */
export function requireWritable<T extends EntityBase>(context: AdminContext, access: EntityAccess<T>, entity: T): void {
  if (entity.fromConfig || context.isFromConfig(access.kind, access.id(entity))) {
    throw readOnly(access.kind, access.shownAs?.(entity) ?? access.id(entity));
  }
}

/** The wire view with the entity's `spend` in its current budget period. */
export async function withSpend<T extends EntityBase>(context: AdminContext, access: EntityAccess<T>, entity: T) {
  return { ...(access.view(entity) as object), spend: await context.spendOf({ kind: access.kind, id: access.id(entity) }, entity) };
}

/** Audits, then stores, one change (before: null for a new entity); the caller still owes `changed()`. */
export async function putAudited<T extends EntityBase>(
  context: AdminContext,
  actor: string,
  access: EntityAccess<T>,
  action: string,
  before: T | null,
  after: T,
): Promise<void> {
  await context.audit(actor, action, access.kind, access.id(after), before === null ? null : access.view(before), access.view(after));
  await access.put(context.store, after);
}

/** putAudited, then `changed()`: for operations that write one entity. */
export async function saveChange<T extends EntityBase>(...change: Parameters<typeof putAudited<T>>): Promise<void> {
  await putAudited(...change);
  await change[0].changed();
}

/** Audits, then deletes, one entity; the caller still owes `changed()`. */
export async function deleteAudited<T extends EntityBase>(context: AdminContext, actor: string, access: EntityAccess<T>, action: string, entity: T): Promise<void> {
  await context.audit(actor, action, access.kind, access.id(entity), access.view(entity), null);
  await context.store.deleteEntity(access.kind, access.id(entity));
}
