/**
 * End to end: active health checks (`routing.healthCheckSeconds`) through the real `gw serve`. A
 * deployment whose upstream fails is cooled down by the checks alone, before any client request;
 * once it answers again, a check ends its cooldown. Waits poll with a deadline (no timing asserted).
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { getRaw } from "../support/gateway-client.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";
import { openAIDeployment as deployment } from "../support/openai-deployment.ts";

const upstreamKey = "sk-upstream-health-test";
const masterKey = "gw-master-health-test";

let sick: FakeUpstream;
let well: FakeUpstream;
let gateway: GatewayProcess;
let stop: () => Promise<void>;

beforeAll(async () => {
  [sick, well] = (await Promise.all([1, 2].map(() => startOpenAIUpstream({ apiKey: upstreamKey })))) as [FakeUpstream, FakeUpstream];
  sick.failNext(Array.from({ length: 4 }, () => ({ status: 503 })));
  ({ gateway, stop } = await serveTestConfig({
    name: "e2e-health-checks",
    upstreams: [sick, well],
    env: { OPENAI_API_KEY: upstreamKey, GW_MASTER_KEY: masterKey },
    masterKey,
    config: {
      masterKey: { $env: "GW_MASTER_KEY" },
      models: [
        {
          name: "checked",
          routing: { allowedFails: 2, cooldownSeconds: 1, healthCheckSeconds: 1 },
          deployments: [deployment("sick", sick), deployment("well", well)],
        },
      ],
    },
  }));
});

afterAll(() => stop?.());

type States = Record<string, { state: string; recent_requests: number }>;

async function waitFor(check: (states: States) => boolean, what: string): Promise<States> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const readiness = await getRaw(gateway, "/health/readiness");
    const states = (readiness.json as { deployments: States }).deployments;
    if (check(states)) return states;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(states)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("the checks alone cool a failing deployment down, then see it recover; each check is a real request", async () => {
  await waitFor((states) => states.sick?.state === "cooling_down", "sick to cool down");
  // No client has sent anything: only health checks reached the upstreams.
  expect(sick.requests.length).toBeGreaterThanOrEqual(2);
  expect(sick.requests.every((request) => JSON.stringify(request.body).includes('"ping"'))).toBe(true);
  expect(well.requests.length).toBeGreaterThanOrEqual(1);
  // The upstream's script runs out (4 failures): the next check after the cooldown succeeds.
  await waitFor((states) => states.sick?.state === "healthy" && sick.requests.length > 4, "sick to recover");
  const listed = await getRaw(gateway, "/deployments", masterKey);
  const sickEntry = (listed.json as { data: Array<{ id: string; error_rate: number | null }> }).data.find((entry) => entry.id === "sick");
  expect(sickEntry?.error_rate).toBeGreaterThan(0);
});
