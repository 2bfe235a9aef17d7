/**
 * /key/* operations (LiteLLM's key management API). A key is named in requests by its `token`
 * (keyId), by its SHA-256 hex, or by the key itself (hashed here, never stored or echoed).
 */
import { invalidRequest } from "../http/errors.ts";
import { parseBudgetDuration } from "../budgets/budget-period.ts";
import { configKeyIdPrefix } from "../governance/config-entities.ts";
import type { ManagedKey, ManagedTeam } from "../stores/ports.ts";
import { type AdminContext, notFound } from "./admin-context.ts";
import { deleteAudited, type EntityAccess, newEntityBase, requireWritable, saveChange, withSpend } from "./entity-write.ts";
import { abbreviateKey, createKeyId, generateKeySecret, hashKey, isSha256Hex } from "./key-secret.ts";
import {
  type Body,
  type CommonFields,
  checkFields,
  commonFieldNames,
  definedOnly,
  type FieldRules,
  isModelInList,
  readBoolean,
  readCommonFields,
  readIdentifier,
  readIdentifierList,
  readQueryInteger,
  readRequiredIdentifier,
} from "./parse-fields.ts";
import { toKeyView } from "./wire-views.ts";

export const keyEntity: EntityAccess<ManagedKey> = {
  kind: "key",
  title: "Key",
  id: (key) => key.keyId,
  shownAs: (key) => key.keyAlias ?? key.keyId,
  view: toKeyView,
  put: (store, key) => store.putKey(key),
};

/** What an operation answers: the JSON body, and the request fields it ignored. */
export interface AdminResult {
  body: unknown;
  ignored: readonly string[];
}

const ignoredKeyFields = ["send_invite_email", "rpm_limit_type", "tpm_limit_type", "allowed_cache_controls", "key_name", "api_key"];
const unsupportedKeyFields = [
  "spend",
  "agent_id",
  "config",
  "permissions",
  "model_max_budget",
  "model_rpm_limit",
  "model_tpm_limit",
  "guardrails",
  "policies",
  "prompts",
  "aliases",
  "object_permission",
  "budget_id",
  "enforced_params",
  "allowed_routes",
  "allowed_passthrough_routes",
  "allowed_vector_store_indexes",
  "router_settings",
  "access_group_ids",
  "auto_rotate",
  "rotation_interval",
  "organization_id",
  "project_id",
  "temp_budget_increase",
  "temp_budget_expiry",
  "grace_period",
  "new_master_key",
];
const keyFieldNames = [...commonFieldNames, "key_alias", "duration", "team_id", "user_id", "tags", "blocked", "key_type", "admin"];

/** `key` is the new key's value on generate (optional) and the key to change elsewhere. */
export const generateKeyRules: FieldRules = { read: [...keyFieldNames, "key"], ignored: ignoredKeyFields, unsupported: unsupportedKeyFields };
const updateKeyRules: FieldRules = generateKeyRules;
const regenerateKeyRules: FieldRules = { read: [...keyFieldNames, "key", "new_key"], ignored: ignoredKeyFields, unsupported: unsupportedKeyFields };
const oneKeyRules: FieldRules = { read: ["key"], ignored: [], unsupported: [] };
const deleteKeyRules: FieldRules = { read: ["keys", "key_aliases"], ignored: [], unsupported: [] };

interface KeyFields extends CommonFields {
  keyAlias?: string | null;
  teamId?: string | null;
  userId?: string | null;
  tags?: string[];
  blocked?: boolean;
  admin?: boolean;
  /** ISO time, or null for "never"; absent when the request does not change it. */
  expiresAt?: string | null;
}

const dayMs = 86_400_000;
const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: dayMs, w: 7 * dayMs } as const;

/** LiteLLM's key `duration`: expiry = now + duration ("mo": calendar months, UTC). "-1" (update) means never. */
function readExpiry(body: Body, now: number): string | null | undefined {
  const value = body.duration;
  if (value === undefined || value === null) return undefined;
  if (value === "" || value === "-1") return null;
  const parsed = typeof value === "string" ? parseBudgetDuration(value) : null;
  if (parsed === null) {
    throw invalidRequest(
      '"duration" must be how long the key stays valid: a whole number and a unit, "s", "m", "h", "d", "w" or "mo" (e.g. "30d"), or "-1" for no expiry.',
      "duration",
      "invalid_parameter",
    );
  }
  if (parsed.unit !== "mo") return new Date(now + parsed.count * unitMs[parsed.unit]).toISOString();
  const date = new Date(now);
  const target = new Date(date);
  target.setUTCDate(1);
  target.setUTCMonth(date.getUTCMonth() + parsed.count);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return target.toISOString();
}

function readAdminFlag(body: Body): boolean | undefined {
  const admin = readBoolean(body, "admin");
  if (admin !== undefined) return admin;
  const keyType = body.key_type;
  if (keyType === undefined || keyType === null || keyType === "default" || keyType === "llm_api") return keyType === undefined ? undefined : false;
  if (keyType === "management") return true;
  throw invalidRequest(
    '"key_type" must be "default", "llm_api" or "management" (an admin key); gw has no read-only keys.',
    "key_type",
    "unsupported_parameter",
  );
}

function readKeyFields(body: Body, now: number): KeyFields {
  return definedOnly<KeyFields>({
    ...readCommonFields(body, "key"),
    keyAlias: readIdentifier(body, "key_alias"),
    teamId: readIdentifier(body, "team_id"),
    userId: readIdentifier(body, "user_id"),
    tags: readIdentifierList(body, "tags"),
    blocked: readBoolean(body, "blocked"),
    admin: readAdminFlag(body),
    expiresAt: readExpiry(body, now),
  });
}

/** A key value chosen by the caller (`key` on generate, `new_key` on regenerate), e.g. to keep a LiteLLM key working. */
function readChosenSecret(body: Body, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !/^[\x21-\x7e]{20,256}$/.test(value)) {
    throw invalidRequest(`"${name}" must be 20 to 256 printable characters without spaces.`, name, "invalid_parameter");
  }
  return value;
}

/** The key named by `identifier`: its keyId, its SHA-256 hex, or the key itself. */
export function findKey(keys: readonly ManagedKey[], identifier: string): ManagedKey | null {
  const byId = keys.find((key) => key.keyId === identifier);
  if (byId !== undefined) return byId;
  if (isSha256Hex(identifier)) {
    const byHash = keys.find((key) => key.keyHash === identifier);
    if (byHash !== undefined) return byHash;
  }
  const hash = hashKey(identifier);
  return keys.find((key) => key.keyHash === hash) ?? null;
}

/** How to name a key back to the caller: as given, unless it was the key itself (never echoed). */
function nameBack(key: ManagedKey, identifier: string): string {
  return identifier === key.keyId || identifier === key.keyHash || identifier === key.keyAlias ? identifier : key.keyId;
}

function requireKey(keys: readonly ManagedKey[], identifier: string, param: string): ManagedKey {
  const key = findKey(keys, identifier);
  if (key !== null) return key;
  // Name it in the error only if it cannot be a key (whose value must never be echoed).
  const safe = isSha256Hex(identifier) || identifier.startsWith("key_") || identifier.startsWith(configKeyIdPrefix);
  throw notFound("key", safe ? identifier : "(the key given)", param);
}

/** Team exists, the key's models are within the team's, and the alias is unique. */
function checkRelations(fields: KeyFields, existing: ManagedKey | null, keys: readonly ManagedKey[], teams: readonly ManagedTeam[]): void {
  const teamId = fields.teamId !== undefined ? fields.teamId : (existing?.teamId ?? null);
  const team = teamId === null ? null : (teams.find((candidate) => candidate.teamId === teamId) ?? null);
  if (fields.teamId !== undefined && fields.teamId !== null && team === null) {
    throw invalidRequest(`Team "${fields.teamId}" does not exist. Create it first (POST /team/new).`, "team_id", "team_not_found");
  }
  if (team !== null && (fields.models !== undefined || fields.teamId !== undefined)) {
    const outside = (fields.models ?? existing?.models ?? []).filter((model) => !isModelInList(team.models, model));
    if (outside.length > 0) {
      throw invalidRequest(
        `Team "${team.teamId}" may not use ${outside.map((model) => `"${model}"`).join(", ")}, so its keys may not either. Its models: ${team.models.join(", ")}.`,
        "models",
        "model_not_allowed",
      );
    }
  }
  const alias = fields.keyAlias;
  if (alias !== undefined && alias !== null && keys.some((key) => key.keyAlias === alias && key.keyId !== existing?.keyId)) {
    throw invalidRequest(`Another key already has the alias "${alias}". Key aliases are unique.`, "key_alias", "duplicate_key_alias");
  }
}

function applyKeyFields(key: ManagedKey, fields: KeyFields, updatedAt: string): ManagedKey {
  return { ...key, ...fields, updatedAt };
}

function keyWithSpend(context: AdminContext, key: ManagedKey) {
  return withSpend(context, keyEntity, key);
}

export interface PreparedKey {
  key: ManagedKey;
  /** The key itself: shown once, never stored. */
  secret: string;
  ignored: readonly string[];
}

/** Checks a /key/generate body and builds the key, writing nothing. */
export async function prepareNewKey(context: AdminContext, body: Body): Promise<PreparedKey> {
  const ignored = checkFields(body, generateKeyRules);
  const fields = readKeyFields(body, context.now());
  const chosen = readChosenSecret(body, "key");
  const [keys, teams] = await Promise.all([context.keys(), context.teams()]);
  checkRelations(fields, null, keys, teams);
  const secret = chosen ?? generateKeySecret();
  const keyHash = hashKey(secret);
  if (context.isReservedKeyHash(keyHash) || keys.some((key) => key.keyHash === keyHash)) throw invalidRequest("Another key already has this value; choose another `key`.", "key", "duplicate_key");
  const now = context.nowIso();
  const key: ManagedKey = applyKeyFields(
    {
      keyId: createKeyId(),
      keyHash,
      keyAlias: null,
      teamId: null,
      userId: null,
      tags: [],
      blocked: false,
      expiresAt: null,
      admin: false,
      ...newEntityBase(now),
    },
    fields,
    now,
  );
  return { key, secret, ignored };
}

/**
 * What LiteLLM's /key/generate (and /key/regenerate, /user/new) add to the key's fields: the key
 * itself, shown this once, its `key_name`, and `token_id` (LiteLLM's hash; gw's key id). LiteLLM
 * also repeats the key as `token`; gw's `token` stays the key id, so the key is in `key` only.
 */
export function newKeyFields(key: ManagedKey, secret: string) {
  return { key: secret, key_name: abbreviateKey(secret), token_id: key.keyId };
}

/** Writes a prepared key; answers like LiteLLM's /key/generate, the only time the key is shown. */
export async function commitNewKey(context: AdminContext, actor: string, prepared: PreparedKey): Promise<AdminResult> {
  const { key, secret } = prepared;
  await saveChange(context, actor, keyEntity, "key.generate", null, key);
  return { body: { ...toKeyView(key), spend: 0, ...newKeyFields(key, secret) }, ignored: prepared.ignored };
}

export async function generateKey(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  return commitNewKey(context, actor, await prepareNewKey(context, body));
}

export async function keyInfo(context: AdminContext, query: URLSearchParams): Promise<AdminResult> {
  const identifier = query.get("key");
  if (identifier === null || identifier === "") throw invalidRequest('Query parameter "key" is required: the key\'s token, its hash, or the key.', "key", "missing_parameter");
  const key = requireKey(await context.keys(), identifier, "key");
  // LiteLLM echoes `key` as asked; gw does too, unless it was the key itself.
  return { body: { key: nameBack(key, identifier), info: await keyWithSpend(context, key) }, ignored: [] };
}

export async function updateKey(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  const ignored = checkFields(body, updateKeyRules);
  const identifier = readRequiredIdentifier(body, "key");
  const fields = readKeyFields(body, context.now());
  const [keys, teams] = await Promise.all([context.keys(), context.teams()]);
  const key = requireKey(keys, identifier, "key");
  requireWritable(context, keyEntity, key);
  checkRelations(fields, key, keys, teams);
  const updated = applyKeyFields(key, fields, context.nowIso());
  await saveChange(context, actor, keyEntity, "key.update", key, updated);
  return { body: { key: key.keyId, ...(await keyWithSpend(context, updated)) }, ignored };
}

export async function regenerateKey(context: AdminContext, actor: string, body: Body, pathKey: string | null): Promise<AdminResult> {
  const ignored = checkFields(body, regenerateKeyRules);
  const identifier = pathKey ?? readRequiredIdentifier(body, "key");
  const fields = readKeyFields(body, context.now());
  const chosen = readChosenSecret(body, "new_key");
  const [keys, teams] = await Promise.all([context.keys(), context.teams()]);
  const key = requireKey(keys, identifier, pathKey === null ? "key" : "path");
  requireWritable(context, keyEntity, key);
  checkRelations(fields, key, keys, teams);
  const secret = chosen ?? generateKeySecret();
  const keyHash = hashKey(secret);
  if (context.isReservedKeyHash(keyHash) || keys.some((other) => other.keyHash === keyHash)) throw invalidRequest("Another key already has this value; choose another `new_key`.", "new_key", "duplicate_key");
  const updated = { ...applyKeyFields(key, fields, context.nowIso()), keyHash };
  await saveChange(context, actor, keyEntity, "key.regenerate", key, updated);
  return { body: { ...(await keyWithSpend(context, updated)), ...newKeyFields(updated, secret) }, ignored };
}

export async function deleteKeys(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  checkFields(body, deleteKeyRules);
  const identifiers = readIdentifierList(body, "keys") ?? [];
  const aliases = readIdentifierList(body, "key_aliases") ?? [];
  if (identifiers.length === 0 && aliases.length === 0) {
    throw invalidRequest('Send the keys to delete in "keys" (tokens, hashes or keys) and/or "key_aliases".', "keys", "missing_parameter");
  }
  const keys = await context.keys();
  const doomed = new Map<string, ManagedKey>();
  const named: string[] = [];
  for (const identifier of identifiers) {
    const key = requireKey(keys, identifier, "keys");
    doomed.set(key.keyId, key);
    named.push(nameBack(key, identifier));
  }
  for (const alias of aliases) {
    const key = keys.find((candidate) => candidate.keyAlias === alias);
    if (key === undefined) throw notFound("key", alias, "key_aliases");
    doomed.set(key.keyId, key);
    named.push(alias);
  }
  for (const key of doomed.values()) requireWritable(context, keyEntity, key);
  for (const key of doomed.values()) {
    await deleteAudited(context, actor, keyEntity, "key.delete", key);
  }
  await context.changed();
  return { body: { deleted_keys: named }, ignored: [] };
}

export async function setKeyBlocked(context: AdminContext, actor: string, body: Body, blocked: boolean): Promise<AdminResult> {
  checkFields(body, oneKeyRules);
  const key = requireKey(await context.keys(), readRequiredIdentifier(body, "key"), "key");
  requireWritable(context, keyEntity, key);
  if (key.blocked === blocked) return { body: await keyWithSpend(context, key), ignored: [] };
  const updated = { ...key, blocked, updatedAt: context.nowIso() };
  await saveChange(context, actor, keyEntity, blocked ? "key.block" : "key.unblock", key, updated);
  return { body: await keyWithSpend(context, updated), ignored: [] };
}

export async function listKeys(context: AdminContext, query: URLSearchParams): Promise<AdminResult> {
  const page = readQueryInteger(query, "page", 1, 1, 1_000_000);
  const size = readQueryInteger(query, "size", 10, 1, 100);
  if ((query.get("organization_id") ?? "") !== "") {
    throw invalidRequest("gw has no organizations; filter by team_id or user_id instead.", "organization_id", "unsupported_parameter");
  }
  const userId = query.get("user_id");
  const teamId = query.get("team_id");
  const alias = query.get("key_alias");
  const keyHash = query.get("key_hash");
  const fullObjects = query.get("return_full_object") === "true";
  const matching = (await context.keys())
    .filter(
      (key) =>
        (userId === null || key.userId === userId) &&
        (teamId === null || key.teamId === teamId) &&
        (alias === null || key.keyAlias === alias) &&
        (keyHash === null || key.keyHash === keyHash || key.keyId === keyHash),
    )
    .sort((a, b) => (a.createdAt === b.createdAt ? b.keyId.localeCompare(a.keyId) : b.createdAt.localeCompare(a.createdAt)));
  const slice = matching.slice((page - 1) * size, page * size);
  const keys = fullObjects ? await Promise.all(slice.map((key) => keyWithSpend(context, key))) : slice.map((key) => key.keyId);
  return {
    body: { keys, total_count: matching.length, current_page: page, total_pages: Math.ceil(matching.length / size) },
    ignored: [],
  };
}
