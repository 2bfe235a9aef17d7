import { describe, expect, it } from "vitest";
import { createBudgetTracker, periodEnd, periodStart } from "./budget.ts";
import type { SpendRecord } from "./ports.ts";
import { createMemorySpendStore } from "./stores/memory-spend-store.ts";
import { createFakeBundle, streamOf, answer } from "./testing/fake-provider.ts";
import { createTestGateway, hello, keyHash } from "./testing/test-gateway.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe("budget periods (UTC)", () => {
  it("days start at midnight UTC", () => {
    const now = at("2026-03-10T23:59:59.999Z");
    expect(iso(periodStart("day", now))).toBe("2026-03-10T00:00:00.000Z");
    expect(iso(periodEnd("day", now))).toBe("2026-03-11T00:00:00.000Z");
    expect(iso(periodStart("day", at("2026-03-11T00:00:00.000Z")))).toBe("2026-03-11T00:00:00.000Z");
  });

  it("weeks start on Monday 00:00 UTC (ISO 8601)", () => {
    // 2026-03-09 is a Monday; 2026-03-15 a Sunday.
    expect(iso(periodStart("week", at("2026-03-15T23:00:00Z")))).toBe("2026-03-09T00:00:00.000Z");
    expect(iso(periodEnd("week", at("2026-03-15T23:00:00Z")))).toBe("2026-03-16T00:00:00.000Z");
    expect(iso(periodStart("week", at("2026-03-16T00:00:00Z")))).toBe("2026-03-16T00:00:00.000Z");
    expect(iso(periodStart("week", at("2026-03-11T12:00:00Z")))).toBe("2026-03-09T00:00:00.000Z");
    // Across a year boundary: Thursday 2027-01-01 belongs to the week of Monday 2026-12-28.
    expect(iso(periodStart("week", at("2027-01-01T08:00:00Z")))).toBe("2026-12-28T00:00:00.000Z");
  });

  it("months start on the 1st at 00:00 UTC", () => {
    expect(iso(periodStart("month", at("2026-02-28T23:59:59Z")))).toBe("2026-02-01T00:00:00.000Z");
    expect(iso(periodEnd("month", at("2026-02-28T23:59:59Z")))).toBe("2026-03-01T00:00:00.000Z");
    expect(iso(periodEnd("month", at("2026-12-15T00:00:00Z")))).toBe("2027-01-01T00:00:00.000Z");
  });
});

function record(team: string, timestamp: number, costUsd: number): SpendRecord {
  return {
    requestId: `req-${timestamp}-${costUsd}`,
    timestamp,
    team,
    keyName: "k",
    model: "chat",
    deployment: "chat/0",
    provider: "fake",
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd,
    latencyMs: 1,
    status: 200,
    stream: false,
  };
}

describe("budget tracker", () => {
  it("loads the current period's spend from the store and rolls over at the boundary", async () => {
    let now = at("2026-03-31T23:00:00Z");
    const clock = { now: () => now };
    const store = createMemorySpendStore([
      record("research", at("2026-02-27T10:00:00Z"), 50), // previous month: not counted
      record("research", at("2026-03-02T10:00:00Z"), 4),
      record("research", at("2026-03-20T10:00:00Z"), 5),
      record("ops", at("2026-03-20T10:00:00Z"), 100),
    ]);
    const budgets = createBudgetTracker(new Map([["research", { usd: 10, period: "month" as const }]]), store, clock);
    await budgets.loaded;
    expect(budgets.spent("research")).toBe(9);
    expect(budgets.check("research")).toBeNull();
    budgets.add("research", 1.5, now);
    const over = budgets.check("research");
    expect(over?.status).toBe(429);
    expect(over?.code).toBe("budget_exceeded");
    now = at("2026-04-01T00:00:00Z");
    expect(budgets.check("research")).toBeNull();
    expect(budgets.spent("research")).toBe(0);
  });
});

describe("budgets through the app", () => {
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

  it("answers 429 budget_exceeded naming the team, the spend and the period once the team is at its budget", async () => {
    const gateway = createTestGateway(bundle, {
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
    expect(body.error.message).toContain('Team "research"');
    expect(body.error.message).toContain("$1.00 budget");
    expect(body.error.message).toContain("this month");
    expect(body.error.message).toContain("resets 2026-12-01T00:00:00Z");
    // No upstream call for the refused request.
    expect(gateway.calls).toHaveLength(1);
  });

  it("does not count spend from before the period", async () => {
    const gateway = createTestGateway(bundle, {
      clock,
      records: [record("ops", at("2026-11-19T23:59:59Z"), 5)],
      handlers: { "fake-1": answer("hi") },
    });
    expect((await gateway.chat(hello, "ops-secret")).status).toBe(200);
  });

  it("names the daily period", async () => {
    const gateway = createTestGateway(bundle, { clock, records: [record("ops", at("2026-11-20T01:00:00Z"), 5)] });
    const body = (await (await gateway.chat(hello, "ops-secret")).json()) as { error: { message: string } };
    expect(body.error.message).toContain('Team "ops"');
    expect(body.error.message).toContain("today");
    expect(body.error.message).toContain("resets 2026-11-21T00:00:00Z");
  });

  it("never limits the master key", async () => {
    const gateway = createTestGateway(bundle, {
      clock,
      records: [record("research", at("2026-11-02T00:00:00Z"), 500)],
      handlers: { "fake-1": answer("hi") },
    });
    expect((await gateway.chat(hello, "research-secret")).status).toBe(429);
    expect((await gateway.chat(hello, "master-secret")).status).toBe(200);
  });

  it("counts each request's cost against its team and records it", async () => {
    const gateway = createTestGateway(bundle, { clock, handlers: { "fake-1": answer("hi", 200_000, 200_000) } });
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
    const gateway = createTestGateway(bundle, {
      clock,
      handlers: { "fake-1": streamOf(['{"text":"a"}', '{"input":400000,"output":300000}', "[DONE]"]) },
    });
    const response = await gateway.chat({ ...hello, stream: true }, "research-secret");
    await response.text();
    expect(gateway.store.records[0]?.costUsd).toBeCloseTo(1.0, 9);
    expect((await gateway.chat(hello, "research-secret")).status).toBe(429);
  });
});
