/**
 * End to end: /spend/logs and /spend/report of the real `gw serve`, the same traffic and the same
 * answers on Postgres (its own schema) and on the embedded SQLite store; soft budget alerts
 * POSTed to --alert-webhook.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestSchema, testPostgresUrl, type TestSchema } from "../../runtime/host/postgres/test-schema.ts";
import { getRaw, postRaw } from "../support/gateway-client.ts";
import { createTestDirectory, removeTestDirectory, startGateway, writeConfig, type GatewayProcess } from "../support/start-gw.ts";

const masterKey = "sk-gw-master-spend-api-e2e";
const researchKey = "gw-team-research-spend-api";
const opsKey = "gw-team-ops-spend-api";

let schema: TestSchema;
let directory: string;
let postgresGateway: GatewayProcess;
let embeddedGateway: GatewayProcess;
type Store = "postgres" | "embedded";
const requestIds: Record<Store, { research: string[]; ops: string[]; streamed: string[] }> = {
  postgres: { research: [], ops: [], streamed: [] },
  embedded: { research: [], ops: [], streamed: [] },
};
const gatewayOf = (store: Store): GatewayProcess => (store === "postgres" ? postgresGateway : embeddedGateway);
let webhook: Server;
const alerts: unknown[] = [];

/** /spend/logs answers LiteLLM's bare array of rows; the next page's cursor is in x-gw-next-cursor. */
type LogsPage = Array<{
  request_id: string;
  team_id: string | null;
  model: string;
  spend: number;
  prompt_tokens: number;
  startTime: string;
  status: string;
  stream: boolean;
  time_to_first_token_ms: number | null;
  completionStartTime: string | null;
}>;

interface Report {
  total_spend: number;
  data: Array<{ group: string; requests: number; spend: number }>;
}

beforeAll(async () => {
  schema = createTestSchema();
  directory = createTestDirectory("e2e-spend-api");
  const price = { inputPerMTok: 1000, outputPerMTok: 1000 };
  const config = writeConfig(directory, {
    models: [
      { name: "chat", deployments: [{ provider: "mock", model: "mock-1", price }] },
      { name: "draft", deployments: [{ provider: "mock", model: "mock-2", price }] },
    ],
    teams: [{ name: "research" }, { name: "ops" }],
    keys: [
      { name: "research-ci", team: "research", key: { $env: "RESEARCH_KEY" } },
      { name: "ops-ci", team: "ops", key: { $env: "OPS_KEY" } },
    ],
    masterKey: { $env: "GW_MASTER_KEY" },
  });
  webhook = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8").on("data", (text: string) => (body += text));
    request.on("end", () => {
      alerts.push(JSON.parse(body));
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
  const webhookPort = (webhook.address() as { port: number }).port;
  const env = { GW_MASTER_KEY: masterKey, RESEARCH_KEY: researchKey, OPS_KEY: opsKey };
  [postgresGateway, embeddedGateway] = await Promise.all([
    startGateway({ config, dataDir: `${directory}/pg`, env, extraArgs: ["--postgres-url", testPostgresUrl, "--postgres-schema", schema.schema] }),
    startGateway({
      config,
      dataDir: `${directory}/embedded`,
      env: { ...env, GW_ALERT_WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/alerts` },
      extraArgs: ["--budget-timezone", "Europe/Paris"],
    }),
  ]);
  const send = async (store: Store, apiKey: string, model: string, into: string[], extra: Record<string, unknown> = {}) => {
    const response = await postRaw(gatewayOf(store), { model, messages: [{ role: "user", content: `Hello from ${model}` }], ...extra }, { apiKey });
    expect(response.status).toBe(200);
    into.push(response.headers.get("x-request-id") as string);
  };
  for (const store of ["postgres", "embedded"] as const) {
    const ids = requestIds[store];
    for (let index = 0; index < 7; index++) await send(store, researchKey, index % 2 === 0 ? "chat" : "draft", ids.research);
    // One streamed request, whose row has a time to first token.
    await send(store, researchKey, "chat", ids.streamed, { stream: true });
    ids.research.push(...ids.streamed);
    // The ops requests name an end customer and tag themselves, as LiteLLM clients do.
    for (let index = 0; index < 3; index++) await send(store, opsKey, "chat", ids.ops, { user: "acme", metadata: { tags: ["nightly-batch"] } });
  }
  // The ledger is written after the responses, in batches: wait for every row.
  const all = [...requestIds.postgres.research, ...requestIds.postgres.ops];
  for (let attempt = 0; attempt < 100; attempt++) {
    const [row] = await schema.sql<{ count: number }[]>`SELECT count(*)::int AS count FROM spend_ledger WHERE request_id = ANY(${all})`;
    if (row?.count === all.length) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const logs = (await getRaw(embeddedGateway, "/spend/logs?limit=1000", masterKey)).json as LogsPage;
    if (logs.length === 11) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([postgresGateway?.stop(), embeddedGateway?.stop()]);
  await new Promise((resolve) => webhook?.close(resolve));
  await schema?.drop();
  if (directory !== undefined) removeTestDirectory(directory);
}, 60_000);

describe("spend API on gw serve", () => {
  test("the banner names the Postgres store without a password, and in-process limits", () => {
    expect(postgresGateway.stdout()).toMatch(/store: postgres postgres:\/\/postgres@127\.0\.0\.1:5432\/test \(schema gw_test_\w+\) \(spool /);
    expect(postgresGateway.stdout()).toContain("limits: in-process");
    expect(embeddedGateway.stdout()).toMatch(/store: sqlite \S+gw\.db/);
  });
});

describe.each(["postgres", "embedded"] as const)("spend API on gw serve, %s store", (store) => {
  test("/spend/logs filters by team and model and pages with a cursor through every row once", async () => {
    const gateway = gatewayOf(store);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await getRaw(gateway, `/spend/logs?team=research&limit=3${cursor === null ? "" : `&cursor=${cursor}`}`, masterKey);
      expect(response.status).toBe(200);
      const page = response.json as LogsPage;
      for (const row of page) {
        expect(row.team_id).toBe("research");
        expect(row.spend).toBeGreaterThan(0);
        expect(row.status).toBe("success");
        expect(Date.parse(row.startTime)).toBeGreaterThan(0);
        seen.push(row.request_id);
      }
      cursor = response.headers.get("x-gw-next-cursor");
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...requestIds[store].research].sort());

    const drafts = (await getRaw(gateway, "/spend/logs?team_id=research&model=draft", masterKey)).json as LogsPage;
    expect(drafts).toHaveLength(3);
    const future = (await getRaw(gateway, `/spend/logs?start_date=${Math.floor(Date.now() / 1000) + 3600}`, masterKey)).json as LogsPage;
    expect(future).toEqual([]);
  });

  test("/spend/logs gives the time to first token of a streamed request, and none for the others", async () => {
    const rows = (await getRaw(gatewayOf(store), "/spend/logs?team=research", masterKey)).json as LogsPage;
    const [streamedId] = requestIds[store].streamed;
    const streamed = rows.find((row) => row.request_id === streamedId);
    expect(streamed).toMatchObject({ stream: true });
    expect(streamed?.time_to_first_token_ms).toBeGreaterThanOrEqual(0);
    expect(Date.parse(streamed?.completionStartTime ?? "")).toBeGreaterThanOrEqual(Date.parse(streamed?.startTime ?? ""));
    for (const row of rows.filter((each) => each.request_id !== streamedId)) {
      expect(row).toMatchObject({ stream: false, time_to_first_token_ms: null, completionStartTime: null });
    }
  });

  test("/spend/report totals by team, model and day from the aggregates", async () => {
    const gateway = gatewayOf(store);
    const byTeam = (await getRaw(gateway, "/spend/report?group_by=team", masterKey)).json as Report;
    const teams = Object.fromEntries(byTeam.data.map((row) => [row.group, row.requests]));
    expect(teams).toEqual({ research: 8, ops: 3 });
    const byModel = (await getRaw(gateway, "/spend/report?group_by=model", masterKey)).json as Report;
    expect(Object.fromEntries(byModel.data.map((row) => [row.group, row.requests]))).toEqual({ chat: 8, draft: 3 });
    const logs = (await getRaw(gateway, "/spend/logs?limit=1000", masterKey)).json as LogsPage;
    expect(byModel.total_spend).toBeCloseTo(logs.reduce((sum, row) => sum + row.spend, 0), 6);
    if (store === "postgres") {
      const [ledger] = await schema.sql<{ total: number }[]>`SELECT sum(cost_usd)::float8 AS total FROM spend_ledger`;
      expect(byModel.total_spend).toBeCloseTo(ledger?.total ?? -1, 9);
    }
    const today = new Date().toISOString().slice(0, 10);
    const byDay = (await getRaw(gateway, `/spend/report?group_by=day&start_date=${today}&end_date=${today}`, masterKey)).json as Report;
    expect(byDay.data.reduce((sum, row) => sum + row.requests, 0)).toBe(11);
  });

  test("the ledger records the key, the customer (`user`) and the tags: logs filter and reports group by them", async () => {
    const gateway = gatewayOf(store);
    const byCustomer = (await getRaw(gateway, "/spend/logs?customer=acme", masterKey)).json as LogsPage;
    expect(byCustomer.map((row) => row.request_id).sort()).toEqual([...requestIds[store].ops].sort());
    const byKey = (await getRaw(gateway, `/spend/logs?key=${encodeURIComponent(researchKey)}&limit=100`, masterKey)).json as LogsPage;
    expect(byKey.map((row) => row.request_id).sort()).toEqual([...requestIds[store].research].sort());
    const byTagLogs = (await getRaw(gateway, "/spend/logs?tag=nightly-batch", masterKey)).json as LogsPage;
    expect(byTagLogs.map((row) => row.request_id).sort()).toEqual([...requestIds[store].ops].sort());
    const byTag = (await getRaw(gateway, "/spend/report?group_by=tag", masterKey)).json as Report;
    expect(byTag.data.find((row) => row.group === "nightly-batch")?.requests).toBe(3);
    const byCustomerReport = (await getRaw(gateway, "/spend/report?group_by=customer", masterKey)).json as Report;
    expect(byCustomerReport.data.find((row) => row.group === "acme")?.requests).toBe(3);
  });

  test("only admins may read spend; bad parameters are 400s", async () => {
    const gateway = gatewayOf(store);
    expect((await getRaw(gateway, "/spend/logs", researchKey)).status).toBe(403);
    expect((await getRaw(gateway, "/spend/logs")).status).toBe(401);
    const bad = await getRaw(gateway, "/spend/report?group_by=planet", masterKey);
    expect(bad.status).toBe(400);
    expect((await getRaw(gateway, "/spend/logs?cursor=nonsense", masterKey)).status).toBe(400);
  });
});

describe("soft budget alerts on gw serve", () => {
  test("a key crossing its soft budget is reported once to the alert webhook", async () => {
    expect(embeddedGateway.stdout()).toContain("budget periods in Europe/Paris");
    const generated = await postRaw(embeddedGateway, { soft_budget: 0.000001, budget_duration: "1d" }, { apiKey: masterKey, path: "/key/generate" });
    expect(generated.status).toBe(200);
    const { key } = generated.json as { key: string };
    for (let index = 0; index < 3; index++) {
      expect((await postRaw(embeddedGateway, { model: "chat", messages: [{ role: "user", content: "Hello" }] }, { apiKey: key })).status).toBe(200);
    }
    for (let attempt = 0; attempt < 50 && alerts.length === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ type: "soft_budget_crossed", subject: "key", soft_budget_usd: 0.000001 });
    expect(JSON.stringify(alerts[0])).not.toContain(key);
  });
});
