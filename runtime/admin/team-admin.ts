/** /team/* operations (LiteLLM's team management API). LiteLLM keeps a team's `tags` in its metadata; so does gw. */
import { randomUUID } from "node:crypto";
import { invalidRequest } from "../errors.ts";
import type { ManagedTeam } from "../governance/ports.ts";
import { type AdminContext, notFound, readOnly } from "./admin-context.ts";
import type { AdminResult } from "./key-admin.ts";
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
import { toKeyView, toTeamView, toUserView } from "./wire-views.ts";

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
  const team = teams.find((candidate) => candidate.teamId === teamId);
  if (team === undefined) throw notFound("team", teamId, param);
  return team;
}

function requireWritable(context: AdminContext, team: ManagedTeam): void {
  if (team.fromConfig || context.isFromConfig("team", team.teamId)) throw readOnly("team", team.teamId);
}

async function teamWithSpend(context: AdminContext, team: ManagedTeam) {
  return { ...toTeamView(team), spend: await context.spendOf({ kind: "team", id: team.teamId }) };
}

export async function newTeam(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  const ignored = checkFields(body, teamRules);
  const teamId = readIdentifier(body, "team_id") ?? randomUUID();
  const fields = readTeamFields(body, {});
  if (context.isFromConfig("team", teamId)) throw readOnly("team", teamId);
  if ((await context.teams()).some((team) => team.teamId === teamId)) {
    throw invalidRequest(`Team "${teamId}" already exists. Change it with POST /team/update.`, "team_id", "team_exists");
  }
  const now = context.nowIso();
  const team: ManagedTeam = {
    teamId,
    teamAlias: null,
    blocked: false,
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
    ...fields,
  };
  await context.audit(actor, "team.new", "team", teamId, null, toTeamView(team));
  await context.store.putTeam(team);
  await context.changed();
  return { body: { ...toTeamView(team), spend: 0 }, ignored };
}

export async function teamInfo(context: AdminContext, query: URLSearchParams): Promise<AdminResult> {
  const teamId = query.get("team_id");
  if (teamId === null || teamId === "") throw invalidRequest('Query parameter "team_id" is required.', "team_id", "missing_parameter");
  const [teams, keys, users] = await Promise.all([context.teams(), context.keys(), context.users()]);
  const team = requireTeam(teams, teamId, "team_id");
  return {
    body: {
      team_id: team.teamId,
      team_info: await teamWithSpend(context, team),
      keys: keys.filter((key) => key.teamId === team.teamId).map(toKeyView),
      team_memberships: users.filter((user) => user.teamIds.includes(team.teamId)).map((user) => ({ user_id: user.userId, team_id: team.teamId })),
    },
    ignored: [],
  };
}

export async function updateTeam(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  const ignored = checkFields(body, teamRules);
  const team = requireTeam(await context.teams(), readRequiredIdentifier(body, "team_id"), "team_id");
  requireWritable(context, team);
  const updated: ManagedTeam = { ...team, ...readTeamFields(body, team.metadata), updatedAt: context.nowIso() };
  await context.audit(actor, "team.update", "team", team.teamId, toTeamView(team), toTeamView(updated));
  await context.store.putTeam(updated);
  await context.changed();
  return { body: { team_id: team.teamId, data: await teamWithSpend(context, updated) }, ignored };
}

/** Deletes the teams and, like LiteLLM, their keys; users stop being members. */
export async function deleteTeams(context: AdminContext, actor: string, body: Body): Promise<AdminResult> {
  checkFields(body, deleteTeamRules);
  const teamIds = readIdentifierList(body, "team_ids") ?? [];
  if (teamIds.length === 0) throw invalidRequest('Send the teams to delete in "team_ids".', "team_ids", "missing_parameter");
  const [teams, keys, users] = await Promise.all([context.teams(), context.keys(), context.users()]);
  const doomed = teamIds.map((teamId) => requireTeam(teams, teamId, "team_ids"));
  for (const team of doomed) requireWritable(context, team);
  const now = context.nowIso();
  for (const key of keys.filter((candidate) => candidate.teamId !== null && teamIds.includes(candidate.teamId))) {
    await context.audit(actor, "key.delete", "key", key.keyId, toKeyView(key), null);
    await context.store.deleteEntity("key", key.keyId);
  }
  for (const user of users.filter((candidate) => !candidate.fromConfig && candidate.teamIds.some((teamId) => teamIds.includes(teamId)))) {
    const updated = { ...user, teamIds: user.teamIds.filter((teamId) => !teamIds.includes(teamId)), updatedAt: now };
    await context.audit(actor, "user.update", "user", user.userId, toUserView(user), toUserView(updated));
    await context.store.putUser(updated);
  }
  for (const team of doomed) {
    await context.audit(actor, "team.delete", "team", team.teamId, toTeamView(team), null);
    await context.store.deleteEntity("team", team.teamId);
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
  requireWritable(context, team);
  if (team.blocked === blocked) return { body: await teamWithSpend(context, team), ignored: [] };
  const updated = { ...team, blocked, updatedAt: context.nowIso() };
  await context.audit(actor, blocked ? "team.block" : "team.unblock", "team", team.teamId, toTeamView(team), toTeamView(updated));
  await context.store.putTeam(updated);
  await context.changed();
  return { body: await teamWithSpend(context, updated), ignored: [] };
}
