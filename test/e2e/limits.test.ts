/**
 * End to end: rate limits and budgets of keys created through the admin API of the real
 * `gw serve` (embedded default: in-process limiter and ledger) are enforced on chat requests.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getRaw, postRaw } from "../support/gateway-client.ts";
import { createTestDirectory, removeTestDirectory, startGateway, writeConfig, type GatewayProcess } from "../support/start-gw.ts";
import { withinOneMinute } from "../support/minute-window.ts";

const masterKey = "sk-gw-master-limits-e2e";
let directory: string;
let gateway: GatewayProcess;
const hello = [{ role: "user" as const, content: "Hello from a limited key" }];

beforeAll(async () => {
  directory = createTestDirectory("e2e-limits");
  const config = writeConfig(directory, {
    // $1,000 per million tokens: a tenth of a cent per token keeps the budget arithmetic readable.
    models: [{ name: "chat", deployments: [{ provider: "mock", model: "mock-1", price: { inputPerMTok: 1000, outputPerMTok: 1000 } }] }],
    masterKey: { $env: "GW_MASTER_KEY" },
  });
  gateway = await startGateway({ config, dataDir: `${directory}/data`, env: { GW_MASTER_KEY: masterKey } });
});

afterAll(async () => {
  await gateway?.stop();
  removeTestDirectory(directory);
});

async function generateKey(fields: Record<string, unknown>): Promise<string> {
  const response = await postRaw(gateway, fields, { apiKey: masterKey, path: "/key/generate" });
  expect(response.status).toBe(200);
  return (response.json as { key: string }).key;
}

interface ErrorBody {
  error: { type: string; code: string; message: string };
}

describe("limits and budgets on gw serve", () => {
  test("readiness says limits are per process (no Redis configured)", async () => {
    const readiness = await getRaw(gateway, "/health/readiness");
    expect(readiness.status).toBe(200);
    expect((readiness.json as { limits?: string }).limits).toBe("per-process");
  });

  test("a key with rpm_limit 2 gets 429 with Retry-After on its third request in the minute", async () => {
    const key = await generateKey({ key_alias: "two-a-minute", rpm_limit: 2 });
    // Limits count per calendar minute: keep the three requests inside one.
    await withinOneMinute(5_000);
    const first = await postRaw(gateway, { model: "chat", messages: hello }, { apiKey: key });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    expect((await postRaw(gateway, { model: "chat", messages: hello }, { apiKey: key })).status).toBe(200);
    const third = await postRaw(gateway, { model: "chat", messages: hello }, { apiKey: key });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(third.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    const error = (third.json as ErrorBody).error;
    expect(error.type).toBe("rate_limit_error");
    expect(error.code).toBe("rate_limit_exceeded");
    expect(error.message).toContain('Key "two-a-minute"');
  }, 90_000);

  test("a key with a tiny max_budget gets budget_exceeded after its first request", async () => {
    // Worst case with max_tokens 20: ~13 prompt tokens + 20 output tokens ≈ $0.033; the first
    // request is admitted on the $0.01 left (reserving it whole), and its real cost (the prompt
    // alone is over $0.01) uses it up.
    const key = await generateKey({ key_alias: "tiny-budget", max_budget: 0.01 });
    const first = await postRaw(gateway, { model: "chat", messages: hello, max_tokens: 20 }, { apiKey: key });
    expect(first.status).toBe(200);
    const second = await postRaw(gateway, { model: "chat", messages: hello, max_tokens: 20 }, { apiKey: key });
    expect(second.status).toBe(429);
    const error = (second.json as ErrorBody).error;
    expect(error.code).toBe("budget_exceeded");
    expect(error.message).toContain('Key "tiny-budget"');
    expect(second.headers.get("x-should-retry")).toBe("false");
  });
});
