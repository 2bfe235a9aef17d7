import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { GatewayError } from "../http/errors.ts";
import type { SpendGroupBy, SpendLogsFilter, SpendQueries } from "../stores/ports.ts";
import { createSpendApi, keyHashPrefixOf, nextCursorHeader, parseDateParameter } from "./spend-api.ts";

const forbidden = new GatewayError({ status: 401, type: "authentication_error", code: "missing_api_key", message: "no key" });

function setup(queries: SpendQueries | null) {
  const calls: Array<{ logs?: SpendLogsFilter; report?: { groupBy: SpendGroupBy; range: { from?: number; to?: number } } }> = [];
  const recording: SpendQueries | null =
    queries === null
      ? null
      : {
          logs: (filter) => {
            calls.push({ logs: filter });
            return queries.logs(filter);
          },
          report: (groupBy, range) => {
            calls.push({ report: { groupBy, range } });
            return queries.report(groupBy, range);
          },
        };
  const app = createSpendApi({
    queries: recording,
    authorizeAdmin: (headers) => (headers.get("authorization") === "Bearer admin" ? { actor: "master" } : forbidden),
  });
  const get = (path: string, key = "admin") => app.request(path, { headers: { authorization: `Bearer ${key}` } });
  return { calls, get };
}

const row = {
  requestId: "req_1",
  timestamp: Date.parse("2026-03-01T10:00:00Z"),
  keyHashPrefix: "abcdef012345",
  keyName: "ci",
  team: "research",
  user: "ana",
  customer: "acme",
  tags: ["batch"],
  model: "chat",
  deployment: "chat/0",
  provider: "mock",
  inputTokens: 10,
  outputTokens: 5,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  costUsd: 0.015,
  latencyMs: 12,
  timeToFirstTokenMs: null,
  status: 200,
  errorType: null,
  stream: false,
  usageEstimated: true,
};

const queries: SpendQueries = {
  logs: async () => ({ rows: [row], nextCursor: "next" }),
  report: async () => [
    { group: "research", requests: 2, inputTokens: 20, outputTokens: 10, costUsd: 0.03 },
    { group: "", requests: 1, inputTokens: 1, outputTokens: 1, costUsd: 0.01 },
  ],
};

describe("spend API", () => {
  test("maps LiteLLM's filter names to the ledger's, hashing a presented key to its prefix", async () => {
    const { calls, get } = setup(queries);
    const response = await get("/spend/logs?api_key=sk-secret&team_id=research&user_id=ana&end_user=acme&model=chat&tag=batch&start_date=2026-03-01&end_date=2026-03-01&limit=5000");
    expect(response.status).toBe(200);
    expect(calls[0]?.logs).toEqual({
      key: createHash("sha256").update("sk-secret").digest("hex").slice(0, 12),
      team: "research",
      user: "ana",
      customer: "acme",
      model: "chat",
      tag: "batch",
      from: Date.parse("2026-03-01T00:00:00Z"),
      to: Date.parse("2026-03-02T00:00:00Z"),
      limit: 1000,
    });
    expect(response.headers.get(nextCursorHeader)).toBe("next");
    const body = (await response.json()) as Array<Record<string, unknown>>;
    expect(body[0]).toMatchObject({ request_id: "req_1", key_hash_prefix: "abcdef012345", customer_id: "acme", spend: 0.015, start_time: "2026-03-01T10:00:00.000Z", usage_estimated: true });
  });

  test("answers LiteLLM's bare array of spend-log rows with its field names, gw's beside them", async () => {
    const { get } = setup(queries);
    const body = (await (await get("/spend/logs")).json()) as unknown;
    expect(Array.isArray(body)).toBe(true);
    const [first] = body as Array<Record<string, unknown>>;
    expect(first).toMatchObject({
      request_id: "req_1",
      api_key: "abcdef012345",
      startTime: "2026-03-01T10:00:00.000Z",
      endTime: new Date(Date.parse("2026-03-01T10:00:00.000Z") + row.latencyMs).toISOString(),
      model: row.model,
      model_group: row.model,
      model_id: row.deployment,
      custom_llm_provider: row.provider,
      spend: 0.015,
      prompt_tokens: row.inputTokens,
      completion_tokens: row.outputTokens,
      total_tokens: row.inputTokens + row.outputTokens,
      user: row.user,
      end_user: "acme",
      team_id: row.team,
      request_tags: row.tags,
      metadata: { user_api_key_alias: row.keyName, user_api_key_team_id: row.team },
      status: "success",
      status_code: row.status,
    });
  });

  test("the last page has no cursor header; a failed request's row is a failure", async () => {
    const failed = { ...row, status: 502, errorType: "upstream_error" };
    const { get } = setup({ ...queries, logs: async () => ({ rows: [failed], nextCursor: null }) });
    const response = await get("/spend/logs");
    expect(response.headers.get(nextCursorHeader)).toBeNull();
    expect(((await response.json()) as Array<Record<string, unknown>>)[0]).toMatchObject({ status: "failure", status_code: 502, error_type: "upstream_error" });
  });

  test("reports group by the asked grouping and total the spend", async () => {
    const { calls, get } = setup(queries);
    const response = await get("/spend/report?group_by=day&start_date=1772323200");
    expect(response.status).toBe(200);
    expect(calls[0]?.report).toEqual({ groupBy: "day", range: { from: 1772323200000 } });
    const body = (await response.json()) as { total_spend: number; data: Array<{ group: string; spend: number }> };
    expect(body.total_spend).toBeCloseTo(0.04, 12);
    expect(body.data.map((entry) => entry.group)).toEqual(["research", ""]);
  });

  test("refuses bad input with a 400 naming the parameter", async () => {
    const { get } = setup(queries);
    for (const [path, param] of [
      ["/spend/report?group_by=planet", "group_by"],
      ["/spend/logs?start_date=yesterday", "start_date"],
      ["/spend/logs?limit=0", "limit"],
      ["/spend/logs?start_date=2026-03-02&end_date=2026-03-01T00:00:00Z", "end_date"],
    ] as const) {
      const response = await get(path);
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { error: { param: string } }).error.param).toBe(param);
    }
  });

  test("needs an admin key, and says which flag enables it when there is no ledger", async () => {
    expect((await setup(queries).get("/spend/logs", "someone")).status).toBe(401);
    const response = await setup(null).get("/spend/report");
    expect(response.status).toBe(501);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("--postgres-url");
  });

  test("a failing ledger is a 503, not a crash", async () => {
    const { get } = setup({ logs: () => Promise.reject(new Error("connection refused")), report: () => Promise.reject(new Error("down")) });
    expect((await get("/spend/logs")).status).toBe(503);
  });

  test("dates: ISO dates and times, unix seconds and milliseconds", () => {
    expect(parseDateParameter("2026-03-01T12:00:00Z", "start_date", false)).toBe(Date.parse("2026-03-01T12:00:00Z"));
    expect(parseDateParameter("1772323200", "start_date", false)).toBe(1772323200000);
    expect(parseDateParameter("1772323200000", "start_date", false)).toBe(1772323200000);
    expect(parseDateParameter("2026-02-30x", "start_date", false)).toBeInstanceOf(GatewayError);
    expect(keyHashPrefixOf("ABCDEF0123456789")).toBe("abcdef012345");
  });
});
