/**
 * SpendQueries on Postgres: /spend/logs pages through the ledger with keyset pagination;
 * /spend/report sums the daily aggregate tables and never scans the ledger. Order, cursor and
 * report days: runtime/spend/spend-query-rules.ts.
 */
import type { LedgerRow, SpendGroupBy, SpendLogsFilter, SpendQueries, SpendReportRow } from "../../stores/ports.ts";
import { invalidRequest } from "../../http/errors.ts";
import { decodeLogsCursor, encodeLogsCursor, endReportDay, firstReportDay, logsPageSize } from "../../spend/spend-query-rules.ts";
import { checkSchemaName, type Sql, tableName } from "./connect.ts";
import { fromUnixMs, toUnixMs } from "./ledger-rows.ts";

export { decodeLogsCursor, encodeLogsCursor, maxLogsPageSize } from "../../spend/spend-query-rules.ts";

interface LedgerSelectRow {
  request_id: string;
  ts_ms: number;
  key_prefix: string | null;
  key_name: string | null;
  team_id: string | null;
  user_id: string | null;
  customer_id: string | null;
  tags: string[];
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
  stream: boolean;
  usage_estimated: boolean;
}

const groupColumns: Record<Exclude<SpendGroupBy, "tag" | "day">, string> = {
  team: "team_id",
  key: "key_prefix",
  model: "model",
  user: "user_id",
  customer: "customer_id",
};

export function createPostgresSpendQueries(sql: Sql, schema?: string): SpendQueries {
  checkSchemaName(schema);
  const ledger = tableName(schema, "spend_ledger");
  const daily = tableName(schema, "spend_daily");
  const dailyTags = tableName(schema, "spend_daily_tags");

  return {
    async logs(filter: SpendLogsFilter) {
      const limit = logsPageSize(filter.limit);
      const conditions: string[] = [];
      const parameters: (string | number)[] = [];
      const parameter = (value: string | number): string => {
        parameters.push(value);
        return `$${parameters.length}`;
      };
      const equal = (column: string, value: string | undefined): void => {
        if (value !== undefined) conditions.push(`${column} = ${parameter(value)}`);
      };
      equal("key_prefix", filter.key);
      equal("team_id", filter.team);
      equal("user_id", filter.user);
      equal("customer_id", filter.customer);
      equal("model", filter.model);
      if (filter.tag !== undefined) conditions.push(`tags @> ARRAY[${parameter(filter.tag)}::text]`);
      if (filter.from !== undefined) conditions.push(`ts >= ${fromUnixMs(`${parameter(filter.from)}::float8`)}`);
      if (filter.to !== undefined) conditions.push(`ts < ${fromUnixMs(`${parameter(filter.to)}::float8`)}`);
      if (filter.cursor !== undefined && filter.cursor !== "") {
        const after = decodeLogsCursor(filter.cursor);
        conditions.push(`(ts, request_id) < (${fromUnixMs(`${parameter(after.timestamp)}::float8`)}, ${parameter(after.requestId)}::text)`);
      }
      const rows = await sql.unsafe<LedgerSelectRow[]>(
        `SELECT request_id, ${toUnixMs("ts")} AS ts_ms, key_prefix, key_name, team_id, user_id, customer_id, tags, model, deployment,
                provider, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, latency_ms,
                ttft_ms, status, error_type, stream, usage_estimated
         FROM ${ledger}
         ${conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`}
         ORDER BY ts DESC, request_id DESC
         LIMIT ${limit + 1}`,
        parameters,
      );
      const page = rows.slice(0, limit).map(toLedgerRow);
      const last = page.at(-1);
      return { rows: page, nextCursor: rows.length > limit && last !== undefined ? encodeLogsCursor(last.timestamp, last.requestId) : null };
    },

    async report(groupBy: SpendGroupBy, range: { from?: number; to?: number }) {
      const conditions: string[] = [];
      const parameters: string[] = [];
      if (range.from !== undefined) {
        parameters.push(firstReportDay(range.from));
        conditions.push(`day >= $${parameters.length}::date`);
      }
      if (range.to !== undefined) {
        parameters.push(endReportDay(range.to));
        conditions.push(`day < $${parameters.length}::date`);
      }
      const where = conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`;
      const [table, group] =
        groupBy === "tag"
          ? [dailyTags, "tag"]
          : groupBy === "day"
            ? [daily, "to_char(day, 'YYYY-MM-DD')"]
            : [daily, groupColumns[groupBy]];
      if (group === undefined) throw invalidRequest(`Cannot group spend by "${String(groupBy)}".`, "group_by");
      const order = groupBy === "day" ? "grp" : "cost_usd DESC, grp";
      const rows = await sql.unsafe<{ grp: string; requests: number; input_tokens: number; output_tokens: number; cost_usd: number }[]>(
        `SELECT ${group} AS grp, sum(requests)::float8 AS requests, sum(input_tokens)::float8 AS input_tokens,
                sum(output_tokens)::float8 AS output_tokens, sum(cost_usd)::float8 AS cost_usd
         FROM ${table} ${where}
         GROUP BY grp ORDER BY ${order}`,
        parameters,
      );
      return rows.map(
        (row): SpendReportRow => ({
          group: row.grp,
          requests: row.requests,
          inputTokens: row.input_tokens,
          outputTokens: row.output_tokens,
          costUsd: row.cost_usd,
        }),
      );
    },
  };
}

function toLedgerRow(row: LedgerSelectRow): LedgerRow {
  return {
    requestId: row.request_id,
    timestamp: Math.round(row.ts_ms),
    keyHashPrefix: row.key_prefix,
    keyName: row.key_name,
    team: row.team_id,
    user: row.user_id,
    customer: row.customer_id,
    tags: row.tags,
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
    stream: row.stream,
    usageEstimated: row.usage_estimated,
  };
}
