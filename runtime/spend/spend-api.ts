/**
 * `/spend/logs` and `/spend/report`: the spend ledger for admins (master key or an admin key).
 *
 * Answers from SpendQueries: the ledger and its daily aggregates, on Postgres or on the embedded
 * SQLite store (`gw serve` always gives one). Without them (a gateway created without
 * `spendQueries`) both answer 501, saying how to get them.
 *
 * Query parameters (LiteLLM's names accepted where it has them):
 * - filters: key | api_key (the key itself, its hash, or the hash's 12-hex prefix), team | team_id,
 *   user | user_id, customer | customer_id | end_user, model, tag
 * - start_date / end_date: ISO date or time, or unix seconds/milliseconds; end_date as a plain
 *   date (YYYY-MM-DD) includes that whole day
 * - /spend/logs: limit (default 100, at most 1000), cursor (the previous page's x-gw-next-cursor
 *   header). The answer is a JSON array of rows, as LiteLLM's.
 * - /spend/report: group_by = team | key | model | tag | day | user | customer (default team)
 */
import { createHash } from "node:crypto";
import { Hono } from "hono";
import { roundUsd } from "./cost.ts";
import { GatewayError, invalidRequest } from "../http/errors.ts";
import type { LedgerRow, SpendGroupBy, SpendLogsFilter, SpendQueries } from "../stores/ports.ts";
import { errorResponse } from "../http/respond.ts";

export interface SpendApiDeps {
  /** null: no ledger to answer from (every call is a 501). */
  queries: SpendQueries | null;
  authorizeAdmin: (headers: Headers) => { actor: string } | GatewayError;
  /** Reports unexpected query failures (never with a secret). */
  onError?: (message: string) => void;
}

const groupings: readonly SpendGroupBy[] = ["team", "key", "model", "tag", "day", "user", "customer"];
const day = 86_400_000;

const notAvailable = new GatewayError({
  status: 501,
  type: "invalid_request_error",
  code: "spend_reports_unavailable",
  message:
    "This gateway has no spend ledger to read. /spend/logs and /spend/report answer on gw serve, from its embedded SQLite store " +
    "or from Postgres (--postgres-url); a gateway created with createGateway needs `spendQueries`.",
});

const ledgerUnavailable = new GatewayError({
  status: 503,
  type: "api_error",
  code: "spend_ledger_unavailable",
  message: "gw could not read the spend ledger just now. Try again shortly.",
});

/** Unix ms of a date parameter; `endOfDay` makes a plain date mean the end of that day. */
export function parseDateParameter(value: string, name: string, endOfDay: boolean): number | GatewayError {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const number = Number(text);
    // Unix seconds until the year 5138; beyond, milliseconds.
    return number < 1e11 ? number * 1000 : number;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const start = Date.parse(`${text}T00:00:00Z`);
    if (Number.isFinite(start)) return endOfDay ? start + day : start;
  } else {
    const parsed = Date.parse(text);
    if (Number.isFinite(parsed)) return parsed;
  }
  return invalidRequest(
    `\`${name}\` must be an ISO date (2026-01-31), an ISO time (2026-01-31T12:00:00Z) or a unix timestamp; got "${value}".`,
    name,
    "invalid_date",
  );
}

/** The ledger's key column holds the first 12 hex characters of the key's SHA-256. */
export function keyHashPrefixOf(value: string): string {
  const text = value.trim();
  if (/^[0-9a-fA-F]{12,64}$/.test(text)) return text.slice(0, 12).toLowerCase();
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

function first(url: URL, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = url.searchParams.get(name);
    if (value !== null && value !== "") return value;
  }
  return undefined;
}

function readRange(url: URL): { from?: number; to?: number } | GatewayError {
  const range: { from?: number; to?: number } = {};
  const start = first(url, "start_date", "start");
  if (start !== undefined) {
    const from = parseDateParameter(start, "start_date", false);
    if (from instanceof GatewayError) return from;
    range.from = from;
  }
  const end = first(url, "end_date", "end");
  if (end !== undefined) {
    const to = parseDateParameter(end, "end_date", true);
    if (to instanceof GatewayError) return to;
    range.to = to;
  }
  if (range.from !== undefined && range.to !== undefined && range.to <= range.from) {
    return invalidRequest("`end_date` must be after `start_date`.", "end_date", "invalid_date_range");
  }
  return range;
}

/**
 * One ledger row under LiteLLM's LiteLLM_SpendLogs names (request_id, api_key, startTime, endTime,
 * model_group, user, end_user, team_id, request_tags, status "success"/"failure", ...) and gw's
 * own beside them. LiteLLM's `api_key` is the key's whole hash; the ledger keeps its first 12 hex
 * characters, so that is what `api_key` holds ("" for the master key, as LiteLLM's default).
 */
function logRow(row: LedgerRow): Record<string, unknown> {
  const startTime = new Date(row.timestamp).toISOString();
  const spend = roundUsd(row.costUsd);
  return {
    request_id: row.requestId,
    api_key: row.keyHashPrefix ?? "",
    startTime,
    endTime: new Date(row.timestamp + row.latencyMs).toISOString(),
    completionStartTime: row.timeToFirstTokenMs === null ? null : new Date(row.timestamp + row.timeToFirstTokenMs).toISOString(),
    model: row.model,
    model_group: row.model,
    model_id: row.deployment,
    custom_llm_provider: row.provider,
    spend,
    prompt_tokens: row.inputTokens,
    completion_tokens: row.outputTokens,
    total_tokens: row.inputTokens + row.outputTokens,
    user: row.user ?? "",
    end_user: row.customer,
    team_id: row.team,
    request_tags: row.tags,
    metadata: { user_api_key: row.keyHashPrefix, user_api_key_alias: row.keyName, user_api_key_team_id: row.team, user_api_key_user_id: row.user },
    request_duration_ms: row.latencyMs,
    status: row.status < 400 ? "success" : "failure",
    // gw's names for the same and more:
    start_time: startTime,
    key_hash_prefix: row.keyHashPrefix,
    key_name: row.keyName,
    user_id: row.user,
    customer_id: row.customer,
    tags: row.tags,
    deployment: row.deployment,
    provider: row.provider,
    cache_read_tokens: row.cacheReadTokens,
    cache_write_tokens: row.cacheWriteTokens,
    reasoning_tokens: row.reasoningTokens,
    latency_ms: row.latencyMs,
    time_to_first_token_ms: row.timeToFirstTokenMs,
    status_code: row.status,
    error_type: row.errorType,
    stream: row.stream,
    usage_estimated: row.usageEstimated,
  };
}

function json(value: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status: 200, headers: { "content-type": "application/json", ...headers } });
}

/** Names the next page's cursor; absent on the last page. */
export const nextCursorHeader = "x-gw-next-cursor";

export function createSpendApi(deps: SpendApiDeps): Hono {
  const app = new Hono();

  /** Authorization and availability first; then the handler, with query failures as 503. */
  const guarded = (handler: (url: URL, queries: SpendQueries) => Promise<Response>) => async (c: { req: { raw: Request } }) => {
    const admin = deps.authorizeAdmin(c.req.raw.headers);
    if (admin instanceof GatewayError) return errorResponse(admin, {});
    if (deps.queries === null) return errorResponse(notAvailable, {});
    try {
      return await handler(new URL(c.req.raw.url), deps.queries);
    } catch (error) {
      if (error instanceof GatewayError) return errorResponse(error, {});
      deps.onError?.(`spend API: ${error instanceof Error ? error.message : String(error)}`);
      return errorResponse(ledgerUnavailable, {});
    }
  };

  app.get(
    "/spend/logs",
    guarded(async (url, queries) => {
      const range = readRange(url);
      if (range instanceof GatewayError) return errorResponse(range, {});
      const limitText = first(url, "limit", "page_size") ?? "100";
      const limit = Number(limitText);
      if (!/^\d+$/.test(limitText) || limit < 1) {
        return errorResponse(invalidRequest("`limit` must be a whole number from 1 to 1000.", "limit", "invalid_limit"), {});
      }
      const filter: SpendLogsFilter = { limit: Math.min(limit, 1000), ...range };
      const key = first(url, "key", "api_key");
      if (key !== undefined) filter.key = keyHashPrefixOf(key);
      const team = first(url, "team", "team_id");
      if (team !== undefined) filter.team = team;
      const user = first(url, "user", "user_id");
      if (user !== undefined) filter.user = user;
      const customer = first(url, "customer", "customer_id", "end_user");
      if (customer !== undefined) filter.customer = customer;
      const model = first(url, "model");
      if (model !== undefined) filter.model = model;
      const tag = first(url, "tag", "tags");
      if (tag !== undefined) filter.tag = tag;
      const cursor = first(url, "cursor");
      if (cursor !== undefined) filter.cursor = cursor;
      const page = await queries.logs(filter);
      // LiteLLM answers a bare array of rows, so the cursor travels in a header.
      return json(page.rows.map(logRow), page.nextCursor === null ? {} : { [nextCursorHeader]: page.nextCursor });
    }),
  );

  app.get(
    "/spend/report",
    guarded(async (url, queries) => {
      const range = readRange(url);
      if (range instanceof GatewayError) return errorResponse(range, {});
      const groupBy = (first(url, "group_by") ?? "team") as SpendGroupBy;
      if (!groupings.includes(groupBy)) {
        return errorResponse(invalidRequest(`\`group_by\` must be one of ${groupings.join(", ")}.`, "group_by", "invalid_group_by"), {});
      }
      const rows = await queries.report(groupBy, range);
      let total = 0;
      for (const row of rows) total += row.costUsd;
      return json({
        object: "spend_report",
        group_by: groupBy,
        start_date: range.from === undefined ? null : new Date(range.from).toISOString(),
        end_date: range.to === undefined ? null : new Date(range.to).toISOString(),
        total_spend: roundUsd(total),
        data: rows.map((row) => ({
          group: row.group,
          requests: row.requests,
          prompt_tokens: row.inputTokens,
          completion_tokens: row.outputTokens,
          spend: roundUsd(row.costUsd),
        })),
      });
    }),
  );

  for (const path of ["/spend/logs", "/spend/report"]) {
    app.all(path, () =>
      errorResponse(
        new GatewayError({ status: 405, type: "invalid_request_error", code: "method_not_allowed", message: `Use GET ${path}.` }),
        { allow: "GET" },
      ),
    );
  }
  return app;
}
