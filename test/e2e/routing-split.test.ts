/**
 * End to end: the traffic split of the weighted (default) and least-busy strategies through the
 * real `gw serve`, at concurrency, against two local OpenAI fakes: one answering at once, one after
 * a delay. Weighted follows the weights whatever the delays; least-busy sends most requests to the
 * deployment that frees up first, streams included (a stream is busy until it ends).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { FakeUpstream } from "../fakes/fake-server.ts";
import { startOpenAIUpstream } from "../fakes/openai-upstream.ts";
import { postRaw } from "../support/gateway-client.ts";
import { serveTestConfig } from "../support/serve-test-config.ts";
import type { GatewayProcess } from "../support/start-gw.ts";
import { openAIDeployment as deployment } from "../support/openai-deployment.ts";

const upstreamKey = "sk-upstream-split-test";
const masterKey = "gw-master-split-test";

let quick: FakeUpstream;
let slow: FakeUpstream;
let gateway: GatewayProcess;
let stop: () => Promise<void>;

beforeAll(async () => {
  [quick, slow] = (await Promise.all([1, 2].map(() => startOpenAIUpstream({ apiKey: upstreamKey })))) as [FakeUpstream, FakeUpstream];
  ({ gateway, stop } = await serveTestConfig({
    name: "e2e-split",
    upstreams: [quick, slow],
    env: { OPENAI_API_KEY: upstreamKey, GW_MASTER_KEY: masterKey },
    masterKey,
    config: {
      masterKey: { $env: "GW_MASTER_KEY" },
      models: [
        { name: "weighted", deployments: [deployment("w-quick", quick, { weight: 3 }), deployment("w-slow", slow)] },
        { name: "least-busy", routing: { strategy: "least-busy" }, deployments: [deployment("lb-quick", quick), deployment("lb-slow", slow)] },
      ],
    },
  }));
});

afterAll(() => stop?.());

beforeEach(() => {
  quick.reset();
  slow.reset();
});

/** `total` requests, `concurrency` at a time (every third one streaming); the deployment of each. */
async function run(model: string, total: number, concurrency: number): Promise<string[]> {
  const deployments: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const index = next++;
      const response = await postRaw(gateway, { model, messages: [{ role: "user", content: "hi" }], stream: index % 3 === 0 }, { apiKey: masterKey });
      expect(response.status).toBe(200);
      deployments.push(response.headers.get("x-gw-deployment") as string);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return deployments;
}

describe("traffic split", () => {
  test("weighted: about 3 to 1 as configured, delays notwithstanding", async () => {
    slow.failNext(Array.from({ length: 200 }, () => ({ delayMs: 50 })));
    const deployments = await run("weighted", 200, 4);
    const quickShare = deployments.filter((name) => name === "w-quick").length / deployments.length;
    // 3:1 is 75%; 200 draws stay within 60-90% with overwhelming probability.
    expect(quickShare).toBeGreaterThan(0.6);
    expect(quickShare).toBeLessThan(0.9);
  }, 60_000);

  test("least-busy: the slow deployment holds its requests longer, so the quick one takes most of them", async () => {
    slow.failNext(Array.from({ length: 120 }, () => ({ delayMs: 300 })));
    const deployments = await run("least-busy", 120, 6);
    const quickShare = deployments.filter((name) => name === "lb-quick").length / deployments.length;
    // Equal weights: weighted would give about half. Least-busy gives the slow one only what finds it idle-or-tied.
    expect(quickShare).toBeGreaterThan(0.75);
    expect(slow.chatRequests().length).toBeGreaterThan(0);
  }, 60_000);
});
