import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startTcpFaultProxy, type TcpFaultProxy } from "../../../test/support/tcp-fault-proxy.ts";
import type { LedgerRow } from "../../stores/ports.ts";
import type { SpendRecord } from "../../stores/ports.ts";
import { quoteIdentifier } from "./connect.ts";
import { migrate } from "./migrate.ts";
import { createPostgresSpendQueries } from "./postgres-spend-queries.ts";
import { createPostgresSpendStore, type PostgresSpendStore, type PostgresSpendStoreOptions } from "./postgres-spend-store.ts";
import { createTestSchema, testPostgresUrl, type TestSchema, urlThroughPort } from "./test-schema.ts";
import { expectedReport, testDay, testLedgerRow, testLedgerRows } from "../../stores/contracts/ledger-test-rows.ts";

let database: TestSchema;
const directories: string[] = [];
const stores: PostgresSpendStore[] = [];
const proxies: TcpFaultProxy[] = [];

beforeAll(async () => {
  database = createTestSchema();
  await migrate(database.sql, { schema: database.schema });
});

afterAll(async () => {
  for (const store of stores) await store.close();
  for (const proxy of proxies) await proxy.close();
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  await database.drop();
});

beforeEach(async () => {
  const tables = ["spend_ledger", "spend_daily", "spend_daily_tags"].map((table) => `${quoteIdentifier(database.schema)}.${table}`);
  await database.sql.unsafe(`TRUNCATE ${tables.join(", ")}`);
});

function freshDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "gw-spend-spool-"));
  directories.push(directory);
  return directory;
}

function openStore(options: Partial<PostgresSpendStoreOptions> = {}): PostgresSpendStore & { messages: string[] } {
  const messages: string[] = [];
  const store = createPostgresSpendStore({
    ...(options.url === undefined ? { sql: database.sql } : {}),
    schema: database.schema,
    spoolDir: options.spoolDir ?? freshDirectory(),
    onError: (message) => messages.push(message),
    ...options,
  });
  stores.push(store);
  return Object.assign(store, { messages });
}

async function ledgerCount(): Promise<number> {
  const [row] = await database.sql.unsafe<{ count: number }[]>(`SELECT count(*)::int AS count FROM ${quoteIdentifier(database.schema)}.spend_ledger`);
  return row?.count ?? 0;
}

async function ledgerIds(): Promise<string[]> {
  const rows = await database.sql.unsafe<{ request_id: string }[]>(
    `SELECT request_id FROM ${quoteIdentifier(database.schema)}.spend_ledger ORDER BY request_id`,
  );
  return rows.map((row) => row.request_id);
}

/** The report by every grouping equals what the rows (each counted once) add up to. */
async function expectAggregatesToMatch(rows: readonly LedgerRow[]): Promise<void> {
  const queries = createPostgresSpendQueries(database.sql, database.schema);
  const groupings = {
    team: (row: LedgerRow) => [row.team ?? ""],
    key: (row: LedgerRow) => [row.keyHashPrefix ?? ""],
    model: (row: LedgerRow) => [row.model],
    user: (row: LedgerRow) => [row.user ?? ""],
    customer: (row: LedgerRow) => [row.customer ?? ""],
    tag: (row: LedgerRow) => row.tags,
    day: (row: LedgerRow) => [new Date(row.timestamp).toISOString().slice(0, 10)],
  } as const;
  for (const [groupBy, groupOf] of Object.entries(groupings)) {
    const expected = expectedReport(rows, groupOf);
    const report = await queries.report(groupBy as keyof typeof groupings, {});
    expect(new Set(report.map((row) => row.group)), groupBy).toEqual(new Set(expected.keys()));
    for (const row of report) {
      const want = expected.get(row.group);
      expect({ groupBy, group: row.group, requests: row.requests, inputTokens: row.inputTokens, outputTokens: row.outputTokens }).toEqual({
        groupBy,
        group: row.group,
        requests: want?.requests,
        inputTokens: want?.inputTokens,
        outputTokens: want?.outputTokens,
      });
      expect(row.costUsd).toBeCloseTo(want?.costUsd ?? Number.NaN, 9);
    }
  }
}

describe("postgres spend store", () => {
  it("writes one row per request id however often it is recorded, and counts it once in the aggregates", async () => {
    const rows = testLedgerRows(120);
    const store = openStore({ batchSize: 50 });
    for (const row of rows) store.recordRow(row);
    for (const row of rows.slice(0, 60)) store.recordRow(row); // repeated within the same flush
    await store.flush();
    for (const row of rows) store.recordRow(row); // and again later
    await store.flush();
    const other = openStore();
    for (const row of rows) other.recordRow({ ...row, costUsd: 99 }); // and by another replica
    await other.flush();

    expect(await ledgerCount()).toBe(120);
    expect(store.status()).toMatchObject({ insertedRows: 120, duplicateRows: 180, spooledRows: 0 });
    expect(other.status()).toMatchObject({ insertedRows: 0, duplicateRows: 120 });
    await expectAggregatesToMatch(rows);
  });

  it("keeps record() off the request path and writes in batches of batchSize, one transaction each", async () => {
    const store = openStore({ batchSize: 10, flushIntervalMs: 60_000 });
    for (const row of testLedgerRows(95)) store.recordRow(row);
    expect(await ledgerCount()).toBe(0); // record() only queued
    await store.flush();
    expect(await ledgerCount()).toBe(95);
    // now() is the transaction's start time: one distinct inserted_at per batch.
    const [batches] = await database.sql.unsafe<{ count: number }[]>(
      `SELECT count(DISTINCT inserted_at)::int AS count FROM ${quoteIdentifier(database.schema)}.spend_ledger`,
    );
    expect(batches?.count).toBe(10);
  });

  it("writes a partial batch on its own after flushIntervalMs", async () => {
    const store = openStore({ batchSize: 500, flushIntervalMs: 20 });
    for (const row of testLedgerRows(3)) store.recordRow(row);
    await vi.waitFor(async () => expect(await ledgerCount()).toBe(3), { timeout: 5_000, interval: 20 });
  });

  it("maps today's SpendRecord into a ledger row with nulls for what it lacks", async () => {
    const store = openStore();
    const record: SpendRecord = {
      requestId: "spend-record-1",
      timestamp: testDay + 1234,
      team: "team-z",
      keyName: "ci-key",
      model: "gpt-4o",
      deployment: "openai-gpt-4o",
      provider: "openai",
      inputTokens: 11,
      outputTokens: 22,
      cacheReadTokens: 3,
      cacheWriteTokens: 4,
      reasoningTokens: 5,
      costUsd: 0.0125,
      latencyMs: 321,
      status: 200,
      stream: true,
      usageEstimated: true,
    };
    store.record(record);
    await store.flush();
    const { rows } = await createPostgresSpendQueries(database.sql, database.schema).logs({ limit: 10 });
    expect(rows).toEqual([
      {
        ...record,
        keyHashPrefix: null,
        user: null,
        customer: null,
        tags: [],
        timeToFirstTokenMs: null,
        errorType: null,
      },
    ]);
  });

  it("sums a team's spend since a time from aggregates, the ledger and rows not written yet", async () => {
    const store = openStore({ flushIntervalMs: 60_000 });
    const at = (day: number, hour: number) => testDay + day * 86_400_000 + hour * 3_600_000;
    const written = [
      testLedgerRow(1, { team: "t", timestamp: at(0, 1), costUsd: 1 }), // before `since`
      testLedgerRow(2, { team: "t", timestamp: at(0, 13), costUsd: 2 }), // same day, after `since`
      testLedgerRow(3, { team: "t", timestamp: at(2, 5), costUsd: 4 }), // later day
      testLedgerRow(4, { team: "other", timestamp: at(2, 5), costUsd: 8 }),
    ];
    for (const row of written) store.recordRow(row);
    await store.flush();
    store.recordRow(testLedgerRow(5, { team: "t", timestamp: at(3, 0), costUsd: 16 })); // still queued
    expect(await store.subjectSpendSince("team", "t", at(0, 12))).toBeCloseTo(22, 9);
    expect(await store.subjectSpendSince("team", "t", at(0, 0))).toBeCloseTo(23, 9);
  });

  it("sums a key's (by hash prefix), a user's and a customer's spend since a time, counting queued rows", async () => {
    const store = openStore({ flushIntervalMs: 60_000 });
    const at = (day: number, hour: number) => testDay + day * 86_400_000 + hour * 3_600_000;
    const who = { keyHashPrefix: "5eed5eed5eed", user: "alice", customer: "acme" };
    const written = [
      testLedgerRow(11, { ...who, timestamp: at(0, 1), costUsd: 1 }), // before `since`
      testLedgerRow(12, { ...who, timestamp: at(0, 13), costUsd: 2 }), // same day, after `since`
      testLedgerRow(13, { ...who, timestamp: at(2, 5), costUsd: 4 }), // later day (aggregates)
      testLedgerRow(14, { keyHashPrefix: "5eedbbbbbbbb", user: "bob", customer: "other", timestamp: at(2, 5), costUsd: 8 }),
    ];
    for (const row of written) store.recordRow(row);
    await store.flush();
    store.recordRow(testLedgerRow(15, { ...who, timestamp: at(3, 0), costUsd: 16 })); // still queued
    for (const [kind, id] of [["key", "5eed5eed5eed"], ["user", "alice"], ["customer", "acme"]] as const) {
      expect(await store.subjectSpendSince(kind, id, at(0, 12))).toBeCloseTo(22, 9);
      expect(await store.subjectSpendSince(kind, id, at(0, 0))).toBeCloseTo(23, 9);
    }
    expect(await store.subjectSpendSince("key", "5eedbbbbbbbb", 0)).toBeCloseTo(8, 9);
    expect(await store.subjectSpendSince("key", "cccccccccccc", 0)).toBe(0);
  });

  it("sets aside a row Postgres refuses and writes the rest of its batch", async () => {
    const spoolDir = freshDirectory();
    const store = openStore({ spoolDir });
    const rows = testLedgerRows(5);
    const bad = testLedgerRow(99, { model: "bad\u0000model" });
    for (const row of [...rows.slice(0, 2), bad, ...rows.slice(2)]) store.recordRow(row);
    await store.flush();
    expect(await ledgerIds()).toEqual(rows.map((row) => row.requestId));
    expect(store.status()).toMatchObject({ rejectedRows: 1, spooledRows: 0, postgres: "up" });
    const rejected = readFileSync(join(spoolDir, "rejected.ndjson"), "utf8");
    expect(JSON.parse(rejected)).toMatchObject({ row: { requestId: bad.requestId } });
    expect(store.messages.join("\n")).toContain(`request ${bad.requestId}`);
  });

  it("spools the queue once it exceeds maxQueue and replays it, counting every row once", async () => {
    const store = openStore({ batchSize: 10, maxQueue: 25, flushIntervalMs: 60_000 });
    const rows = testLedgerRows(200);
    for (const row of rows) store.recordRow(row);
    expect(store.status().pendingRows).toBeLessThanOrEqual(25 + 200); // bounded in memory (the overflow is on its way to disk)
    await vi.waitFor(
      async () => {
        await store.flush();
        expect(store.status()).toMatchObject({ spooledRows: 0, pendingRows: 0 });
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(store.status().replayedRows).toBeGreaterThan(0);
    expect(await ledgerIds()).toEqual(rows.map((row) => row.requestId));
    await expectAggregatesToMatch(rows);
  });

  it("replays a spool left by a crash in the middle of a replay without counting anything twice", async () => {
    const spoolDir = freshDirectory();
    const rows = testLedgerRows(80);
    // The crashed process had replayed the first 30 rows of its spool file before dying.
    const first = openStore();
    for (const row of rows.slice(0, 30)) first.recordRow(row);
    await first.flush();
    writeFileSync(join(spoolDir, "spool-00001700000000000-000000-aaaaaa.ndjson"), rows.map((row) => JSON.stringify(row)).join("\n") + "\n");
    writeFileSync(join(spoolDir, "spool.lock"), "999999999"); // the dead process's lock

    const store = openStore({ spoolDir, batchSize: 16 });
    // Whether the replay has started, is half done or is over, each row counts once.
    const teamSpend = rows.filter((row) => row.team === "team-1").reduce((sum, row) => sum + row.costUsd, 0);
    expect(await store.subjectSpendSince("team", "team-1", 0)).toBeCloseTo(teamSpend, 9);
    await vi.waitFor(() => expect(store.status()).toMatchObject({ spooledRows: 0, replayedRows: 80 }), { timeout: 10_000, interval: 20 });
    expect(await store.subjectSpendSince("team", "team-1", 0)).toBeCloseTo(teamSpend, 9);
    expect(readdirSync(spoolDir).filter((name) => name.endsWith(".ndjson"))).toEqual([]);
    expect(await ledgerIds()).toEqual(rows.map((row) => row.requestId));
    expect(store.status()).toMatchObject({ insertedRows: 50, duplicateRows: 30 });
    await expectAggregatesToMatch(rows);
  });

  describe("through a TCP proxy that is cut", () => {
    async function proxiedStore(options: Partial<PostgresSpendStoreOptions> = {}) {
      const proxy = await startTcpFaultProxy({ host: "127.0.0.1", port: Number(new URL(testPostgresUrl).port || 5432) });
      proxies.push(proxy);
      const store = openStore({
        url: urlThroughPort(testPostgresUrl, proxy.port),
        writeTimeoutMs: 2_000,
        retryMinDelayMs: 50,
        retryMaxDelayMs: 300,
        flushIntervalMs: 20,
        batchSize: 25,
        ...options,
      });
      return { proxy, store };
    }

    it("spools rows while Postgres is unreachable and replays them after: exactly one row per request", async () => {
      const { proxy, store } = await proxiedStore();
      const rows: LedgerRow[] = [];
      let next = 0;
      const recordSome = (count: number) => {
        for (let index = 0; index < count; index++) {
          const row = testLedgerRow(next++);
          rows.push(row);
          store.recordRow(row);
        }
      };
      const tick = () => new Promise((resolve) => setTimeout(resolve, 25));

      for (let step = 0; step < 10; step++, await tick()) recordSome(7);
      await store.flush();
      proxy.cut();
      // Steady traffic during a ~3 s outage.
      for (let step = 0; step < 120; step++, await tick()) recordSome(7);
      await vi.waitFor(() => expect(store.status()).toMatchObject({ postgres: "down", pendingRows: 0 }), { timeout: 10_000, interval: 20 });
      const duringOutage = store.status();
      expect(duringOutage.spooledRows).toBeGreaterThan(0);
      expect(await ledgerCount()).toBeLessThan(rows.length);
      proxy.restore();
      for (let step = 0; step < 10; step++, await tick()) recordSome(7);

      await vi.waitFor(
        async () => {
          await store.flush();
          expect(store.status()).toMatchObject({ postgres: "up", spooledRows: 0, pendingRows: 0 });
        },
        { timeout: 20_000, interval: 50 },
      );
      expect(store.status().replayedRows).toBeGreaterThanOrEqual(duringOutage.spooledRows);
      expect(await ledgerIds()).toEqual(rows.map((row) => row.requestId).sort());
      await expectAggregatesToMatch(rows);
      expect(store.messages.join("\n")).toMatch(/cannot write to Postgres[\s\S]*reachable again[\s\S]*spool is replayed/);
    });

    it("closes with Postgres down by leaving every row in the spool, and a new store replays them", async () => {
      const spoolDir = freshDirectory();
      const { proxy, store } = await proxiedStore({ spoolDir, flushIntervalMs: 60_000 });
      const rows = testLedgerRows(140);
      for (const row of rows.slice(0, 40)) store.recordRow(row);
      await store.flush();
      proxy.cut();
      for (const row of rows.slice(40)) store.recordRow(row);
      await store.close();
      expect(await ledgerCount()).toBe(40);
      const spooled = readdirSync(spoolDir)
        .filter((name) => name.endsWith(".ndjson"))
        .flatMap((name) => readFileSync(join(spoolDir, name), "utf8").trim().split("\n"))
        .map((line) => (JSON.parse(line) as LedgerRow).requestId);
      expect(spooled.sort()).toEqual(rows.slice(40).map((row) => row.requestId));

      const next = openStore({ spoolDir });
      await vi.waitFor(() => expect(next.status()).toMatchObject({ spooledRows: 0, replayedRows: 100 }), { timeout: 10_000, interval: 20 });
      expect(await ledgerIds()).toEqual(rows.map((row) => row.requestId));
      await expectAggregatesToMatch(rows);
    });

    it("treats a write that hangs (packets dropped) as failed and spools it", async () => {
      const { proxy, store } = await proxiedStore({ writeTimeoutMs: 300, flushIntervalMs: 60_000 });
      const rows = testLedgerRows(30);
      store.recordRow(rows[0] as LedgerRow);
      await store.flush();
      proxy.cut("blackhole");
      for (const row of rows.slice(1)) store.recordRow(row);
      await store.flush();
      expect(store.status()).toMatchObject({ postgres: "down", spooledRows: 29, pendingRows: 0 });
      proxy.restore();
      await vi.waitFor(() => expect(store.status()).toMatchObject({ postgres: "up", spooledRows: 0 }), { timeout: 15_000, interval: 50 });
      expect(await ledgerIds()).toEqual(rows.map((row) => row.requestId));
      await expectAggregatesToMatch(rows);
    });
  });

  it("refuses a second live store on the same spool directory", () => {
    const spoolDir = freshDirectory();
    openStore({ spoolDir });
    expect(() => openStore({ spoolDir })).toThrow(/already open/);
  });
});
