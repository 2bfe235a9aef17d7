import { describe, expect, it } from "vitest";
import { createGateway } from "../index.ts";
import { loadBundle, sha256Hex } from "../start/load-bundle.ts";
import { createLogger } from "../http/logger.ts";
import type { SpendRecord, SpendSubjectKind } from "../stores/ports.ts";
import { createMemorySpendStore, type MemorySpendStore } from "../stores/memory/memory-spend-store.ts";
import { spendRecord } from "../testing/spend-record.ts";
import { answer, createFakeBundle, createFakeFetch, getFakeProvider } from "../testing/fake-provider.ts";
import { createBudgetSeeding, type SeedTarget, type SubjectSpendSource } from "./budget-seeding.ts";
import { createMemoryBudgetLedger } from "../stores/memory/memory-budget-ledger.ts";
import { createMemoryGovernanceStore } from "../stores/memory/memory-governance-store.ts";
import type { EntityBase, ManagedKey } from "../stores/ports.ts";

const march = Date.parse("2026-03-01T00:00:00Z");
const april = Date.parse("2026-04-01T00:00:00Z");
const keyTarget = (periodStart = march, periodEnd: number | null = april): SeedTarget => ({
  subject: { kind: "key", id: "key-1" },
  recordedAs: "abcdef012345",
  periodStart,
  periodEnd,
});

/** A source that counts reads and answers from a table, or fails while `down` is set. */
function countingSource(spend: Record<string, number>) {
  const reads: Array<{ kind: SpendSubjectKind; id: string; sinceMs: number }> = [];
  const state = { down: false };
  const source: SubjectSpendSource = async (kind, id, sinceMs) => {
    reads.push({ kind, id, sinceMs });
    if (state.down) throw new Error("connection refused");
    return spend[`${kind}:${id}`] ?? 0;
  };
  return { reads, state, source };
}

describe("createBudgetSeeding", () => {
  it("reads a subject's recorded spend once per period, shared by concurrent requests, and seeds the ledger", async () => {
    const ledger = createMemoryBudgetLedger();
    const { reads, source } = countingSource({ "key:abcdef012345": 3.5 });
    const seeding = createBudgetSeeding({ source, ledger, log: () => {} });
    const now = march + 1000;
    const first = seeding.ensure([keyTarget()], now);
    const second = seeding.ensure([keyTarget()], now);
    expect(first).not.toBeNull();
    await Promise.all([first, second]);
    expect(reads).toEqual([{ kind: "key", id: "abcdef012345", sinceMs: march }]);
    expect(await ledger.spent({ kind: "key", id: "key-1" }, march, now)).toBe(3.5);
    // Seeded: nothing to wait for, no further read.
    expect(seeding.ensure([keyTarget()], now)).toBeNull();
    expect(reads).toHaveLength(1);
  });

  it("seeds again in a new period, from that period's start", async () => {
    const ledger = createMemoryBudgetLedger();
    const { reads, source } = countingSource({ "key:abcdef012345": 1 });
    const seeding = createBudgetSeeding({ source, ledger, log: () => {} });
    await seeding.ensure([keyTarget()], march);
    const may = Date.parse("2026-05-01T00:00:00Z");
    await seeding.ensure([keyTarget(april, may)], april);
    expect(reads.map((read) => read.sinceMs)).toEqual([march, april]);
    expect(await ledger.spent({ kind: "key", id: "key-1" }, april, april)).toBe(1);
  });

  it("lets the request go on when the read fails, logs once, and retries on a later request", async () => {
    const ledger = createMemoryBudgetLedger();
    const { reads, state, source } = countingSource({ "team:t1": 2 });
    const logs: string[] = [];
    let clock = march;
    const seeding = createBudgetSeeding({ source, ledger, log: (line) => logs.push(line), retryMs: 5_000, now: () => clock });
    const team: SeedTarget = { subject: { kind: "team", id: "t1" }, recordedAs: "t1", periodStart: march, periodEnd: april };
    state.down = true;
    await seeding.ensure([team], clock);
    expect(await ledger.spent(team.subject, march, clock)).toBe(0);
    // Within the retry interval: no read, nothing to wait for.
    expect(seeding.ensure([team], clock)).toBeNull();
    clock += 5_000;
    await seeding.ensure([team], clock);
    expect(reads).toHaveLength(2);
    expect(logs.filter((line) => line.includes("could not load recorded spend"))).toHaveLength(1);
    state.down = false;
    clock += 5_000;
    await seeding.ensure([team], clock);
    expect(reads).toHaveLength(3);
    expect(await ledger.spent(team.subject, march, clock)).toBe(2);
    expect(logs.some((line) => line.includes("readable again"))).toBe(true);
    expect(seeding.ensure([team], clock)).toBeNull();
  });

  it("does not hold a request longer than waitMs on a slow read, and the late answer still seeds", async () => {
    const ledger = createMemoryBudgetLedger();
    let answerRead: (usd: number) => void = () => {};
    const source: SubjectSpendSource = () => new Promise<number>((resolve) => (answerRead = resolve));
    const seeding = createBudgetSeeding({ source, ledger, log: () => {}, waitMs: 5 });
    await seeding.ensure([keyTarget()], march);
    // The read is already too slow: later requests do not wait on it either.
    expect(seeding.ensure([keyTarget()], march)).toBeNull();
    answerRead(4);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await ledger.spent({ kind: "key", id: "key-1" }, march, march)).toBe(4);
  });

  it("seeds every subject again after reset (Redis came back), without counting spend twice", async () => {
    const ledger = createMemoryBudgetLedger();
    const { reads, source } = countingSource({ "key:abcdef012345": 3 });
    const seeding = createBudgetSeeding({ source, ledger, log: () => {} });
    await seeding.ensure([keyTarget()], march);
    seeding.reset();
    const again = seeding.ensure([keyTarget()], march);
    expect(again).not.toBeNull();
    await again;
    expect(reads).toHaveLength(2);
    expect(await ledger.spent({ kind: "key", id: "key-1" }, march, march)).toBe(3);
  });

  it("ignores deployment subjects (they have no recorded spend of their own)", () => {
    const { reads, source } = countingSource({});
    const seeding = createBudgetSeeding({ source, ledger: createMemoryBudgetLedger(), log: () => {} });
    expect(seeding.ensure([{ subject: { kind: "deployment", id: "d" }, recordedAs: "d", periodStart: march, periodEnd: null }], march)).toBeNull();
    expect(reads).toHaveLength(0);
  });
});

describe("memory spend store: subjectSpendSince", () => {
  it("sums by key hash prefix, team, user and customer since a time", async () => {
    const row = (requestId: string, timestamp: number, costUsd: number, fields: Partial<SpendRecord>): SpendRecord => spendRecord(timestamp, costUsd, { requestId, ...fields });
    const store = createMemorySpendStore([
      row("r1", 100, 1, { keyHashPrefix: "aaa", team: "t", user: "u", customer: "c" }),
      row("r2", 200, 2, { keyHashPrefix: "aaa", team: "t" }),
      row("r3", 300, 4, { keyHashPrefix: "bbb", customer: "c" }),
    ]);
    expect(await store.subjectSpendSince("key", "aaa", 0)).toBe(3);
    expect(await store.subjectSpendSince("key", "aaa", 150)).toBe(2);
    expect(await store.subjectSpendSince("team", "t", 0)).toBe(3);
    expect(await store.subjectSpendSince("user", "u", 0)).toBe(1);
    expect(await store.subjectSpendSince("customer", "c", 0)).toBe(5);
  });
});

describe("budgets across a restart (memory ledger, durable spend store)", () => {
  const base: EntityBase = {
    models: [],
    metadata: {},
    fromConfig: false,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    // One request costs $0.002 (1,000 input tokens at $1/M, 500 output at $2/M).
    maxBudget: 0.002,
    softBudget: null,
    budgetDuration: "30d",
    rpmLimit: null,
    tpmLimit: null,
    maxParallelRequests: null,
  };
  const key: ManagedKey = {
    ...base,
    keyId: "key-restart",
    keyHash: sha256Hex("sk-restart"),
    keyAlias: null,
    teamId: null,
    userId: null,
    tags: [],
    blocked: false,
    expiresAt: null,
    admin: false,
  };
  const bundle = createFakeBundle({ models: [{ name: "chat", deployments: ["fake-1"] }], masterKey: { sha256: sha256Hex("sk-master") }, price: { input: 1, output: 2 } });

  /** One process: a fresh ledger and limiter over the given spend store. */
  async function process(spendStore: MemorySpendStore, seeded: boolean) {
    const clock = { now: () => Date.parse("2026-03-10T12:00:00Z") };
    const fake = createFakeFetch({ "fake-1": answer("Hi", 1000, 500) });
    const plan = loadBundle(bundle, { env: { FAKE_API_KEY: "sk-up" }, getProvider: getFakeProvider, io: { fetch: fake.fetch, now: () => clock.now() } });
    const governanceStore = createMemoryGovernanceStore({ keys: [key], teams: [], users: [], customers: [] });
    // The control process reads no recorded spend (as if seeding were not there).
    const store = seeded ? spendStore : { ...spendStore, record: (entry: SpendRecord) => spendStore.record(entry), subjectSpendSince: async () => 0 };
    const { app } = await createGateway({
      plan,
      store,
      governanceStore,
      fetch: fake.fetch,
      clock,
      random: () => 0,
      sleep: async () => {},
      logger: createLogger({ format: "json", write: () => {} }),
    });
    return (): Promise<Response> =>
      Promise.resolve(
        app.request("/v1/chat/completions", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: "Bearer sk-restart" },
          body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "Hello" }], max_tokens: 10 }),
        }),
      );
  }

  it("refuses with budget_exceeded after a restart when the spend store already holds the budget's spend", async () => {
    const spend = createMemorySpendStore();
    const before = await process(spend, true);
    expect((await before()).status).toBe(200);
    expect(spend.records.map((record) => record.keyHashPrefix)).toEqual([key.keyHash.slice(0, 12)]);

    const after = await process(spend, true);
    const refused = await after();
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("budget_exceeded");
  });

  it("(control) without seeding, the restarted process would let the key spend its budget again", async () => {
    const spend = createMemorySpendStore();
    expect((await (await process(spend, false))()).status).toBe(200);
    expect((await (await process(spend, false))()).status).toBe(200);
  });
});
