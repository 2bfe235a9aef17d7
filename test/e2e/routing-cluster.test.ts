/**
 * End to end: a deployment cooled down on one replica is skipped by another (issue 8): two real
 * `gw serve` processes sharing Redis, a primary upstream that fails, a backup of order 2.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestRedis, testRedisUrl, type TestRedis } from "../../runtime/host/redis/test-redis.ts";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { postRaw } from "../support/gateway-client.ts";
import { createTestDirectory, removeTestDirectory, startGateway, writeConfig, type GatewayProcess } from "../support/start-gw.ts";

const upstreamKey = "sk-upstream-routing-cluster";
const masterKey = "gw-master-routing-cluster";

let redis: TestRedis;
let primary: FakeUpstream;
let backup: FakeUpstream;
let directory: string;
const gateways: GatewayProcess[] = [];

beforeAll(async () => {
  redis = createTestRedis();
  primary = await startOpenAIUpstream({ apiKey: upstreamKey });
  backup = await startOpenAIUpstream({ apiKey: upstreamKey });
  directory = createTestDirectory("e2e-routing-cluster");
  const deployment = (name: string, upstream: FakeUpstream, order: number) => ({
    name,
    provider: "openai" as const,
    model: "gpt-4.1-nano",
    baseUrl: upstream.baseUrl,
    apiKey: { $env: "OPENAI_API_KEY" },
    order,
  });
  const config = writeConfig(directory, {
    masterKey: { $env: "GW_MASTER_KEY" },
    retries: { attempts: 1, initialBackoffMs: 10, maxBackoffMs: 20 },
    models: [{ name: "chat", routing: { allowedFails: 2, cooldownSeconds: 30 }, deployments: [deployment("primary", primary, 1), deployment("backup", backup, 2)] }],
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
