-- Keys, teams, users and customers managed at run time, and the audit log of admin changes.
-- Keys are stored by hash only. Lists (models, tags, team ids) and metadata are JSONB.
-- No foreign keys between entities: teams and keys declared in the config live beside these rows
-- (the admin API checks references), and deleting a team must not silently delete its keys.

CREATE TABLE teams (
  team_id               text PRIMARY KEY,
  team_alias            text,
  blocked               boolean NOT NULL DEFAULT false,
  models                jsonb NOT NULL DEFAULT '[]',
  metadata              jsonb NOT NULL DEFAULT '{}',
  max_budget            double precision,
  soft_budget           double precision,
  budget_duration       text,
  rpm_limit             bigint,
  tpm_limit             bigint,
  max_parallel_requests bigint,
  from_config           boolean NOT NULL DEFAULT false,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL
);

CREATE TABLE api_keys (
  key_id                text PRIMARY KEY,
  -- Lowercase hex SHA-256 of the key; the key itself is never stored.
  key_hash              text NOT NULL UNIQUE,
  key_alias             text,
  team_id               text,
  user_id               text,
  tags                  jsonb NOT NULL DEFAULT '[]',
  blocked               boolean NOT NULL DEFAULT false,
  expires_at            timestamptz,
  admin                 boolean NOT NULL DEFAULT false,
  models                jsonb NOT NULL DEFAULT '[]',
  metadata              jsonb NOT NULL DEFAULT '{}',
  max_budget            double precision,
  soft_budget           double precision,
  budget_duration       text,
  rpm_limit             bigint,
  tpm_limit             bigint,
  max_parallel_requests bigint,
  from_config           boolean NOT NULL DEFAULT false,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL
);
CREATE INDEX api_keys_team ON api_keys (team_id);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE users (
  user_id               text PRIMARY KEY,
  user_email            text,
  team_ids              jsonb NOT NULL DEFAULT '[]',
  models                jsonb NOT NULL DEFAULT '[]',
  metadata              jsonb NOT NULL DEFAULT '{}',
  max_budget            double precision,
  soft_budget           double precision,
  budget_duration       text,
  rpm_limit             bigint,
  tpm_limit             bigint,
  max_parallel_requests bigint,
  from_config           boolean NOT NULL DEFAULT false,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL
);

CREATE TABLE customers (
  customer_id           text PRIMARY KEY,
  blocked               boolean NOT NULL DEFAULT false,
  models                jsonb NOT NULL DEFAULT '[]',
  metadata              jsonb NOT NULL DEFAULT '{}',
  max_budget            double precision,
  soft_budget           double precision,
  budget_duration       text,
  rpm_limit             bigint,
  tpm_limit             bigint,
  max_parallel_requests bigint,
  from_config           boolean NOT NULL DEFAULT false,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL
);

-- Append-only. Listed newest first by id: ids sort in time order as plain strings
-- (runtime/admin/audit.ts), hence the "C" collation (byte order, as JavaScript compares them).
CREATE TABLE audit_log (
  id                    text COLLATE "C" PRIMARY KEY,
  at                    timestamptz NOT NULL,
  actor                 text NOT NULL,
  action                text NOT NULL,
  entity                text NOT NULL,
  entity_id             text NOT NULL,
  before                jsonb,
  after                 jsonb
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id DESC);
