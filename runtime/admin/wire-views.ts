/**
 * Entities as the admin API shows them: LiteLLM's snake_case field names where LiteLLM has the
 * field (models, max_budget, soft_budget, budget_duration, rpm_limit, tpm_limit,
 * max_parallel_requests, metadata, team_id, user_id, key_alias, tags, blocked, expires,
 * user_email, team_alias, created_at, updated_at). A key view never holds the key or its whole
 * hash: `token` is the key's id, `key_hash_prefix` the 12 hex characters spend rows carry.
 */
import type { BudgetSettings, EntityBase, LimitSettings, ManagedCustomer, ManagedKey, ManagedTeam, ManagedUser } from "../stores/ports.ts";
import { keyHashPrefix } from "./key-secret.ts";

export interface BudgetView {
  max_budget: number | null;
  soft_budget: number | null;
  budget_duration: string | null;
  rpm_limit: number | null;
  tpm_limit: number | null;
  max_parallel_requests: number | null;
}

interface EntityView extends BudgetView {
  models: string[];
  metadata: Record<string, unknown>;
  from_config: boolean;
  created_at: string;
  updated_at: string;
}

export interface KeyView extends EntityView {
  token: string;
  key_alias: string | null;
  key_hash_prefix: string;
  team_id: string | null;
  user_id: string | null;
  tags: string[];
  blocked: boolean;
  expires: string | null;
  admin: boolean;
}

export interface TeamView extends EntityView {
  team_id: string;
  team_alias: string | null;
  blocked: boolean;
}

export interface UserView extends EntityView {
  user_id: string;
  user_email: string | null;
  teams: string[];
}

export interface CustomerView extends EntityView {
  /** LiteLLM names an end user (customer) `user_id`. */
  user_id: string;
  blocked: boolean;
  alias: null;
  allowed_model_region: null;
  default_model: null;
  /** LiteLLM nests a customer's budget and limits here; gw also returns them flat. null when none is set. */
  litellm_budget_table: BudgetView | null;
}

function toBudgetView(entity: BudgetSettings & LimitSettings): BudgetView {
  return {
    max_budget: entity.maxBudget,
    soft_budget: entity.softBudget,
    budget_duration: entity.budgetDuration,
    rpm_limit: entity.rpmLimit,
    tpm_limit: entity.tpmLimit,
    max_parallel_requests: entity.maxParallelRequests,
  };
}

function toEntityView(entity: EntityBase): EntityView {
  return {
    models: entity.models,
    metadata: entity.metadata,
    ...toBudgetView(entity),
    from_config: entity.fromConfig,
    created_at: entity.createdAt,
    updated_at: entity.updatedAt,
  };
}

export function toKeyView(key: ManagedKey): KeyView {
  return {
    token: key.keyId,
    key_alias: key.keyAlias,
    key_hash_prefix: keyHashPrefix(key.keyHash),
    team_id: key.teamId,
    user_id: key.userId,
    tags: key.tags,
    blocked: key.blocked,
    expires: key.expiresAt,
    admin: key.admin,
    ...toEntityView(key),
  };
}

export function toTeamView(team: ManagedTeam): TeamView {
  return { team_id: team.teamId, team_alias: team.teamAlias, blocked: team.blocked, ...toEntityView(team) };
}

export function toUserView(user: ManagedUser): UserView {
  return { user_id: user.userId, user_email: user.userEmail, teams: user.teamIds, ...toEntityView(user) };
}

export function toCustomerView(customer: ManagedCustomer): CustomerView {
  const budget = toBudgetView(customer);
  const hasBudget = Object.values(budget).some((value) => value !== null);
  return {
    user_id: customer.customerId,
    blocked: customer.blocked,
    alias: null,
    allowed_model_region: null,
    default_model: null,
    ...toEntityView(customer),
    litellm_budget_table: hasBudget ? budget : null,
  };
}
