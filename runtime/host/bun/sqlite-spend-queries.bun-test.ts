/**
 * Bun-only test (bun:sqlite): run with `node bin/bun.js test ./runtime/host/bun/sqlite-spend-queries.bun-test.ts`.
 * Not a `.test.ts` file, so vitest on Node does not pick it up (sqlite-spend-queries.test.ts runs it).
 * The contract imports `vitest`; bun test maps those imports to bun:test.
 */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { testDay, testLedgerRow } from "../../stores/contracts/ledger-test-rows.ts";
import { describeSpendQueriesContract } from "../../stores/contracts/spend-queries-contract.ts";
import { createSqliteSpendStore } from "./sqlite-spend-store.ts";

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function databasePath(): string {
  const directory = mkdtempSync(join(tmpdir(), "gw-spend-queries-"));
  directories.push(directory);
  return join(directory, "nested", "gw.db");
}

describeSpendQueriesContract("sqlite", async (rows) => {
  const path = databasePath();
  // Small batches, so the rows reach the aggregates over several transactions.
  const store = createSqliteSpendStore({ path, batchSize: 40 });
  for (const row of rows) store.record(row);
  await store.flush();
  return {
    queries: store.queries,
    async deleteFromLedger(requestId) {
      const database = new Database(path);
      try {
        database.query("DELETE FROM spend WHERE request_id = ?").run(requestId);
      } finally {
        database.close(false);
      }
    },
    close: () => store.close(),
  };
});

/** The `spend` table as gw wrote it before key prefixes, users, customers, tags, time to first token and aggregates. */
function writeFirstReleaseDatabase(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const old = new Database(path, { create: true, strict: true });
  old.run("PRAGMA journal_mode = WAL");
  old.run(`CREATE TABLE spend (request_id TEXT PRIMARY KEY, timestamp INTEGER NOT NULL, team TEXT, key_name TEXT,
    model TEXT NOT NULL, deployment TEXT NOT NULL, provider TEXT NOT NULL, input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL, latency_ms INTEGER NOT NULL, status INTEGER NOT NULL,
    stream INTEGER NOT NULL)`);
  const insert = old.prepare("INSERT INTO spend VALUES (?, ?, ?, 'k', 'chat', 'chat/0', 'openai', 10, 5, 0, 0, 0, ?, 3, ?, 1)");
  insert.run("old-1", testDay + 1_000, "research", 0.5, 200);
  insert.run("old-2", testDay + 2_000, "research", 0.25, 502);
  insert.run("old-3", testDay + 86_400_000, null, 1, 200);
  old.close(false);
}

describe("sqlite spend queries on an existing gw.db", () => {
  test("a database from before the aggregates gets them, filled from its ledger once, and reports old and new rows", async () => {
    const path = databasePath();
    writeFirstReleaseDatabase(path);
    const store = createSqliteSpendStore({ path });
    store.record(testLedgerRow(1, { requestId: "new-1", team: "research", timestamp: testDay + 3_000, costUsd: 2, tags: ["batch", "batch"] }));
    await store.close();
    // Opened again: the aggregates exist, nothing is filled twice.
    const reopened = createSqliteSpendStore({ path });
    const byTeam = await reopened.queries.report("team", {});
    expect(byTeam).toEqual([
      { group: "research", requests: 3, inputTokens: 20 + 101, outputTokens: 10 + 11, costUsd: 2.75 },
      { group: "", requests: 1, inputTokens: 10, outputTokens: 5, costUsd: 1 },
    ]);
    expect(await reopened.queries.report("tag", {})).toEqual([{ group: "batch", requests: 1, inputTokens: 101, outputTokens: 11, costUsd: 2 }]);
    const { rows } = await reopened.queries.logs({ limit: 10, team: "research" });
    expect(rows.map((row) => row.requestId)).toEqual(["new-1", "old-2", "old-1"]);
    expect(rows[1]).toMatchObject({ keyHashPrefix: null, user: null, customer: null, tags: [], timeToFirstTokenMs: null, errorType: null, stream: true, usageEstimated: false, status: 502 });
    expect(rows[0]).toMatchObject({ tags: ["batch"], timeToFirstTokenMs: null, stream: true });
    await reopened.close();
    const check = new Database(path);
    const daily = check.query<{ requests: number; failed: number }, []>("SELECT sum(requests) AS requests, sum(failed_requests) AS failed FROM spend_daily").get();
    check.close(false);
    expect(daily).toEqual({ requests: 4, failed: 1 });
  });

  test("stores the time to first token and the error type of a record, and answers rows recorded just before the query", async () => {
    const store = createSqliteSpendStore({ path: databasePath(), flushIntervalMs: 60_000 });
    store.record(testLedgerRow(4, { requestId: "streamed", timeToFirstTokenMs: 37.5, stream: true }));
    store.record(testLedgerRow(2, { requestId: "failed", status: 429, errorType: "rate_limited", timeToFirstTokenMs: null }));
    const { rows } = await store.queries.logs({ limit: 10 });
    expect(Object.fromEntries(rows.map((row) => [row.requestId, [row.timeToFirstTokenMs, row.errorType, row.status]]))).toEqual({
      streamed: [37.5, null, 200],
      failed: [null, "rate_limited", 429],
    });
    await store.close();
  });

  test("a batch sent again after the worker died past its commit is counted once in the report", async () => {
    const store = createSqliteSpendStore({ path: databasePath(), onError: () => {} });
    store.crashWorkerForTesting("after-commit");
    for (let index = 0; index < 5; index++) store.record(testLedgerRow(index));
    await store.flush();
    const report = await store.queries.report("model", {});
    expect(Object.fromEntries(report.map((row) => [row.group, row.requests]))).toEqual({ "gpt-4o": 3, claude: 2 });
    await store.close();
  });

  test("a read asked while the worker restarts is answered once it is back", async () => {
    const store = createSqliteSpendStore({ path: databasePath() });
    store.record(testLedgerRow(3));
    await store.flush();
    store.crashWorkerForTesting("now");
    const report = await store.queries.report("model", {});
    expect(report.map((row) => [row.group, row.requests])).toEqual([["claude", 1]]);
    await store.close();
  });

  test("a closed store refuses reads instead of leaving them unanswered", async () => {
    const store = createSqliteSpendStore({ path: databasePath() });
    await store.close();
    await expect(store.queries.logs({ limit: 1 })).rejects.toThrow(/closed/);
  });
});
