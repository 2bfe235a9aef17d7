/**
 * End to end: routing state shared through Redis by two real `gw serve` processes (issue 8): a
 * deployment cooled down on one replica is skipped by the other (a primary upstream that fails, a
 * backup of order 2), and the usage strategy counts deployments' requests cluster-wide.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestRedis, testRedisUrl, type TestRedis } from "../../runtime/host/redis/test-redis.ts";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { postRaw } from "../support/gateway-client.ts";
import { withinOneMinute } from "../support/minute-window.ts";
import { createTestDirectory, removeTestDirectory, startGateway, writeConfig, type GatewayProcess } from "../support/start-gw.ts";
import { openAIDeployment as deployment } from "../support/openai-deployment.ts";

const upstreamKey = "sk-upstream-routing-cluster";
const masterKey = "gw-master-routing-cluster";

let redis: TestRedis;
let primary: FakeUpstream;
let backup: FakeUpstream;
let small: FakeUpstream;
let large: FakeUpstream;
let directory: string;
const gateways: GatewayProcess[] = [];

beforeAll(async () => {
  redis = createTestRedis();
  primary = await startOpenAIUpstream({ apiKey: upstreamKey });
  backup = await startOpenAIUpstream({ apiKey: upstreamKey });
  small = await startOpenAIUpstream({ apiKey: upstreamKey });
  large = await startOpenAIUpstream({ apiKey: upstreamKey });
  directory = createTestDirectory("e2e-routing-cluster");
  const config = writeConfig(directory, {
    masterKey: { $env: "GW_MASTER_KEY" },
    retries: { attempts: 1, initialBackoffMs: 10, maxBackoffMs: 20 },
    models: [
      {
        name: "chat",
        routing: { allowedFails: 2, cooldownSeconds: 30 },
        deployments: [deployment("primary", primary, { order: 1 }), deployment("backup", backup, { order: 2 })],
      },
      {
        name: "by-usage",
        routing: { strategy: "usage" },
        deployments: [deployment("small", small, { rpmLimit: 4 }), deployment("large", large, { rpmLimit: 8 })],
      },
    ],
  });
  for (const name of ["a", "b"]) {
    gateways.push(
      await startGateway({
        config,
        dataDir: `${directory}/${name}`,
        env: { OPENAI_API_KEY: upstreamKey, GW_MASTER_KEY: masterKey },
        extraArgs: ["--redis-url", testRedisUrl, "--redis-prefix", redis.prefix],
      }),
    );
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await primary?.close();
  await backup?.close();
  await small?.close();
  await large?.close();
  await redis?.close();
  if (directory !== undefined) removeTestDirectory(directory);
}, 60_000);

describe("cooldowns across replicas", () => {
  test("a deployment cooled down on replica A is skipped by replica B, which never tried it", async () => {
    const [replicaA, replicaB] = gateways as [GatewayProcess, GatewayProcess];
    const ask = (gateway: GatewayProcess) => postRaw(gateway, { model: "chat", messages: [{ role: "user", content: "hi" }] }, { apiKey: masterKey });
    primary.failNext([{ status: 503 }, { status: 503 }]);
    // Replica A: the primary fails, the backup answers; twice: the primary is cooling down.
    for (let index = 0; index < 2; index++) {
      const response = await ask(replicaA);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-gw-deployment")).toBe("backup");
    }
    expect(primary.chatRequests()).toHaveLength(2);
    // Replica B hears of the cooldown through Redis.
    let route: string | null = null;
    for (let attempt = 0; attempt < 50; attempt++) {
      const response = await ask(replicaB);
      expect(response.status).toBe(200);
      route = response.headers.get("x-gw-route");
      if (route?.includes("primary:cooling-down")) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(route).toBe("strategy=weighted; skipped=primary:cooling-down");
    // The cooldown was published when A saw the second failure, before A answered: B never tried the primary.
    expect(primary.chatRequests()).toHaveLength(2);
  }, 60_000);
});

describe("usage across replicas", () => {
  test("requests alternating between replicas never pass a deployment's rpm in total, and follow its headroom", async () => {
    await withinOneMinute(15_000);
    const statuses: number[] = [];
    for (let index = 0; index < 16; index++) {
      const response = await postRaw(gateways[index % 2]!, { model: "by-usage", messages: [{ role: "user", content: "hi" }] }, { apiKey: masterKey });
      statuses.push(response.status);
      expect(response.headers.get("x-gw-route")).toMatch(/^strategy=usage/);
      // Halfway through the capacity, the rpm-8 deployment has taken two thirds of it.
      if (index === 5) expect([small.chatRequests().length, large.chatRequests().length]).toEqual([2, 4]);
    }
    // 4 + 8 a minute for the whole cluster (counted per process, each replica would have let all 16 through).
    expect(statuses).toEqual([...Array<number>(12).fill(200), ...Array<number>(4).fill(429)]);
    expect(small.chatRequests()).toHaveLength(4);
    expect(large.chatRequests()).toHaveLength(8);
  }, 60_000);
});
