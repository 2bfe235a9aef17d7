/**
 * End to end, budgets across replicas (issue 7, holes 2-4), with real `gw serve` processes on the
 * real Postgres and Redis of this machine (own schema and Redis key prefix):
 *
 * a) A team declared in the config, two replicas, 200 concurrent requests: the team's budget is
 *    one budget for the cluster (recorded spend within one worst-case request of it), and
 *    /team/info and /key/info show the real spend of the config team and key on both replicas.
 * b) The admission rule: a request without max_tokens whose worst case passes a small budget is
 *    admitted (it reserves what is left), and 50 concurrent requests on one replica pass the
 *    budget by at most one worst-case request.
 * c) Redis cut under 200 concurrent requests on two replicas: each replica spends only its share
 *    of what was left, so the cluster passes the budget by at most one worst-case request per
 *    replica; with --budget-fail-closed, budgeted requests get 503 budget_unavailable instead.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { estimateChatCost } from "../../runtime/spend/cost-estimate.ts";
import { createTestSchema, testPostgresUrl, type TestSchema } from "../../runtime/host/postgres/test-schema.ts";
import { createTestRedis, testRedisUrl, type TestRedis } from "../../runtime/host/redis/test-redis.ts";
import { getRaw, postRaw, type RawResponse } from "../support/gateway-client.ts";
import { createTestDirectory, removeTestDirectory, startGateway, writeConfig, type GatewayProcess } from "../support/start-gw.ts";
import { startTcpFaultProxy, type TcpFaultProxy } from "../support/tcp-fault-proxy.ts";

const masterKey = "sk-gw-master-budget-cluster-e2e";
const teamKey = "sk-gw-team-budget-cluster-e2e";
/** $1000 per million tokens in and out: $0.001 a token. */
const pricePerMTok = 1000;
const price = { input: pricePerMTok / 1e6, output: pricePerMTok / 1e6, cacheRead: pricePerMTok / 1e6, cacheWrite: pricePerMTok / 1e6 };
const request = (model: string) => ({ model, messages: [{ role: "user" as const, content: "Name three rivers of Europe." }], max_tokens: 16 });
const worstCase = estimateChatCost(request("any"), price).worstCaseUsd;
const teamBudget = worstCase * 5;

let schema: TestSchema;
let redis: TestRedis;
let directory: string;
let config: string;
const gateways: GatewayProcess[] = [];
const proxies: TcpFaultProxy[] = [];

interface ErrorBody {
  error: { code: string | null; type: string; message: string };
}

/** `prefix`: the Redis key prefix, i.e. which replicas share budgets and count each other. */
function start(name: string, redisUrl: string, extraArgs: string[] = [], prefix = redis.prefix): Promise<GatewayProcess> {
  return startGateway({
    config,
    dataDir: `${directory}/${name}`,
    env: { GW_MASTER_KEY: masterKey, TEAM_KEY: teamKey },
    extraArgs: ["--postgres-url", testPostgresUrl, "--postgres-schema", schema.schema, "--redis-url", redisUrl, "--redis-prefix", prefix, ...extraArgs],
  }).then((gateway) => {
    gateways.push(gateway);
    return gateway;
  });
}

async function generateKey(gateway: GatewayProcess, fields: Record<string, unknown>): Promise<string> {
  const response = await postRaw(gateway, fields, { apiKey: masterKey, path: "/key/generate" });
  expect(response.status).toBe(200);
  return (response.json as { key: string }).key;
}

async function waitForKey(gateway: GatewayProcess, key: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await getRaw(gateway, "/v1/models", key)).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${gateway.url} never accepted the generated key`);
}

/** Recorded spend of a model once the ledger holds a row for every successful response. */
async function recorded(model: string, succeeded: readonly RawResponse[]): Promise<number> {
  const ids = succeeded.map((response) => response.headers.get("x-request-id") as string);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const [row] = await schema.sql<{ count: number; total: number }[]>`
      SELECT count(*)::int AS count, coalesce(sum(cost_usd), 0)::float8 AS total FROM spend_ledger WHERE model = ${model}`;
    if ((row?.count ?? 0) >= ids.length) {
      expect(row?.count).toBe(ids.length);
      return row?.total ?? 0;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the ledger never got the ${ids.length} rows of ${model}`);
}

function report(line: string): void {
  if (process.env["GW_E2E_REPORT"] === "1") process.stdout.write(`${line}\n`);
}

beforeAll(async () => {
  schema = createTestSchema();
  redis = createTestRedis();
  directory = createTestDirectory("e2e-budget-cluster");
  const deployment = { provider: "mock" as const, model: "mock-1", price: { inputPerMTok: pricePerMTok, outputPerMTok: pricePerMTok } };
  config = writeConfig(directory, {
    models: ["team-budgeted", "small", "cut", "closed"].map((name) => ({ name, deployments: [deployment] })),
    masterKey: { $env: "GW_MASTER_KEY" },
    teams: [{ name: "cluster-team", budget: { usd: teamBudget, period: "day" } }],
    keys: [{ name: "cluster-key", team: "cluster-team", key: { $env: "TEAM_KEY" } }],
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await redis?.close();
  await schema?.drop();
  if (directory !== undefined) removeTestDirectory(directory);
}, 60_000);

describe("budgets across replicas", () => {
  test("a config team's budget is one budget for two replicas, and /team/info and /key/info show its real spend", async () => {
    const [replicaA, replicaB] = await Promise.all([start("a", testRedisUrl), start("b", testRedisUrl)]);
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, index) => postRaw(index % 2 === 0 ? replicaA : replicaB, request("team-budgeted"), { apiKey: teamKey })),
    );
    const succeeded = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status !== 200);
    expect(succeeded.length).toBeGreaterThanOrEqual(1);
    for (const response of refused) {
      expect(response.status).toBe(429);
      const error = (response.json as ErrorBody).error;
      expect(error.code).toBe("budget_exceeded");
      expect(error.message).toContain('Team "cluster-team" has spent');
      expect(error.message).toMatch(/It resets at \d{4}-\d\d-\d\dT00:00:00Z\./);
    }
    const total = await recorded("team-budgeted", succeeded);
    report(`config team, two replicas: budget $${teamBudget.toFixed(6)}, worst case $${worstCase.toFixed(6)}, ${succeeded.length} succeeded, recorded $${total.toFixed(6)}`);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(teamBudget + worstCase + 1e-9);

    for (const replica of [replicaA, replicaB]) {
      const team = await getRaw(replica, "/team/info?team_id=cluster-team", masterKey);
      expect(team.status).toBe(200);
      expect((team.json as { team_info: { spend: number; max_budget: number } }).team_info).toMatchObject({ max_budget: teamBudget });
      expect((team.json as { team_info: { spend: number } }).team_info.spend).toBeCloseTo(total, 6);
      const key = await getRaw(replica, "/key/info?key=config:cluster-key", masterKey);
      expect(key.status).toBe(200);
      expect((key.json as { info: { spend: number } }).info.spend).toBeCloseTo(total, 6);
    }
  }, 120_000);

  test("a first request without max_tokens on a small budget is admitted; 50 concurrent requests on one replica pass it by at most one worst case", async () => {
    const replica = gateways[0]!;
    const noLimit = { model: "small", messages: [{ role: "user" as const, content: "Name three rivers of Europe." }] };
    // Without max_tokens the worst case reserves 4,096 output tokens: about $4, far above the budget.
    const noLimitWorstCase = estimateChatCost(noLimit, price).worstCaseUsd;
    const budget = worstCase * 3;
    expect(noLimitWorstCase).toBeGreaterThan(budget * 10);
    const key = await generateKey(replica, { max_budget: budget, key_alias: "small-budget" });
    const first = await postRaw(replica, noLimit, { apiKey: key });
    expect(first.status).toBe(200);

    const responses = [first, ...(await Promise.all(Array.from({ length: 50 }, () => postRaw(replica, noLimit, { apiKey: key }))))];
    const succeeded = responses.filter((response) => response.status === 200);
    for (const response of responses.filter((each) => each.status !== 200)) {
      expect(response.status).toBe(429);
      expect((response.json as ErrorBody).error.message).toContain('Key "small-budget" has spent');
    }
    const total = await recorded("small", succeeded);
    report(`small budget, one replica: budget $${budget.toFixed(6)}, ${succeeded.length} of 51 succeeded, recorded $${total.toFixed(6)}`);
    // The bound is one request's worst case at what it really could return (the mock honours no max_tokens here: its answers are short).
    const longest = Math.max(...succeeded.map((response) => Number(response.headers.get("x-gw-cost-usd"))));
    expect(total).toBeLessThanOrEqual(budget + longest + 1e-9);
  }, 60_000);

  test("Redis cut under 200 requests (waves of 50 concurrent) on two replicas: each spends only its share of what was left", async () => {
    const redisPort = Number(new URL(testRedisUrl).port || 6379);
    const proxy = await startTcpFaultProxy({ host: "127.0.0.1", port: redisPort });
    proxies.push(proxy);
    const throughProxy = testRedisUrl.replace(`:${redisPort}`, `:${proxy.port}`);
    // Their own prefix: these two are the whole cluster of their budgets (the earlier replicas would count too).
    const [replicaA, replicaB] = await Promise.all([start("cut-a", throughProxy, [], `${redis.prefix}cut:`), start("cut-b", throughProxy, [], `${redis.prefix}cut:`)]);
    const budget = worstCase * 20;
    const key = await generateKey(replicaA, { max_budget: budget, key_alias: "cut-budget" });
    await waitForKey(replicaB, key);
    // A little spend on each replica while Redis answers (each learns the shared spend), and time
    // for both heartbeats to count two replicas.
    const warm = [await postRaw(replicaA, request("cut"), { apiKey: key }), await postRaw(replicaB, request("cut"), { apiKey: key })];
    expect(warm.map((response) => response.status)).toEqual([200, 200]);
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    proxy.cut("reset");
    // Four waves of 50 concurrent requests, so that settled requests free their reservations and
    // each replica can spend all of its share.
    const during: RawResponse[] = [];
    for (let wave = 0; wave < 4; wave++) {
      during.push(...(await Promise.all(Array.from({ length: 50 }, (_, index) => postRaw(index % 2 === 0 ? replicaA : replicaB, request("cut"), { apiKey: key })))));
    }
    const succeeded = [...warm, ...during.filter((response) => response.status === 200)];
    for (const response of during.filter((each) => each.status !== 200)) {
      expect(response.status).toBe(429);
      expect((response.json as ErrorBody).error.code).toBe("budget_exceeded");
    }
    const total = await recorded("cut", succeeded);
    report(`Redis cut, two replicas: budget $${budget.toFixed(6)}, worst case $${worstCase.toFixed(6)}, ${succeeded.length} succeeded, recorded $${total.toFixed(6)}`);
    // Both replicas served some of it: neither was refused everything.
    expect(during.filter((response, index) => index % 2 === 0 && response.status === 200).length).toBeGreaterThan(0);
    expect(during.filter((response, index) => index % 2 === 1 && response.status === 200).length).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(budget + 2 * worstCase + 1e-9);
    // ... and most of the budget was still usable while Redis was down.
    expect(total).toBeGreaterThan(budget * 0.6);
    for (const response of during.filter((each) => each.status !== 200)) {
      expect((response.json as ErrorBody).error.message).toContain("this replica's share is used up");
    }
    expect(((await getRaw(replicaA, "/health/readiness")).json as { limits: string }).limits).toBe("per-process");
    proxy.restore();
  }, 120_000);

  test("--budget-fail-closed: with Redis cut, budgeted requests get 503 budget_unavailable; unbudgeted ones go on", async () => {
    const redisPort = Number(new URL(testRedisUrl).port || 6379);
    const proxy = await startTcpFaultProxy({ host: "127.0.0.1", port: redisPort });
    proxies.push(proxy);
    const replica = await start("closed", testRedisUrl.replace(`:${redisPort}`, `:${proxy.port}`), ["--budget-fail-closed"]);
    expect(replica.stdout()).toContain("budgeted requests refused while unreachable");
    const budgeted = await generateKey(replica, { max_budget: 1, key_alias: "closed-budget" });
    const unbudgeted = await generateKey(replica, { key_alias: "closed-free" });
    expect((await postRaw(replica, request("closed"), { apiKey: budgeted })).status).toBe(200);
    proxy.cut("reset");
    const refused = await postRaw(replica, request("closed"), { apiKey: budgeted });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((refused.json as ErrorBody).error.code).toBe("budget_unavailable");
    expect((await postRaw(replica, request("closed"), { apiKey: unbudgeted })).status).toBe(200);
    proxy.restore();
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await postRaw(replica, request("closed"), { apiKey: budgeted })).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(200);
  }, 60_000);
});
