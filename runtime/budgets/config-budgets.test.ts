/**
 * Budgets of teams declared in the config, through the app: the same mechanism as the admin
 * API's budgets (enforcement.ts over the budget ledger), periods in the budget time zone (UTC
 * here), counters seeded from the recorded spend.
 */
import { describe, expect, it } from "vitest";
import type { SpendRecord } from "../stores/ports.ts";
import { spendRecord } from "../testing/spend-record.ts";
import { createFakeBundle, streamOf, answer } from "../testing/fake-provider.ts";
import { createTestGateway, hello, keyHash } from "../testing/test-gateway.ts";

const at = (iso: string) => Date.parse(iso);

function record(team: string, timestamp: number, costUsd: number): SpendRecord {
  return spendRecord(timestamp, costUsd, { team, keyName: "k" });
}

describe("config team budgets through the app", () => {
  const teams = [
    { name: "research", budget: { usd: 1, period: "month" as const }, models: null },
    { name: "ops", budget: { usd: 1, period: "day" as const }, models: null },
  ];
  const bundle = createFakeBundle({
    models: [{ name: "chat", deployments: ["fake-1"] }],
    masterKey: keyHash("master-secret"),
    teams,
    keys: [
      { name: "research-ci", team: "research", key: keyHash("research-secret") },
      { name: "ops-bot", team: "ops", key: keyHash("ops-secret") },
    ],
    // $1 per million input tokens, $2 per million output tokens.
    price: { input: 1, output: 2 },
  });
  const now = at("2026-11-20T12:00:00Z");
  const clock = { now: () => now };

  it("answers 429 budget_exceeded naming the team, the spend and the reset once the team is at its budget", async () => {
    const gateway = await createTestGateway(bundle, {
      clock,
      records: [record("research", at("2026-11-02T00:00:00Z"), 0.999_99)],
      // 10 input + 5 output tokens per request = $0.00002
      handlers: { "fake-1": answer("hi", 10, 5) },
    });
    expect((await gateway.chat(hello, "research-secret")).status).toBe(200);
    const response = await gateway.chat(hello, "research-secret");
    expect(response.status).toBe(429);
    expect(response.headers.get("x-should-retry")).toBe("false");
    const body = (await response.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error.type).toBe("rate_limit_error");
    expect(body.error.code).toBe("budget_exceeded");
    expect(body.error.message).toContain('Team "research" has spent $1.00 of its $1.00 budget');
    expect(body.error.message).toContain("It resets at 2026-12-01T00:00:00Z");
    // No upstream call for the refused request.
    expect(gateway.calls).toHaveLength(1);
  });

  it("does not count spend from before the period", async () => {
    const gateway = await createTestGateway(bundle, {
      clock,
      records: [record("ops", at("2026-11-19T23:59:59Z"), 5)],
      handlers: { "fake-1": answer("hi") },
    });
    expect((await gateway.chat(hello, "ops-secret")).status).toBe(200);
  });

  it("says when a daily budget resets", async () => {
    const gateway = await createTestGateway(bundle, { clock, records: [record("ops", at("2026-11-20T01:00:00Z"), 5)] });
    const body = (await (await gateway.chat(hello, "ops-secret")).json()) as { error: { message: string } };
    expect(body.error.message).toContain('Team "ops" has spent $5.00 of its $1.00 budget');
    expect(body.error.message).toContain("It resets at 2026-11-21T00:00:00Z");
  });

  it("never limits the master key", async () => {
    const gateway = await createTestGateway(bundle, {
      clock,
      records: [record("research", at("2026-11-02T00:00:00Z"), 500)],
      handlers: { "fake-1": answer("hi") },
    });
    expect((await gateway.chat(hello, "research-secret")).status).toBe(429);
    expect((await gateway.chat(hello, "master-secret")).status).toBe(200);
  });

  it("counts each request's cost against its team and records it", async () => {
    const gateway = await createTestGateway(bundle, { clock, handlers: { "fake-1": answer("hi", 200_000, 200_000) } });
    // $0.20 + $0.40 = $0.60 per request: the second succeeds, the third is refused.
    expect((await gateway.chat(hello, "research-secret")).status).toBe(200);
    expect((await gateway.chat(hello, "research-secret")).status).toBe(200);
    expect((await gateway.chat(hello, "research-secret")).status).toBe(429);
    expect(gateway.store.records.map((entry) => [entry.team, entry.keyName, entry.costUsd])).toEqual([
      ["research", "research-ci", 0.6],
      ["research", "research-ci", 0.6],
    ]);
  });

  it("counts a stream's cost when it ends", async () => {
    const gateway = await createTestGateway(bundle, {
      clock,
      handlers: { "fake-1": streamOf(['{"text":"a"}', '{"input":400000,"output":300000}', "[DONE]"]) },
    });
    const response = await gateway.chat({ ...hello, stream: true }, "research-secret");
    await response.text();
    expect(gateway.store.records[0]?.costUsd).toBeCloseTo(1.0, 9);
    expect((await gateway.chat(hello, "research-secret")).status).toBe(429);
  });

  it("admits a team's first request whose worst case passes a small budget, and records its real cost", async () => {
    const small = createFakeBundle({
      models: [{ name: "chat", deployments: ["fake-1"] }],
      teams: [{ name: "tiny", budget: { usd: 0.0001, period: "day" as const }, models: null }],
      keys: [{ name: "tiny-key", team: "tiny", key: keyHash("tiny-secret") }],
      price: { input: 1, output: 2 },
    });
    // No max_tokens: the worst case reserves 4,096 output tokens ($0.008), 80 times the budget.
    const gateway = await createTestGateway(small, { clock, handlers: { "fake-1": answer("hi", 100, 100) } });
    expect((await gateway.chat(hello, "tiny-secret")).status).toBe(200);
    expect(gateway.store.records[0]?.costUsd).toBeCloseTo(0.0003, 12);
    const refused = await gateway.chat(hello, "tiny-secret");
    expect(refused.status).toBe(429);
    const { error } = (await refused.json()) as { error: { message: string } };
    expect(error.message).toBe(
      'Team "tiny" has spent $0.000300 of its $0.000100 budget; nothing is left for this request. It resets at 2026-11-21T00:00:00Z. ' +
        "Wait for the reset or ask the gateway's operator to raise the budget.",
    );
  });
});
