/**
 * /user/* operations (LiteLLM's internal-user API). Like LiteLLM, /user/new also creates a key
 * for the user unless `auto_create_key` is false; the key is shown once, in that response.
 */
import { randomUUID } from "node:crypto";
import { invalidRequest } from "../http/errors.ts";
import type { ManagedTeam, ManagedUser } from "../stores/ports.ts";
import { type AdminContext, notFound } from "./admin-context.ts";
import { deleteAudited, type EntityAccess, newEntityBase, putAudited, requireEntity, requireUnusedId, requireWritable, saveChange, withSpend } from "./entity-write.ts";
import { type AdminResult, commitNewKey, keyEntity, newKeyFields, prepareNewKey } from "./key-admin.ts";
import {
  type Body,
  type CommonFields,
  checkFields,
  checkIdentifier,
  commonFieldNames,
  definedOnly,
  type FieldRules,
  readBoolean,
  readCommonFields,
  readIdentifier,
  readIdentifierList,
  readQueryInteger,
} from "./parse-fields.ts";
import { toKeyView, toTeamView, toUserView } from "./wire-views.ts";

export const userEntity: EntityAccess<ManagedUser> = {
  kind: "user",
  title: "User",
  id: (user) => user.userId,
  view: toUserView,
  put: (store, user) => store.putUser(user),
};

const ignoredUserFields = ["user_alias", "user_role", "send_invite_email", "sso_user_id", "password", "allowed_cache_controls", "rpm_limit_type", "tpm_limit_type"];
const unsupportedUserFields = [
  "organizations",
  "spend",
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
  "agent_id",
  "budget_id",
  "blocked",
];
const userFieldNames = [...commonFieldNames, "user_id", "user_email", "teams", "team_id"];
/** `key_alias` and `duration` apply to the key /user/new creates. */
const newUserRules: FieldRules = { read: [...userFieldNames, "auto_create_key", "key_alias", "duration"], ignored: ignoredUserFields, unsupported: unsupportedUserFields };
const updateUserRules: FieldRules = { read: userFieldNames, ignored: [...ignoredUserFields, "key_alias", "duration"], unsupported: unsupportedUserFields };
const deleteUserRules: FieldRules = { read: ["user_ids"], ignored: [], unsupported: [] };

interface UserFields extends CommonFields {
  userEmail?: string | null;
  teamIds?: string[];
}

/** LiteLLM's `teams`: a list of team ids, or of `{team_id, ...}` objects. */
function readTeams(body: Body): string[] | undefined {
  const value = body.teams;
  if (!Array.isArray(value)) return readIdentifierList(body, "teams");
  return [...new Set(value.map((item, index) => checkIdentifier(typeof item === "object" && item !== null ? (item as Body).team_id : item, `teams[${index}]`)))];
}

function readUserFields(body: Body, teams: readonly ManagedTeam[]): UserFields {
  const fields = definedOnly<UserFields>({ ...readCommonFields(body), userEmail: readIdentifier(body, "user_email"), teamIds: readTeams(body) });
  const teamId = readIdentifier(body, "team_id");
  if (teamId !== undefined && teamId !== null && !(fields.teamIds ?? []).includes(teamId)) fields.teamIds = [...(fields.teamIds ?? []), teamId];
  const missing = (fields.teamIds ?? []).find((id) => !teams.some((team) => team.teamId === id));
  if (missing !== undefined) throw invalidRequest(`Team "${missing}" does not exist. Create it first (POST /team/new).`, "teams", "team_not_found");
  return fields;
}

function requireUser(users: readonly ManagedUser[], userId: string, param: string): ManagedUser {
  return requireEntity(userEntity, users, userId, param);
}

function userWithSpend(context: AdminContext, user: ManagedUser) {
  return withSpend(context, userEntity, user);
}

export async function newUser(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  const ignored = checkFields(body, newUserRules);
  const userId = readIdentifier(body, "user_id") ?? randomUUID();
  const autoCreateKey = readBoolean(body, "auto_create_key") ?? true;
  const [teams, users] = await Promise.all([context.teams(), context.users()]);
  const fields = readUserFields(body, teams);
  await requireUnusedId(context, userEntity, async () => users, userId, "user_id");
  const now = context.nowIso();
  const user: ManagedUser = {
    userId,
    userEmail: null,
    teamIds: [],
    ...newEntityBase(now),
    ...fields,
  };
  // The key's fields are checked before anything is written.
  const keyBody: Body = { user_id: userId };
  for (const name of ["key_alias", "duration", "team_id"]) if (body[name] !== undefined) keyBody[name] = body[name];
  const key = autoCreateKey ? await prepareNewKey(context, keyBody) : null;
  await putAudited(context, actor, userEntity, "user.new", null, user);
  const answer: Record<string, unknown> = { ...toUserView(user), spend: 0 };
  if (key === null) await context.changed();
  else {
    await commitNewKey(context, actor, key);
    Object.assign(answer, { ...newKeyFields(key.key, key.secret), token: key.key.keyId, key_alias: key.key.keyAlias, expires: key.key.expiresAt });
  }
  return { body: answer, ignored };
}

export async function userInfo(context: AdminContext, query: URLSearchParams): Promise<AdminResult> {
  const userId = query.get("user_id");
  if (userId === null || userId === "") throw invalidRequest('Query parameter "user_id" is required.', "user_id", "missing_parameter");
  const [users, keys, teams] = await Promise.all([context.users(), context.keys(), context.teams()]);
  const user = requireUser(users, userId, "user_id");
  return {
    body: {
      user_id: user.userId,
      user_info: await userWithSpend(context, user),
      keys: keys.filter((key) => key.userId === user.userId).map(toKeyView),
      teams: teams.filter((team) => user.teamIds.includes(team.teamId)).map(toTeamView),
    },
    ignored: [],
  };
}

export async function updateUser(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  const ignored = checkFields(body, updateUserRules);
  const [users, teams] = await Promise.all([context.users(), context.teams()]);
  const userId = readIdentifier(body, "user_id");
  let user: ManagedUser;
  if (userId !== undefined && userId !== null) user = requireUser(users, userId, "user_id");
  else {
    // LiteLLM also finds the user by email when no user_id is given.
    const email = readIdentifier(body, "user_email");
    if (email === undefined || email === null) throw invalidRequest('Send "user_id" (or "user_email") of the user to change.', "user_id", "missing_parameter");
    const byEmail = users.find((candidate) => candidate.userEmail === email);
    if (byEmail === undefined) throw notFound("user", email, "user_email");
    user = byEmail;
  }
  requireWritable(context, userEntity, user);
  const fields = readUserFields(body, teams);
  const updated: ManagedUser = { ...user, ...fields, updatedAt: context.nowIso() };
  await saveChange(context, actor, userEntity, "user.update", user, updated);
  return { body: await userWithSpend(context, updated), ignored };
}

/** Deletes the users and, like LiteLLM, their keys. */
export async function deleteUsers(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  checkFields(body, deleteUserRules);
  const userIds = readIdentifierList(body, "user_ids") ?? [];
  if (userIds.length === 0) throw invalidRequest('Send the users to delete in "user_ids".', "user_ids", "missing_parameter");
  const [users, keys] = await Promise.all([context.users(), context.keys()]);
  const doomed = userIds.map((userId) => requireUser(users, userId, "user_ids"));
  for (const user of doomed) requireWritable(context, userEntity, user);
  for (const key of keys.filter((candidate) => !candidate.fromConfig && candidate.userId !== null && userIds.includes(candidate.userId))) {
    await deleteAudited(context, actor, keyEntity, "key.delete", key);
  }
  for (const user of doomed) {
    await deleteAudited(context, actor, userEntity, "user.delete", user);
  }
  await context.changed();
  return { body: { deleted_users: userIds }, ignored: [] };
}

export async function listUsers(context: AdminContext, query: URLSearchParams): Promise<AdminResult> {
  const page = readQueryInteger(query, "page", 1, 1, 1_000_000);
  const pageSize = readQueryInteger(query, "page_size", 25, 1, 100);
  const ids = (query.get("user_ids") ?? "").split(",").filter((id) => id !== "");
  const teamId = query.get("team_id");
  const email = query.get("user_email");
  const matching = (await context.users())
    .filter(
      (user) =>
        (ids.length === 0 || ids.includes(user.userId)) &&
        (teamId === null || user.teamIds.includes(teamId)) &&
        (email === null || user.userEmail === email),
    )
    .sort((a, b) => (a.createdAt === b.createdAt ? a.userId.localeCompare(b.userId) : b.createdAt.localeCompare(a.createdAt)));
  const slice = matching.slice((page - 1) * pageSize, page * pageSize);
  return {
    body: {
      users: await Promise.all(slice.map((user) => userWithSpend(context, user))),
      total: matching.length,
      page,
      page_size: pageSize,
      total_pages: Math.ceil(matching.length / pageSize),
    },
    ignored: [],
  };
}
