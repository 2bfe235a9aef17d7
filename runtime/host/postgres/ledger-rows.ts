/**
 * Ledger rows: from today's SpendRecord to the richer LedgerRow, and the one statement that
 * writes a batch of them together with the daily aggregates.
 */
import type { LedgerRow } from "../../stores/ports.ts";
import type { SpendRecord } from "../../stores/ports.ts";
import { isTransientConflict, type Sql, tableName } from "./connect.ts";

/** Key hash prefix, user, customer, tags, time to first token and error type are optional in a SpendRecord: null/empty when absent. */
export function ledgerRowFromSpendRecord(record: SpendRecord): LedgerRow {
  return {
    requestId: record.requestId,
    timestamp: record.timestamp,
    keyHashPrefix: record.keyHashPrefix ?? null,
    keyName: record.keyName,
    team: record.team,
    user: record.user ?? null,
    customer: record.customer ?? null,
    tags: record.tags === undefined ? [] : [...record.tags],
    model: record.model,
    deployment: record.deployment,
    provider: record.provider,
    inputTokens: record.inputTokens,
    outputTokens: record.outputTokens,
    cacheReadTokens: record.cacheReadTokens,
    cacheWriteTokens: record.cacheWriteTokens,
    reasoningTokens: record.reasoningTokens,
    costUsd: record.costUsd,
    latencyMs: record.latencyMs,
    timeToFirstTokenMs: record.timeToFirstTokenMs ?? null,
    status: record.status,
    errorType: record.errorType ?? null,
    stream: record.stream,
    usageEstimated: record.usageEstimated === true,
  };
}

const finite = (value: number, fallback = 0): number => (Number.isFinite(value) ? value : fallback);
const count = (value: number): number => Math.max(0, Math.min(2_147_483_647, Math.round(finite(value))));

/**
 * A copy fit for the ledger: whole token counts, finite numbers, each tag once. A row the
 * database would reject (e.g. NaN cost) would otherwise block its whole batch.
 */
export function normalizeLedgerRow(row: LedgerRow): LedgerRow {
  return {
    requestId: String(row.requestId),
    timestamp: Math.round(finite(row.timestamp, Date.now())),
    keyHashPrefix: row.keyHashPrefix ?? null,
    keyName: row.keyName ?? null,
    team: row.team ?? null,
    user: row.user ?? null,
    customer: row.customer ?? null,
    tags: [...new Set((row.tags ?? []).map(String))],
    model: String(row.model),
    deployment: String(row.deployment),
    provider: String(row.provider),
    inputTokens: count(row.inputTokens),
    outputTokens: count(row.outputTokens),
    cacheReadTokens: count(row.cacheReadTokens),
    cacheWriteTokens: count(row.cacheWriteTokens),
    reasoningTokens: count(row.reasoningTokens),
    costUsd: finite(row.costUsd),
    latencyMs: finite(row.latencyMs),
    timeToFirstTokenMs: row.timeToFirstTokenMs === null || !Number.isFinite(row.timeToFirstTokenMs) ? null : row.timeToFirstTokenMs,
    status: Math.round(finite(row.status)),
    errorType: row.errorType ?? null,
    stream: row.stream === true,
    // Rows spooled before the column existed lack it.
    usageEstimated: row.usageEstimated === true,
  };
}

/** Unix ms -> timestamptz, exactly (no float seconds). */
export const fromUnixMs = (parameter: string): string => `(timestamptz 'epoch' + ${parameter} * interval '1 millisecond')`;
/** timestamptz -> Unix ms as float8 (a whole number for values written by gw). */
export const toUnixMs = (column: string): string => `(extract(epoch from ${column}) * 1000)::float8`;
/** The UTC day of a timestamptz. */
export const utcDay = (column: string): string => `((${column}) AT TIME ZONE 'UTC')::date`;

export interface LedgerWriter {
  /** Inserts the rows (idempotent by request id) and adds the new ones to the aggregates; returns how many were new. */
  insert(rows: readonly LedgerRow[]): Promise<number>;
}

/**
 * The batch is one statement, hence one transaction: the ledger insert, then the aggregate
 * upserts fed from its RETURNING (rows already in the ledger are skipped by ON CONFLICT and so
 * never reach the aggregates). Input is one JSON parameter, so the statement is prepared once
 * and a batch has no parameter-count limit. Rows and aggregate keys are processed in key order,
 * which keeps concurrent writers (other replicas) from deadlocking on each other's rows; a
 * deadlock or serialization failure is retried (nothing was committed).
 */
export function createLedgerWriter(sql: Sql, schema: string | undefined): LedgerWriter {
  const ledger = tableName(schema, "spend_ledger");
  const daily = tableName(schema, "spend_daily");
  const dailyTags = tableName(schema, "spend_daily_tags");
  const statement = `
WITH input AS (
  SELECT DISTINCT ON (r."requestId") r.*
  FROM json_to_recordset($1::text::json) AS r(
    "requestId" text, "timestamp" double precision, "keyHashPrefix" text, "keyName" text, "team" text, "user" text,
    "customer" text, "tags" text[], "model" text, "deployment" text, "provider" text, "inputTokens" integer,
    "outputTokens" integer, "cacheReadTokens" integer, "cacheWriteTokens" integer, "reasoningTokens" integer,
    "costUsd" double precision, "latencyMs" double precision, "timeToFirstTokenMs" double precision, "status" integer,
    "errorType" text, "stream" boolean, "usageEstimated" boolean)
  ORDER BY r."requestId"
), inserted AS (
  INSERT INTO ${ledger} (request_id, ts, key_prefix, key_name, team_id, user_id, customer_id, tags, model, deployment, provider,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, latency_ms, ttft_ms,
    status, error_type, stream, usage_estimated)
  SELECT "requestId", ${fromUnixMs('"timestamp"')}, "keyHashPrefix", "keyName", "team", "user", "customer", coalesce("tags", '{}'),
    "model", "deployment", "provider", "inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "reasoningTokens",
    "costUsd", "latencyMs", "timeToFirstTokenMs", "status", "errorType", "stream", coalesce("usageEstimated", false)
  FROM input ORDER BY "requestId"
  ON CONFLICT (request_id) DO NOTHING
  RETURNING ts, key_prefix, team_id, user_id, customer_id, model, tags, status, input_tokens, output_tokens,
    cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd
), daily AS (
  INSERT INTO ${daily} AS d (day, team_id, key_prefix, user_id, customer_id, model, requests, failed_requests, input_tokens,
    output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd)
  SELECT ${utcDay("ts")}, coalesce(team_id, ''), coalesce(key_prefix, ''), coalesce(user_id, ''), coalesce(customer_id, ''), model,
    count(*), count(*) FILTER (WHERE status >= 400), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens),
    sum(cache_write_tokens), sum(reasoning_tokens), sum(cost_usd::numeric)
  FROM inserted GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (day, team_id, key_prefix, user_id, customer_id, model) DO UPDATE SET
    requests = d.requests + excluded.requests,
    failed_requests = d.failed_requests + excluded.failed_requests,
    input_tokens = d.input_tokens + excluded.input_tokens,
    output_tokens = d.output_tokens + excluded.output_tokens,
    cache_read_tokens = d.cache_read_tokens + excluded.cache_read_tokens,
    cache_write_tokens = d.cache_write_tokens + excluded.cache_write_tokens,
    reasoning_tokens = d.reasoning_tokens + excluded.reasoning_tokens,
    cost_usd = d.cost_usd + excluded.cost_usd
  RETURNING 1
), tagged AS (
  INSERT INTO ${dailyTags} AS t (day, tag, requests, failed_requests, input_tokens, output_tokens, cost_usd)
  SELECT ${utcDay("ts")}, tag, count(*), count(*) FILTER (WHERE status >= 400), sum(input_tokens), sum(output_tokens), sum(cost_usd::numeric)
  FROM inserted CROSS JOIN LATERAL unnest(tags) AS tag GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (day, tag) DO UPDATE SET
    requests = t.requests + excluded.requests,
    failed_requests = t.failed_requests + excluded.failed_requests,
    input_tokens = t.input_tokens + excluded.input_tokens,
    output_tokens = t.output_tokens + excluded.output_tokens,
    cost_usd = t.cost_usd + excluded.cost_usd
  RETURNING 1
)
SELECT (SELECT count(*) FROM inserted)::integer AS inserted, (SELECT count(*) FROM daily)::integer AS daily,
  (SELECT count(*) FROM tagged)::integer AS tagged`;

  return {
    async insert(rows) {
      if (rows.length === 0) return 0;
      const payload = JSON.stringify(rows);
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await sql.unsafe<{ inserted: number }[]>(statement, [payload], { prepare: true });
          return result[0]?.inserted ?? 0;
        } catch (error) {
          if (attempt >= 5 || !isTransientConflict(error)) throw error;
        }
      }
    },
  };
}
