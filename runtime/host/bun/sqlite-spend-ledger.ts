/**
 * The SQLite spend ledger's daily aggregates, its writer and its reads for /spend/logs and
 * /spend/report, as on Postgres (runtime/host/postgres/ledger-rows.ts, postgres-spend-queries.ts;
 * order, cursor and report days: runtime/spend/spend-query-rules.ts). Used by the worker thread
 * only (sqlite-spend-worker.ts), which owns the connection.
 *
 * Invariants:
 * - `spend_daily` and `spend_daily_tags` are changed only in the transaction that inserts the
 *   ledger rows, and only for rows that insert added (INSERT OR IGNORE reports no change for a
 *   request id already there), so a batch sent again after a worker crash never counts twice.
 * - Reports read only the aggregates, never the ledger.
 * - A database that predates the aggregates gets them, filled from its ledger, in one
 *   IMMEDIATE transaction on first open (so two openers never both fill them).
 */
import type { Database } from "bun:sqlite";
import { endReportDay, firstReportDay, utcDayOf } from "../../spend/spend-query-rules.ts";
import type { LedgerRow, SpendGroupBy, SpendLogsFilter, SpendReportRow } from "../../stores/ports.ts";

/** A /spend/logs query as the worker runs it: the cursor already decoded, `limit` already capped. */
export interface SqliteLogsQuery extends Omit<SpendLogsFilter, "cursor"> {
  after?: { timestamp: number; requestId: string };
}

/** A /spend/report query as the worker runs it. */
export interface SqliteReportQuery {
  groupBy: SpendGroupBy;
  from?: number;
  to?: number;
}

/** Totals per UTC day and (team, key, user, customer, model); '' stands for "none" (a primary key cannot hold NULL). */
const aggregatesSchema = `
CREATE TABLE spend_daily (
  day TEXT NOT NULL,
  team TEXT NOT NULL,
  key_prefix TEXT NOT NULL,
  user_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  model TEXT NOT NULL,
  requests INTEGER NOT NULL,
  failed_requests INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cache_read_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  PRIMARY KEY (day, team, key_prefix, user_id, customer_id, model)
) WITHOUT ROWID;
CREATE TABLE spend_daily_tags (
  day TEXT NOT NULL,
  tag TEXT NOT NULL,
  requests INTEGER NOT NULL,
  failed_requests INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  PRIMARY KEY (day, tag)
) WITHOUT ROWID;
`;

const dayOfTimestamp = "strftime('%Y-%m-%d', timestamp / 1000, 'unixepoch')";

/** The ledger's rows so far, into the new aggregates (once, when they are created). */
const backfill = `
INSERT INTO spend_daily (day, team, key_prefix, user_id, customer_id, model, requests, failed_requests, input_tokens,
  output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd)
SELECT ${dayOfTimestamp}, coalesce(team, ''), coalesce(key_prefix, ''), coalesce(user_id, ''), coalesce(customer_id, ''), model,
  count(*), sum(status >= 400), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_write_tokens),
  sum(reasoning_tokens), sum(cost_usd)
FROM spend GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO spend_daily_tags (day, tag, requests, failed_requests, input_tokens, output_tokens, cost_usd)
SELECT ${dayOfTimestamp}, tag.value, count(*), sum(status >= 400), sum(input_tokens), sum(output_tokens), sum(cost_usd)
FROM spend, json_each(spend.tags) AS tag GROUP BY 1, 2;
`;

/** Creates the aggregate tables if missing and fills them from the ledger. Needs the `tags` column (sqlite-spend-store.ts). */
export function migrateSpendAggregates(database: Database): void {
  const present = (): boolean => database.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'spend_daily'").get() !== null;
  if (present()) return;
  database
    .transaction(() => {
      if (present()) return;
      database.run(aggregatesSchema);
      database.run(backfill);
    })
    .immediate();
}

/** Positions in a row tuple (sqlite-spend-store.ts spendColumns) that the aggregates read. */
export interface TupleIndexes {
  timestamp: number;
  team: number;
  keyPrefix: number;
  user: number;
  customer: number;
  model: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: number;
  status: number;
  tags: number;
}

export type SqliteRowTuple = (string | number | null | readonly string[])[];

/**
 * Inserts a batch of row tuples in one transaction, idempotent by request id, adding the new
 * ones to the aggregates. `tags` arrive as an array and are stored as a JSON array, each once.
 * `beforeCommit` runs inside the transaction (the worker's crash test hook).
 */
export function createSqliteLedgerWriter(
  database: Database,
  columns: readonly string[],
  at: TupleIndexes,
  beforeCommit: () => void = () => {},
): (rows: SqliteRowTuple[]) => void {
  const insert = database.prepare(`INSERT OR IGNORE INTO spend (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`);
  const addDaily = database.prepare(`
INSERT INTO spend_daily (day, team, key_prefix, user_id, customer_id, model, requests, failed_requests, input_tokens,
  output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd)
VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (day, team, key_prefix, user_id, customer_id, model) DO UPDATE SET
  requests = requests + 1,
  failed_requests = failed_requests + excluded.failed_requests,
  input_tokens = input_tokens + excluded.input_tokens,
  output_tokens = output_tokens + excluded.output_tokens,
  cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
  cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
  reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
  cost_usd = cost_usd + excluded.cost_usd`);
  const addDailyTag = database.prepare(`
INSERT INTO spend_daily_tags (day, tag, requests, failed_requests, input_tokens, output_tokens, cost_usd)
VALUES (?, ?, 1, ?, ?, ?, ?)
ON CONFLICT (day, tag) DO UPDATE SET
  requests = requests + 1,
  failed_requests = failed_requests + excluded.failed_requests,
  input_tokens = input_tokens + excluded.input_tokens,
  output_tokens = output_tokens + excluded.output_tokens,
  cost_usd = cost_usd + excluded.cost_usd`);
  const text = (value: unknown): string => (typeof value === "string" ? value : "");
  const number = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

  return database.transaction((rows: SqliteRowTuple[]) => {
    for (const row of rows) {
      const given = row[at.tags];
      const tags = Array.isArray(given) ? [...new Set(given.map(String))] : [];
      // The tuple was parsed for this write alone: it may be changed in place.
      row[at.tags] = JSON.stringify(tags);
      if (insert.run(...(row as (string | number | null)[])).changes === 0) continue;
      const day = utcDayOf(number(row[at.timestamp]));
      const failed = number(row[at.status]) >= 400 ? 1 : 0;
      const inputTokens = number(row[at.inputTokens]);
      const outputTokens = number(row[at.outputTokens]);
      const costUsd = number(row[at.costUsd]);
      addDaily.run(
        day,
        text(row[at.team]),
        text(row[at.keyPrefix]),
        text(row[at.user]),
        text(row[at.customer]),
        text(row[at.model]),
        failed,
        inputTokens,
        outputTokens,
        number(row[at.cacheReadTokens]),
        number(row[at.cacheWriteTokens]),
        number(row[at.reasoningTokens]),
        costUsd,
      );
      for (const tag of tags) addDailyTag.run(day, tag, failed, inputTokens, outputTokens, costUsd);
    }
    beforeCommit();
  });
}

interface LedgerSelectRow {
  request_id: string;
  timestamp: number;
  key_prefix: string | null;
  key_name: string | null;
  team: string | null;
  user_id: string | null;
  customer_id: string | null;
  tags: string | null;
  model: string;
  deployment: string;
  provider: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  latency_ms: number;
  ttft_ms: number | null;
  status: number;
  error_type: string | null;
  stream: number;
  usage_estimated: number;
}

const filterColumns = { key: "key_prefix", team: "team", user: "user_id", customer: "customer_id", model: "model" } as const;

/**
 * Ledger rows newest first, ties by request id descending, strictly after `after`; at most `limit`.
 * Each filter column has an index led by it, then the timestamp (sqlite-spend-store.ts), so a page
 * reads its rows in order and sorts only ties. A tag filter walks the time index newest first
 * until the page is full (a rare tag reads far; Postgres has a GIN index there).
 */
export function selectLedgerRows(database: Database, query: SqliteLogsQuery): LedgerRow[] {
  const conditions: string[] = [];
  const parameters: (string | number)[] = [];
  for (const [field, column] of Object.entries(filterColumns) as [keyof typeof filterColumns, string][]) {
    const value = query[field];
    if (value === undefined) continue;
    conditions.push(`${column} = ?`);
    parameters.push(value);
  }
  if (query.tag !== undefined) {
    conditions.push("EXISTS (SELECT 1 FROM json_each(spend.tags) WHERE value = ?)");
    parameters.push(query.tag);
  }
  if (query.from !== undefined) {
    conditions.push("timestamp >= ?");
    parameters.push(query.from);
  }
  if (query.to !== undefined) {
    conditions.push("timestamp < ?");
    parameters.push(query.to);
  }
  if (query.after !== undefined) {
    conditions.push("(timestamp, request_id) < (?, ?)");
    parameters.push(query.after.timestamp, query.after.requestId);
  }
  parameters.push(query.limit);
  const statement = database.query<LedgerSelectRow, (string | number)[]>(
    `SELECT request_id, timestamp, key_prefix, key_name, team, user_id, customer_id, tags, model, deployment, provider,
       input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, latency_ms, ttft_ms,
       status, error_type, stream, usage_estimated
     FROM spend ${conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`}
     ORDER BY timestamp DESC, request_id DESC LIMIT ?`,
  );
  return statement.all(...parameters).map(toLedgerRow);
}

const groupColumns: Record<Exclude<SpendGroupBy, "tag">, string> = {
  team: "team",
  key: "key_prefix",
  model: "model",
  user: "user_id",
  customer: "customer_id",
  day: "day",
};

/** Totals per group over the UTC days overlapping [from, to), from the aggregates only. */
export function selectSpendReport(database: Database, query: SqliteReportQuery): SpendReportRow[] {
  const table = query.groupBy === "tag" ? "spend_daily_tags" : "spend_daily";
  const group = query.groupBy === "tag" ? "tag" : groupColumns[query.groupBy];
  if (group === undefined) throw new Error(`cannot group spend by "${String(query.groupBy)}"`);
  const conditions: string[] = [];
  const parameters: string[] = [];
  if (query.from !== undefined) {
    conditions.push("day >= ?");
    parameters.push(firstReportDay(query.from));
  }
  if (query.to !== undefined) {
    conditions.push("day < ?");
    parameters.push(endReportDay(query.to));
  }
  const order = query.groupBy === "day" ? "grp" : "total_cost DESC, grp";
  const statement = database.query<{ grp: string; requests: number; input_tokens: number; output_tokens: number; total_cost: number }, string[]>(
    `SELECT ${group} AS grp, sum(requests) AS requests, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
       sum(cost_usd) AS total_cost
     FROM ${table} ${conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`}
     GROUP BY grp ORDER BY ${order}`,
  );
  return statement.all(...parameters).map((row) => ({
    group: row.grp,
    requests: row.requests,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    costUsd: row.total_cost,
  }));
}

function toLedgerRow(row: LedgerSelectRow): LedgerRow {
  return {
    requestId: row.request_id,
    timestamp: row.timestamp,
    keyHashPrefix: row.key_prefix,
    keyName: row.key_name,
    team: row.team,
    user: row.user_id,
    customer: row.customer_id,
    tags: row.tags === null ? [] : (JSON.parse(row.tags) as string[]),
    model: row.model,
    deployment: row.deployment,
    provider: row.provider,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cacheReadTokens: row.cache_read_tokens,
    cacheWriteTokens: row.cache_write_tokens,
    reasoningTokens: row.reasoning_tokens,
    costUsd: row.cost_usd,
    latencyMs: row.latency_ms,
    timeToFirstTokenMs: row.ttft_ms,
    status: row.status,
    errorType: row.error_type,
    stream: row.stream === 1,
    usageEstimated: row.usage_estimated === 1,
  };
}
