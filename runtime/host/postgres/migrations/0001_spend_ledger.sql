-- The spend ledger: one row per request, keyed by request id (inserts are idempotent).
-- Reports read the daily aggregates below, never the ledger; the writer increments them in the
-- same statement as the ledger insert, and only for rows that insert actually added (RETURNING),
-- so a replayed batch never counts twice.

CREATE TABLE spend_ledger (
  request_id          text PRIMARY KEY,
  ts                  timestamptz NOT NULL,
  -- First 12 hex characters of the key's SHA-256; NULL for the master key or an open gateway.
  key_prefix          text,
  key_name            text,
  team_id             text,
  user_id             text,
  customer_id         text,
  tags                text[] NOT NULL DEFAULT '{}',
  model               text NOT NULL,
  deployment          text NOT NULL,
  provider            text NOT NULL,
  input_tokens        integer NOT NULL,
  output_tokens       integer NOT NULL,
  cache_read_tokens   integer NOT NULL,
  cache_write_tokens  integer NOT NULL,
  reasoning_tokens    integer NOT NULL,
  cost_usd            double precision NOT NULL,
  latency_ms          double precision NOT NULL,
  ttft_ms             double precision,
  status              integer NOT NULL,
  error_type          text,
  stream              boolean NOT NULL,
  inserted_at         timestamptz NOT NULL DEFAULT now()
);

-- /spend/logs pages newest first by (ts, request_id), optionally filtered by one of these columns.
CREATE INDEX spend_ledger_ts ON spend_ledger (ts DESC, request_id DESC);
CREATE INDEX spend_ledger_key_ts ON spend_ledger (key_prefix, ts DESC, request_id DESC);
CREATE INDEX spend_ledger_team_ts ON spend_ledger (team_id, ts DESC, request_id DESC);
CREATE INDEX spend_ledger_user_ts ON spend_ledger (user_id, ts DESC, request_id DESC);
CREATE INDEX spend_ledger_customer_ts ON spend_ledger (customer_id, ts DESC, request_id DESC);
CREATE INDEX spend_ledger_model_ts ON spend_ledger (model, ts DESC, request_id DESC);
CREATE INDEX spend_ledger_tags ON spend_ledger USING gin (tags);

-- Totals per UTC day and (team, key, user, customer, model). '' stands for "none", so that the
-- primary key (which cannot hold NULL) identifies every combination.
CREATE TABLE spend_daily (
  day                 date NOT NULL,
  team_id             text NOT NULL,
  key_prefix          text NOT NULL,
  user_id             text NOT NULL,
  customer_id         text NOT NULL,
  model               text NOT NULL,
  requests            bigint NOT NULL,
  failed_requests     bigint NOT NULL,
  input_tokens        bigint NOT NULL,
  output_tokens       bigint NOT NULL,
  cache_read_tokens   bigint NOT NULL,
  cache_write_tokens  bigint NOT NULL,
  reasoning_tokens    bigint NOT NULL,
  cost_usd            numeric NOT NULL,
  PRIMARY KEY (day, team_id, key_prefix, user_id, customer_id, model)
);
CREATE INDEX spend_daily_team ON spend_daily (team_id, day);

-- Totals per UTC day and tag (a request with several tags counts once under each).
CREATE TABLE spend_daily_tags (
  day                 date NOT NULL,
  tag                 text NOT NULL,
  requests            bigint NOT NULL,
  failed_requests     bigint NOT NULL,
  input_tokens        bigint NOT NULL,
  output_tokens       bigint NOT NULL,
  cost_usd            numeric NOT NULL,
  PRIMARY KEY (day, tag)
);
