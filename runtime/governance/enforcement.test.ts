import { describe, expect, it } from "vitest";
import { createGateway } from "../index.ts";
import { loadBundle, sha256Hex } from "../start/load-bundle.ts";
import { createLogger } from "../http/logger.ts";
import type { Clock } from "../stores/ports.ts";
import { createMemorySpendStore } from "../stores/memory/memory-spend-store.ts";
import { answer, createFakeBundle, createFakeFetch, embedWith, failWith, type FakeHandler, getFakeProvider, hang, streamOf } from "../testing/fake-provider.ts";
import { createMemoryBudgetLedger } from "../stores/memory/memory-budget-ledger.ts";
import { createMemoryGovernanceStore } from "../stores/memory/memory-governance-store.ts";
import { createMemoryRateLimiter } from "../stores/memory/memory-rate-limiter.ts";
import type { BudgetLedger, EntityBase, ManagedCustomer, ManagedKey, ManagedTeam, ManagedUser, RateLimiter, Subject } from "../stores/ports.ts";

const at = "2026-01-01T00:00:00.000Z";
const base: EntityBase = {
  models: [],
  metadata: {},
  fromConfig: false,
  createdAt: at,
  updatedAt: at,
  maxBudget: null,
  softBudget: null,
  budgetDuration: null,
  rpmLimit: null,
  tpmLimit: null,
  maxParallelRequests: null,
};

function managedKey(secret: string, fields: Partial<ManagedKey> = {}): ManagedKey {
  return {
    ...base,
    keyId: `id-${secret}`,
    keyHash: sha256Hex(secret),
    keyAlias: `alias-${secret}`,
    teamId: null,
    userId: null,
    tags: [],
    blocked: false,
    expiresAt: null,
    admin: false,
    ...fields,
  };
}

const masterSecret = "sk-master";
// $1 per million input tokens, $2 per million output tokens.
const bundle = createFakeBundle({
  models: [
    { name: "chat", deployments: ["fake-1"] },
    // Unpriced itself: only its fallback's price makes its worst case non-zero.
    { name: "flaky", deployments: [{ model: "fake-broken", priced: false }], fallbacks: ["dear"] },
    { name: "dear", deployments: [{ model: "fake-dear" }] },
  ],
  masterKey: { sha256: sha256Hex(masterSecret) },
  price: { input: 1, output: 2 },
});

interface Spied {
  limiter: RateLimiter;
  ledger: BudgetLedger;
  tickets: Set<string>;
  reservations: Set<string>;
  acquireCalls: number;
  reserveCalls: number;
  /** The worst case asked for by each reserve call. */
  worstCases: number[];
  settled: number[];
}

/** Memory limiter and ledger that record what is held, to prove nothing leaks. */
function spied(): Spied {
  const limiter = createMemoryRateLimiter();
  const ledger = createMemoryBudgetLedger();
  const spy: Spied = {
    tickets: new Set(),
    reservations: new Set(),
    acquireCalls: 0,
    reserveCalls: 0,
    worstCases: [],
    settled: [],
    limiter: {
      description: limiter.description,
      isClusterWide: () => false,
      async acquire(subjects, tokens, now) {
        spy.acquireCalls++;
        const decision = await limiter.acquire(subjects, tokens, now);
        if (decision.ticket !== null) spy.tickets.add(decision.ticket);
        return decision;
      },
      async release(ticket, tokens, now) {
        spy.tickets.delete(ticket);
        await limiter.release(ticket, tokens, now);
      },
      usage: (subjects, now) => limiter.usage(subjects, now),
    },
    ledger: {
      description: ledger.description,
      async reserve(subjects, worstCase, now) {
        spy.reserveCalls++;
        spy.worstCases.push(worstCase);
        const decision = await ledger.reserve(subjects, worstCase, now);
        if (decision.reservation !== null) spy.reservations.add(decision.reservation);
        return decision;
      },
      async settle(reservation, usd) {
        spy.reservations.delete(reservation);
        spy.settled.push(usd);
        return ledger.settle(reservation, usd);
      },
      async release(reservation) {
        spy.reservations.delete(reservation);
        await ledger.release(reservation);
      },
      spent: (subject, start, now) => ledger.spent(subject, start, now),
      seed: (subject, start, end, usd) => ledger.seed(subject, start, end, usd),
    },
  };
  return spy;
}

interface Setup {
  keys?: ManagedKey[];
  teams?: ManagedTeam[];
  users?: ManagedUser[];
  customers?: ManagedCustomer[];
  handlers?: Record<string, FakeHandler | FakeHandler[]>;
  clock?: Clock;
  /** The ledger's reserve throws (a backend failure the fallback did not absorb). */
  failReserve?: boolean;
}

async function gateway(setup: Setup) {
  const fake = createFakeFetch(setup.handlers ?? { "fake-1": answer("Hi", 1000, 500) });
  const clock = setup.clock ?? { now: () => Date.parse("2026-03-10T12:00:00Z") };
  const plan = loadBundle(bundle, { env: { FAKE_API_KEY: "sk-up" }, getProvider: getFakeProvider, io: { fetch: fake.fetch, now: () => clock.now() } });
  const governanceStore = createMemoryGovernanceStore({ keys: setup.keys ?? [], teams: setup.teams ?? [], users: setup.users ?? [], customers: setup.customers ?? [] });
  const spy = spied();
  if (setup.failReserve === true) {
    spy.ledger.reserve = async () => {
      throw new Error("ledger down");
    };
  }
  const alerts: Array<{ subject: Subject; spent: number; soft: number }> = [];
  const logs: string[] = [];
  const { app } = await createGateway({
    plan,
    store: createMemorySpendStore(),
    governanceStore,
    limits: { limiter: spy.limiter, ledger: spy.ledger },
    alert: (subject, spent, soft) => alerts.push({ subject, spent, soft }),
    fetch: fake.fetch,
    clock,
    random: () => 0,
    sleep: async () => {},
    logger: createLogger({ format: "json", write: (line) => logs.push(line) }),
  });
  const chat = async (secret: string, body: Record<string, unknown> = {}, signal?: AbortSignal): Promise<Response> =>
    app.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "Hello" }], max_tokens: 100, ...body }),
      signal,
    });
  /** Lets fire-and-forget settlements and releases run. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { app, chat, spy, alerts, logs, calls: fake.calls, settle };
}

async function errorOf(response: Response): Promise<{ type: string; code: string; message: string }> {
  return ((await response.json()) as { error: { type: string; code: string; message: string } }).error;
}

describe("rate limits on the request path", () => {
  it("refuses the third request in a minute of a key with rpm_limit 2, with Retry-After and x-ratelimit-* headers", async () => {
    const { chat, spy, settle, calls } = await gateway({ keys: [managedKey("sk-a", { rpmLimit: 2 })] });
    const first = await chat("sk-a");
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    expect((await chat("sk-a")).headers.get("x-ratelimit-remaining-requests")).toBe("0");
    const third = await chat("sk-a");
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(third.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect(third.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(third.headers.get("x-request-id")).not.toBeNull();
    const error = await errorOf(third);
    expect(error.type).toBe("rate_limit_error");
    expect(error.code).toBe("rate_limit_exceeded");
    expect(error.message).toContain('Key "alias-sk-a"');
    expect(error.message).toContain("2 requests per minute");
    expect(calls).toHaveLength(2);
    await settle();
    expect(spy.tickets.size).toBe(0);
  });

  it("reports tokens per minute in x-ratelimit-*-tokens and refuses once the estimate does not fit", async () => {
    const { chat } = await gateway({ keys: [managedKey("sk-t", { tpmLimit: 250 })] });
    const first = await chat("sk-t");
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit-tokens")).toBe("250");
    expect(Number(first.headers.get("x-ratelimit-remaining-tokens"))).toBeLessThan(250);
    // The first request really used 1,500 tokens: the window is spent.
    const second = await chat("sk-t");
    expect(second.status).toBe(429);
    expect((await errorOf(second)).message).toContain("250 tokens per minute");
  });

  it("limits a team's keys together and names the team", async () => {
    const { chat } = await gateway({
      teams: [{ ...base, teamId: "t1", teamAlias: "Research", blocked: false, rpmLimit: 1 }],
      keys: [managedKey("sk-1", { teamId: "t1" }), managedKey("sk-2", { teamId: "t1" })],
    });
    expect((await chat("sk-1")).status).toBe(200);
    const refused = await chat("sk-2");
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).message).toContain('Team "Research"');
  });

  it("limits the customer named by the request's `user` field, whatever the key", async () => {
    const { chat } = await gateway({ customers: [{ ...base, customerId: "cust-9", blocked: false, rpmLimit: 1 }] });
    expect((await chat(masterSecret, { user: "cust-9" })).status).toBe(200);
    const refused = await chat(masterSecret, { user: "cust-9" });
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).message).toContain('Customer "cust-9"');
    expect((await chat(masterSecret, { user: "someone-else" })).status).toBe(200);
  });

  it("frees a parallel slot when the client goes away during a non-streaming request", async () => {
    const { chat, spy, settle } = await gateway({
      keys: [managedKey("sk-p", { maxParallelRequests: 1 })],
      handlers: { "fake-1": [hang, answer("Hi", 10, 5)] },
    });
    const client = new AbortController();
    const pending = chat("sk-p", {}, client.signal);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const busy = await chat("sk-p");
    expect(busy.status).toBe(429);
    expect((await errorOf(busy)).message).toContain("1 parallel requests");
    client.abort();
    await pending.catch(() => null);
    await settle();
    expect(spy.tickets.size).toBe(0);
    expect((await chat("sk-p")).status).toBe(200);
  });

  it("does nothing for callers without limits or budgets: no limiter or ledger call", async () => {
    const { chat, spy } = await gateway({ keys: [managedKey("sk-free")] });
    expect((await chat("sk-free")).status).toBe(200);
    expect((await chat(masterSecret, { user: "unknown-customer" })).status).toBe(200);
    const response = await chat(masterSecret);
    expect(response.headers.get("x-ratelimit-limit-requests")).toBeNull();
    expect(spy.acquireCalls).toBe(0);
    expect(spy.reserveCalls).toBe(0);
  });
});

describe("budgets on the request path", () => {
  it("settles the real cost, then refuses with budget_exceeded naming the key and the period end", async () => {
    // Worst case of one request: (3 + 4 + 2) prompt tokens at $1/M + 100 output at $2/M ≈ $0.000209.
    // Real cost: 1000 * $1/M + 500 * $2/M = $0.002.
    const { chat, spy, settle } = await gateway({ keys: [managedKey("sk-b", { maxBudget: 0.0015, budgetDuration: "1d" })] });
    expect((await chat("sk-b")).status).toBe(200);
    await settle();
    expect(spy.settled).toEqual([0.002]);
    expect(spy.reservations.size).toBe(0);
    const refused = await chat("sk-b");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("x-should-retry")).toBe("false");
    const error = await errorOf(refused);
    expect(error.type).toBe("rate_limit_error");
    expect(error.code).toBe("budget_exceeded");
    expect(error.message).toContain('Key "alias-sk-b" has spent $0.002000 of its $0.001500 budget');
    expect(error.message).toContain("It resets at 2026-03-11T00:00:00Z");
  });

  it("says a budget without a period never resets and does not tell the caller to wait for a reset", async () => {
    const { chat, settle } = await gateway({ keys: [managedKey("sk-n", { maxBudget: 0.0001 })] });
    expect((await chat("sk-n", { max_tokens: 1000 })).status).toBe(200);
    await settle();
    const refused = await chat("sk-n", { max_tokens: 1000 });
    expect(refused.status).toBe(429);
    const error = await errorOf(refused);
    expect(error.code).toBe("budget_exceeded");
    expect(error.message).toContain("This budget does not reset.");
    expect(error.message).not.toMatch(/wait for the reset/i);
    expect(error.message).toMatch(/has spent \$[0-9.]+ of its \$[0-9.]+ budget/);
  });

  it("admits a first request whose worst case passes a small budget, reserving only what is left; refuses the next before calling upstream", async () => {
    // Worst case with max_tokens 1000: about $0.002, twenty times the budget.
    const { chat, spy, settle, calls } = await gateway({ keys: [managedKey("sk-c", { maxBudget: 0.0001, maxParallelRequests: 5 })] });
    expect((await chat("sk-c", { max_tokens: 1000 })).status).toBe(200);
    expect(spy.worstCases[0]).toBeGreaterThan(0.0019);
    await settle();
    // The real cost is recorded, though it passes the budget.
    expect(spy.settled).toEqual([0.002]);
    const refused = await chat("sk-c", { max_tokens: 1000 });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("x-should-retry")).toBe("false");
    expect((await errorOf(refused)).message).toContain("nothing is left for this request");
    expect(calls).toHaveLength(1);
    await settle();
    expect(spy.tickets.size).toBe(0);
    expect(spy.reservations.size).toBe(0);
  });

  it("while a request holds the last of the budget, a request that does not fit waits (retryable 429); one that fits goes ahead", async () => {
    const { chat, settle } = await gateway({
      keys: [managedKey("sk-w", { maxBudget: 0.001 })],
      handlers: { "fake-1": [streamOf(['{"text":"a"}', '{"input":100,"output":100}', "[DONE]"]), answer("Hi", 10, 10)] },
    });
    // Worst case about $0.002 (max_tokens 1000): it reserves the whole $0.001 and runs alone.
    const holding = await chat("sk-w", { stream: true, max_tokens: 1000 });
    expect(holding.status).toBe(200);
    const waiting = await chat("sk-w", { max_tokens: 1000 });
    expect(waiting.status).toBe(429);
    expect(waiting.headers.get("retry-after")).toBe("1");
    const error = await errorOf(waiting);
    expect(error.code).toBe("budget_exceeded");
    expect(error.message).toContain("requests in flight hold $0.001000 of it");
    await holding.text();
    await settle();
    // The stream cost $0.0003: $0.0007 is left, and a request whose worst case fits is admitted.
    expect((await chat("sk-w", { max_tokens: 100 })).status).toBe(200);
  });

  it("answers 503 when the ledger fails, without keeping the rate-limit slot", async () => {
    const { chat, spy, settle, logs, calls } = await gateway({ keys: [managedKey("sk-e", { maxBudget: 1, maxParallelRequests: 1 })], failReserve: true });
    const response = await chat("sk-e");
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe("governance_unavailable");
    expect(calls).toHaveLength(0);
    await settle();
    expect(spy.tickets.size).toBe(0);
    expect(logs.some((line) => line.includes("ledger down"))).toBe(true);
  });

  it("reserves the dearest price a fallback may reach, and releases when every attempt fails", async () => {
    const { chat, spy, settle } = await gateway({
      keys: [managedKey("sk-f", { maxBudget: 10 })],
      handlers: { "fake-broken": failWith(400), "fake-dear": failWith(400) },
    });
    const response = await chat("sk-f", { model: "flaky" });
    expect(response.status).toBe(400);
    await settle();
    expect(spy.reservations.size).toBe(0);
    expect(spy.settled).toEqual([]);
  });

  it("reserves at the price of a fallback when the requested model's own deployment is unpriced", async () => {
    const { chat, spy } = await gateway({ keys: [managedKey("sk-fb", { maxBudget: 1 })], handlers: { "fake-broken": failWith(500), "fake-dear": answer("Hi") } });
    expect((await chat("sk-fb", { model: "flaky", max_tokens: 1000 })).status).toBe(200);
    // 1000 output tokens at the fallback's $2/M, and the prompt at its $1/M.
    expect(spy.worstCases[0]).toBeGreaterThan(0.002);
    expect(spy.worstCases[0]).toBeLessThan(0.0021);
  });

  it("counts user and team budgets as well as the key's", async () => {
    const { chat, settle } = await gateway({
      users: [{ ...base, userId: "u1", userEmail: "ada@example.com", teamIds: [], maxBudget: 0.0015 }],
      keys: [managedKey("sk-u1", { userId: "u1" }), managedKey("sk-u2", { userId: "u1" })],
    });
    expect((await chat("sk-u1")).status).toBe(200);
    await settle();
    const refused = await chat("sk-u2");
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).message).toContain('User "ada@example.com"');
  });

  it("alerts once when the soft budget is crossed, and logs it", async () => {
    const { chat, alerts, logs, settle } = await gateway({ keys: [managedKey("sk-s", { softBudget: 0.003, maxBudget: 1 })] });
    for (let index = 0; index < 4; index++) {
      expect((await chat("sk-s")).status).toBe(200);
      await settle();
    }
    await settle();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.subject).toEqual({ kind: "key", id: "id-sk-s" });
    expect(alerts[0]?.soft).toBe(0.003);
    expect(alerts[0]?.spent).toBeCloseTo(0.004, 9);
    expect(logs.some((line) => line.includes("soft budget"))).toBe(true);
  });
});

describe("embeddings", () => {
  it("are rate limited and settled like chat completions", async () => {
    const { app, spy, settle } = await gateway({ keys: [managedKey("sk-em", { rpmLimit: 1, maxBudget: 1 })], handlers: { "fake-1": embedWith(1000) } });
    const embed = () =>
      app.request("/v1/embeddings", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sk-em" },
        body: JSON.stringify({ model: "chat", input: "Hello" }),
      });
    const first = await embed();
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect((await embed()).status).toBe(429);
    await settle();
    expect(spy.settled).toEqual([0.001]);
    expect(spy.reservations.size).toBe(0);
  });
});

describe("streams hold their slot and reservation until they end", () => {
  const limited = () => managedKey("sk-st", { maxParallelRequests: 1, maxBudget: 1 });

  it("settles the real cost when the stream finishes", async () => {
    const { chat, spy, settle } = await gateway({
      keys: [limited()],
      handlers: { "fake-1": streamOf(['{"text":"a"}', '{"input":1000,"output":500}', "[DONE]"]) },
    });
    const response = await chat("sk-st", { stream: true });
    expect(response.status).toBe(200);
    expect(spy.tickets.size).toBe(1);
    expect(spy.reservations.size).toBe(1);
    await response.text();
    await settle();
    expect(spy.tickets.size).toBe(0);
    expect(spy.reservations.size).toBe(0);
    expect(spy.settled).toEqual([0.002]);
  });

  it("settles what is known when the upstream fails mid-stream", async () => {
    const { chat, spy, settle } = await gateway({
      keys: [limited()],
      handlers: { "fake-1": streamOf(['{"text":"a"}', '{"input":1000,"output":500}', { fail: true }]) },
    });
    const response = await chat("sk-st", { stream: true });
    await response.text();
    await settle();
    expect(spy.tickets.size).toBe(0);
    expect(spy.reservations.size).toBe(0);
    expect(spy.settled).toEqual([0.002]);
  });

  it("releases when the client stops reading, and the next request gets the slot", async () => {
    const { chat, spy, settle } = await gateway({
      keys: [limited()],
      handlers: { "fake-1": [streamOf(['{"text":"a"}', { waitForAbort: true }]), answer("Hi", 10, 5)] },
    });
    const response = await chat("sk-st", { stream: true });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    expect((await chat("sk-st")).status).toBe(429);
    await reader.cancel();
    await settle();
    expect(spy.tickets.size).toBe(0);
    expect(spy.reservations.size).toBe(0);
    expect((await chat("sk-st")).status).toBe(200);
  });
});
