/** /team/* operations (LiteLLM's team management API). LiteLLM keeps a team's `tags` in its metadata; so does gw. */
import { randomUUID } from "node:crypto";
import { invalidRequest } from "../http/errors.ts";
import type { ManagedTeam } from "../stores/ports.ts";
import type { AdminContext } from "./admin-context.ts";
import { deleteAudited, type EntityAccess, newEntityBase, putAudited, requireEntity, requireUnusedId, requireWritable, saveChange, withSpend } from "./entity-write.ts";
import { type AdminResult, keyEntity } from "./key-admin.ts";
import {
  type Body,
  type CommonFields,
  checkFields,
  commonFieldNames,
  definedOnly,
  type FieldRules,
  readBoolean,
  readCommonFields,
  readIdentifier,
  readIdentifierList,
  readRequiredIdentifier,
} from "./parse-fields.ts";
import { userEntity } from "./user-admin.ts";
import { toKeyView, toTeamView } from "./wire-views.ts";

export const teamEntity: EntityAccess<ManagedTeam> = {
  kind: "team",
  title: "Team",
  id: (team) => team.teamId,
  view: toTeamView,
  put: (store, team) => store.putTeam(team),
};

const teamRules: FieldRules = {
  read: [...commonFieldNames, "team_id", "team_alias", "tags", "blocked"],
  ignored: ["admins", "members", "members_with_roles", "team_member_permissions", "rpm_limit_type", "tpm_limit_type"],
  unsupported: [
    "spend",
    "organization_id",
    "router_settings",
    "access_group_ids",
    "model_aliases",
    "guardrails",
    "policies",
    "prompts",
    "object_permission",
    "allowed_passthrough_routes",
    "secret_manager_settings",
    "model_rpm_limit",
    "model_tpm_limit",
    "team_member_budget",
    "team_member_rpm_limit",
    "team_member_tpm_limit",
    "team_member_key_duration",
    "team_member_budget_duration",
    "allowed_vector_store_indexes",
    "enforced_batch_output_expires_after",
    "enforced_file_expires_after",
  ],
};
const oneTeamRules: FieldRules = { read: ["team_id"], ignored: [], unsupported: [] };
const deleteTeamRules: FieldRules = { read: ["team_ids"], ignored: [], unsupported: [] };

interface TeamFields extends CommonFields {
  teamAlias?: string | null;
  blocked?: boolean;
}

function readTeamFields(body: Body, existingMetadata: Record<string, unknown>): TeamFields {
  const fields = definedOnly<TeamFields>({
    ...readCommonFields(body),
    teamAlias: readIdentifier(body, "team_alias"),
    blocked: readBoolean(body, "blocked"),
  });
  const tags = readIdentifierList(body, "tags");
  if (tags !== undefined) fields.metadata = { ...(fields.metadata ?? existingMetadata), tags };
  return fields;
}

export function requireTeam(teams: readonly ManagedTeam[], teamId: string, param: string): ManagedTeam {
  return requireEntity(teamEntity, teams, teamId, param);
}

function teamWithSpend(context: AdminContext, team: ManagedTeam) {
  return withSpend(context, teamEntity, team);
}

export async function newTeam(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  const ignored = checkFields(body, teamRules);
  const teamId = readIdentifier(body, "team_id") ?? randomUUID();
  const fields = readTeamFields(body, {});
  await requireUnusedId(context, teamEntity, () => context.teams(), teamId, "team_id");
  const now = context.nowIso();
  const team: ManagedTeam = {
    teamId,
    teamAlias: null,
    blocked: false,
    ...newEntityBase(now),
    ...fields,
  };
  await saveChange(context, actor, teamEntity, "team.new", null, team);
  return { body: { ...toTeamView(team), spend: 0 }, ignored };
}

export async function teamInfo(context: AdminContext, query: URLSearchParams): Promise<AdminResult> {
  const teamId = query.get("team_id");
  if (teamId === null || teamId === "") throw invalidRequest('Query parameter "team_id" is required.', "team_id", "missing_parameter");
  const [teams, keys, users] = await Promise.all([context.teams(), context.keys(), context.users()]);
  const team = requireTeam(teams, teamId, "team_id");
  const members = users.filter((user) => user.teamIds.includes(team.teamId));
  return {
    body: {
      team_id: team.teamId,
      // LiteLLM lists a team's members in `members_with_roles`; gw has no team roles, so each is a "user".
      team_info: { ...(await teamWithSpend(context, team)), members_with_roles: members.map((user) => ({ user_id: user.userId, user_email: user.userEmail, role: "user" })) },
      keys: keys.filter((key) => key.teamId === team.teamId).map(toKeyView),
      // No per-member budgets: LiteLLM's budget_id and litellm_budget_table are always null.
      team_memberships: members.map((user) => ({ user_id: user.userId, team_id: team.teamId, budget_id: null, litellm_budget_table: null })),
    },
    ignored: [],
  };
}

export async function updateTeam(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  const ignored = checkFields(body, teamRules);
  const team = requireTeam(await context.teams(), readRequiredIdentifier(body, "team_id"), "team_id");
  requireWritable(context, teamEntity, team);
  const updated: ManagedTeam = { ...team, ...readTeamFields(body, team.metadata), updatedAt: context.nowIso() };
  await saveChange(context, actor, teamEntity, "team.update", team, updated);
  return { body: { team_id: team.teamId, data: await teamWithSpend(context, updated) }, ignored };
}

/** Deletes the teams and, like LiteLLM, their keys; users stop being members. */
export async function deleteTeams(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  checkFields(body, deleteTeamRules);
  const teamIds = readIdentifierList(body, "team_ids") ?? [];
  if (teamIds.length === 0) throw invalidRequest('Send the teams to delete in "team_ids".', "team_ids", "missing_parameter");
  const [teams, keys, users] = await Promise.all([context.teams(), context.keys(), context.users()]);
  const doomed = teamIds.map((teamId) => requireTeam(teams, teamId, "team_ids"));
  for (const team of doomed) requireWritable(context, teamEntity, team);
  const now = context.nowIso();
  for (const key of keys.filter((candidate) => candidate.teamId !== null && teamIds.includes(candidate.teamId))) {
    await deleteAudited(context, actor, keyEntity, "key.delete", key);
  }
  for (const user of users.filter((candidate) => !candidate.fromConfig && candidate.teamIds.some((teamId) => teamIds.includes(teamId)))) {
    const updated = { ...user, teamIds: user.teamIds.filter((teamId) => !teamIds.includes(teamId)), updatedAt: now };
    await putAudited(context, actor, userEntity, "user.update", user, updated);
  }
  for (const team of doomed) {
    await deleteAudited(context, actor, teamEntity, "team.delete", team);
  }
  await context.changed();
  return { body: { deleted_teams: teamIds }, ignored: [] };
}

export async function listTeams(context: AdminContext, query: URLSearchParams): Promise<AdminResult> {
  const userId = query.get("user_id");
  let teams = await context.teams();
  if (userId !== null && userId !== "") {
    const user = (await context.users()).find((candidate) => candidate.userId === userId);
    teams = user === undefined ? [] : teams.filter((team) => user.teamIds.includes(team.teamId));
  }
  teams.sort((a, b) => (a.createdAt === b.createdAt ? a.teamId.localeCompare(b.teamId) : a.createdAt.localeCompare(b.createdAt)));
  return { body: await Promise.all(teams.map((team) => teamWithSpend(context, team))), ignored: [] };
}

export async function setTeamBlocked(context: AdminContext, actor: string, body: Body, blocked: boolean): Promise<AdminResult> {
  checkFields(body, oneTeamRules);
  const team = requireTeam(await context.teams(), readRequiredIdentifier(body, "team_id"), "team_id");
  requireWritable(context, teamEntity, team);
  if (team.blocked === blocked) return { body: await teamWithSpend(context, team), ignored: [] };
  const updated = { ...team, blocked, updatedAt: context.nowIso() };
  await saveChange(context, actor, teamEntity, blocked ? "team.block" : "team.unblock", team, updated);
  return { body: await teamWithSpend(context, updated), ignored: [] };
}
