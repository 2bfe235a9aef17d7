/**
 * End to end: a key's budget survives a restart of the real `gw serve` (embedded default: SQLite
 * spend store, in-process ledger, no Redis). The restarted process starts its budget counters at
 * zero and loads the key's recorded spend from .gw/gw.db on the key's first request.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { postRaw } from "../support/gateway-client.ts";
import { createTestDirectory, removeTestDirectory, startGateway, writeConfig, type GatewayProcess } from "../support/start-gw.ts";

const masterKey = "sk-gw-master-budget-restart-e2e";
let directory: string;
let config: string;
let gateway: GatewayProcess | undefined;
const hello = [{ role: "user" as const, content: "Hello from a limited key" }];

beforeAll(() => {
  directory = createTestDirectory("e2e-budget-restart");
  config = writeConfig(directory, {
    // $1,000 per million tokens: a tenth of a cent per token keeps the budget arithmetic readable.
    models: [{ name: "chat", deployments: [{ provider: "mock", model: "mock-1", price: { inputPerMTok: 1000, outputPerMTok: 1000 } }] }],
    masterKey: { $env: "GW_MASTER_KEY" },
  });
});

afterAll(async () => {
  await gateway?.stop();
  removeTestDirectory(directory);
});

const start = (): Promise<GatewayProcess> => startGateway({ config, dataDir: `${directory}/data`, env: { GW_MASTER_KEY: masterKey } });

describe("budgets across a restart", () => {
  test("a key whose max_budget covers one request is refused with budget_exceeded after gw restarts", async () => {
    gateway = await start();
    const generated = await postRaw(gateway, { key_alias: "one-request", max_budget: 0.01 }, { apiKey: masterKey, path: "/key/generate" });
    expect(generated.status).toBe(200);
    const key = (generated.json as { key: string }).key;
    // Worst case with max_tokens 20 ≈ $0.033: the first request is admitted on the $0.01 left
    // (reserving it whole), and what it really costs (the prompt alone is over $0.01) uses it up.
    const first = await postRaw(gateway, { model: "chat", messages: hello, max_tokens: 20 }, { apiKey: key });
    expect(first.status).toBe(200);
    const stopped = await gateway.stop();
    gateway = undefined;
    expect(stopped.code).toBe(0);

    gateway = await start();
    const afterRestart = await postRaw(gateway, { model: "chat", messages: hello, max_tokens: 20 }, { apiKey: key });
    expect(afterRestart.status).toBe(429);
    const error = (afterRestart.json as { error: { code: string; message: string } }).error;
    expect(error.code).toBe("budget_exceeded");
    expect(error.message).toContain('Key "one-request"');
  }, 60_000);
});
