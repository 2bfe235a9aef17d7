/**
 * Bun-only test (bun:sqlite): run with `node bin/bun.js test ./runtime/host/bun/sqlite-spend-store.bun-test.ts`.
 * Not a `.test.ts` file, so vitest on Node does not pick it up.
 */
import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { SpendRecord } from "../../stores/ports.ts";
import { createSqliteSpendStore } from "./sqlite-spend-store.ts";

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function databasePath(): string {
  const directory = mkdtempSync(join(tmpdir(), "gw-sqlite-"));
  directories.push(directory);
  return join(directory, "nested", "gw.db");
}

function record(requestId: string, team: string | null, timestamp: number, costUsd: number): SpendRecord {
  return {
    requestId,
    timestamp,
    team,
    keyName: team === null ? null : `${team}-key`,
    model: "chat",
    deployment: "chat/0",
    provider: "openai",
    inputTokens: 10,
    outputTokens: 5,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd,
    latencyMs: 12,
    status: 200,
    stream: false,
  };
}

/** What another connection sees committed in the database file. */
function committed(path: string): { rows: number; ids: number; costUsd: number } {
  // Read-write (but only reading): a read-only connection cannot open a WAL database whose files were cleaned up.
  const database = new Database(path);
  try {
    const result = database
      .query<{ rows: number; ids: number; costUsd: number | null }, []>(
        "SELECT COUNT(*) AS rows, COUNT(DISTINCT request_id) AS ids, SUM(cost_usd) AS costUsd FROM spend",
      )
      .get();
    return { rows: result?.rows ?? 0, ids: result?.ids ?? 0, costUsd: result?.costUsd ?? 0 };
  } finally {
    database.close(false);
  }
}

describe("sqlite spend store", () => {
  test("keeps spend across a close and reopen, and sums per team since a time", async () => {
    const path = databasePath();
    const first = createSqliteSpendStore({ path });
    expect(first.description).toBe(`sqlite ${path}`);
    first.record(record("a", "research", 1_000, 1.5));
    first.record(record("b", "research", 2_000, 2.25));
    first.record(record("c", "ops", 2_000, 7));
    first.record(record("d", null, 2_000, 9));
    expect(first.pending()).toBe(4);
    await first.flush();
    expect(first.pending()).toBe(0);
    await first.close();

    const second = createSqliteSpendStore({ path });
    expect(await second.subjectSpendSince("team", "research", 0)).toBeCloseTo(3.75, 9);
    expect(await second.subjectSpendSince("team", "research", 1_500)).toBeCloseTo(2.25, 9);
    expect(await second.subjectSpendSince("team", "ops", 0)).toBe(7);
    expect(await second.subjectSpendSince("team", "nobody", 0)).toBe(0);
    await second.close();
  });

  test("stores whether gw estimated the usage", async () => {
    const path = databasePath();
    const store = createSqliteSpendStore({ path });
    store.record({ ...record("estimated", "research", 1_000, 0.5), usageEstimated: true });
    store.record(record("reported", "research", 1_000, 0.5));
    await store.close();
    const database = new Database(path);
    try {
      const rows = database.query<{ request_id: string; usage_estimated: number }, []>("SELECT request_id, usage_estimated FROM spend ORDER BY request_id").all();
      expect(rows).toEqual([
        { request_id: "estimated", usage_estimated: 1 },
        { request_id: "reported", usage_estimated: 0 },
      ]);
    } finally {
      database.close(false);
    }
  });

  test("writes queued rows on its own shortly after recording, without an explicit flush", async () => {
    const store = createSqliteSpendStore({ path: databasePath(), flushIntervalMs: 5 });
    store.record(record("a", "research", 1, 1));
    expect(store.pending()).toBe(1);
    for (let waited = 0; store.pending() > 0 && waited < 200; waited++) await Bun.sleep(5);
    expect(store.pending()).toBe(0);
    await store.close();
  });

  test("writes a full batch at once", async () => {
    const store = createSqliteSpendStore({ path: databasePath(), flushIntervalMs: 60_000, batchSize: 3 });
    for (const id of ["a", "b", "c"]) store.record(record(id, "research", 1, 1));
    // The timer would wait a minute: only the batch size can have sent these rows.
    for (let waited = 0; store.pending() > 0 && waited < 200; waited++) await Bun.sleep(5);
    expect(store.pending()).toBe(0);
    expect(await store.subjectSpendSince("team", "research", 0)).toBe(3);
    await store.close();
  });

  test("close flushes what is queued", async () => {
    const path = databasePath();
    const store = createSqliteSpendStore({ path, flushIntervalMs: 60_000 });
    store.record(record("a", "research", 1, 4));
    await store.close();
    const reopened = createSqliteSpendStore({ path });
    expect(await reopened.subjectSpendSince("team", "research", 0)).toBe(4);
    await reopened.close();
  });

  test("ignores a duplicate request id instead of failing the batch", async () => {
    const store = createSqliteSpendStore({ path: databasePath() });
    store.record(record("same", "research", 1, 1));
    store.record(record("same", "research", 1, 1));
    store.record(record("other", "research", 1, 2));
    await store.flush();
    expect(await store.subjectSpendSince("team", "research", 0)).toBe(3);
    expect(await store.healthy?.()).toBe(true);
    await store.close();
    expect(await store.healthy?.()).toBe(false);
  });

  test("flush resolves only once every row recorded before it is committed", async () => {
    const path = databasePath();
    // Small batches, so that several are in flight when flush is called.
    const store = createSqliteSpendStore({ path, flushIntervalMs: 60_000, batchSize: 50 });
    for (let index = 0; index < 1_234; index++) store.record(record(`r${index}`, "research", index, 0.5));
    await store.flush();
    expect(store.pending()).toBe(0);
    expect(committed(path)).toEqual({ rows: 1_234, ids: 1_234, costUsd: 617 });
    await store.close();
  });

  test("close writes every queued and in-flight row before it resolves", async () => {
    const path = databasePath();
    const store = createSqliteSpendStore({ path, flushIntervalMs: 60_000, batchSize: 100 });
    for (let index = 0; index < 1_050; index++) store.record(record(`r${index}`, "ops", index, 2));
    await store.close();
    expect(committed(path)).toEqual({ rows: 1_050, ids: 1_050, costUsd: 2_100 });
    expect(store.healthy?.()).toBe(false);
  });

  test("reports a record that arrives after close instead of dropping it silently", async () => {
    const path = databasePath();
    const errors: string[] = [];
    const store = createSqliteSpendStore({ path, onError: (message) => errors.push(message) });
    await store.close();
    store.record(record("late", "research", 1, 1));
    expect(errors.join("\n")).toContain("request late");
    expect(committed(path).rows).toBe(0);
  });

  test("keeps the rows of a database written before the store ran on a worker, and adds to them", async () => {
    const path = databasePath();
    mkdirSync(dirname(path), { recursive: true });
    const old = new Database(path, { create: true, strict: true });
    old.run("PRAGMA journal_mode = WAL");
    old.run(`CREATE TABLE spend (request_id TEXT PRIMARY KEY, timestamp INTEGER NOT NULL, team TEXT, key_name TEXT,
      model TEXT NOT NULL, deployment TEXT NOT NULL, provider TEXT NOT NULL, input_tokens INTEGER NOT NULL,
      output_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
      reasoning_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL, latency_ms INTEGER NOT NULL, status INTEGER NOT NULL,
      stream INTEGER NOT NULL)`);
    old.run("CREATE INDEX spend_team_timestamp ON spend (team, timestamp)");
    old.run("INSERT INTO spend VALUES ('old', 5, 'research', 'k', 'chat', 'chat/0', 'openai', 1, 1, 0, 0, 0, 10, 3, 200, 0)");
    old.close(false);

    const store = createSqliteSpendStore({ path });
    expect(await store.subjectSpendSince("team", "research", 0)).toBe(10);
    store.record(record("new", "research", 6, 1.25));
    await store.close();
    const reopened = createSqliteSpendStore({ path });
    expect(await reopened.subjectSpendSince("team", "research", 0)).toBe(11.25);
    expect(await reopened.subjectSpendSince("team", "research", 6)).toBe(1.25);
    await reopened.close();
  });

  test("adds key_prefix, user_id and customer_id to a database that predates them, once, and sums per subject", async () => {
    const path = databasePath();
    mkdirSync(dirname(path), { recursive: true });
    const old = new Database(path, { create: true, strict: true });
    old.run(`CREATE TABLE spend (request_id TEXT PRIMARY KEY, timestamp INTEGER NOT NULL, team TEXT, key_name TEXT,
      model TEXT NOT NULL, deployment TEXT NOT NULL, provider TEXT NOT NULL, input_tokens INTEGER NOT NULL,
      output_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
      reasoning_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL, latency_ms INTEGER NOT NULL, status INTEGER NOT NULL,
      stream INTEGER NOT NULL)`);
    old.run("INSERT INTO spend VALUES ('old', 5, 'research', 'k', 'chat', 'chat/0', 'openai', 1, 1, 0, 0, 0, 10, 3, 200, 0)");
    old.close(false);

    const store = createSqliteSpendStore({ path });
    store.record({ ...record("new", "research", 6, 1.25), keyHashPrefix: "0123456789ab", user: "alice", customer: "acme" });
    await store.close();
    // Opened again: the migration finds the columns and changes nothing.
    const reopened = createSqliteSpendStore({ path, flushIntervalMs: 60_000 });
    reopened.record({ ...record("queued", "ops", 7, 2), keyHashPrefix: "0123456789ab", customer: "acme" });
    expect(await reopened.subjectSpendSince("key", "0123456789ab", 0)).toBe(3.25);
    expect(await reopened.subjectSpendSince("key", "0123456789ab", 7)).toBe(2);
    expect(await reopened.subjectSpendSince("user", "alice", 0)).toBe(1.25);
    expect(await reopened.subjectSpendSince("customer", "acme", 0)).toBe(3.25);
    expect(await reopened.subjectSpendSince("team", "research", 0)).toBe(11.25);
    expect(await reopened.subjectSpendSince("customer", "nobody", 0)).toBe(0);
    await reopened.close();
    const check = new Database(path);
    const columns = check.query<{ name: string }, []>("PRAGMA table_info(spend)").all().map((column) => column.name);
    const written = check.query<{ key_prefix: string | null; user_id: string | null; customer_id: string | null }, []>(
      "SELECT key_prefix, user_id, customer_id FROM spend WHERE request_id = 'new'",
    ).get();
    check.close(false);
    expect(columns.filter((name) => ["key_prefix", "user_id", "customer_id"].includes(name))).toEqual(["key_prefix", "user_id", "customer_id"]);
    expect(written).toEqual({ key_prefix: "0123456789ab", user_id: "alice", customer_id: "acme" });
  });

  test("counts rows not yet written in the team total", async () => {
    const store = createSqliteSpendStore({ path: databasePath(), flushIntervalMs: 60_000 });
    store.record(record("a", "research", 100, 1));
    await store.flush();
    store.record(record("b", "research", 200, 2));
    store.record(record("c", "ops", 200, 4));
    expect(await store.subjectSpendSince("team", "research", 0)).toBe(3);
    expect(await store.subjectSpendSince("team", "research", 150)).toBe(2);
    await store.close();
  });

  test("keeps the rows of a failed write and writes them once the database accepts them again", async () => {
    const path = databasePath();
    const errors: string[] = [];
    const store = createSqliteSpendStore({ path, flushIntervalMs: 60_000, onError: (message) => errors.push(message) });
    // Once the worker has opened the database (and made its table), take the table away.
    expect(await store.healthy?.()).toBe(true);
    const other = new Database(path, { strict: true });
    other.run("ALTER TABLE spend RENAME TO spend_away");
    store.record(record("a", "research", 1, 1));
    store.record(record("b", "research", 1, 2));
    // (Not `expect(...).rejects`: Bun's matcher waits on the promise without delivering worker messages.)
    const failure = await store.flush().then(
      () => "resolved",
      (error: unknown) => String(error),
    );
    expect(failure).toContain("2 row(s) could not be written");
    expect(store.pending()).toBe(2);
    expect(errors.join("\n")).toContain("could not write 2 row(s)");
    expect(await store.healthy?.()).toBe(false);

    other.run("ALTER TABLE spend_away RENAME TO spend");
    other.close(false);
    store.record(record("c", "research", 1, 4));
    await store.flush();
    expect(store.pending()).toBe(0);
    expect(await store.healthy?.()).toBe(true);
    expect(committed(path)).toEqual({ rows: 3, ids: 3, costUsd: 7 });
    await store.close();
  });

  for (const stage of ["terminate", "now", "before-commit", "after-commit"] as const) {
    test(`loses no row and counts none twice when the worker dies (${stage})`, async () => {
      const path = databasePath();
      const errors: string[] = [];
      const store = createSqliteSpendStore({ path, flushIntervalMs: 60_000, batchSize: 40, onError: (message) => errors.push(message) });
      expect(await store.healthy?.()).toBe(true);
      const duringWrite = stage === "before-commit" || stage === "after-commit";
      // "before-commit"/"after-commit": the worker dies inside the first batch's write; otherwise
      // it dies (from outside, or by itself) while that batch is in flight.
      if (duringWrite) store.crashWorkerForTesting(stage);
      for (let index = 0; index < 100; index++) store.record(record(`before${index}`, "research", index, 1));
      const first = store.flush();
      if (!duringWrite) store.crashWorkerForTesting(stage);
      for (let index = 0; index < 100; index++) store.record(record(`after${index}`, "research", index, 1));
      await store.flush();
      await first;
      expect(errors.join("\n")).toContain("restarting it");
      expect(store.pending()).toBe(0);
      expect(committed(path)).toEqual({ rows: 200, ids: 200, costUsd: 200 });
      expect(await store.subjectSpendSince("team", "research", 0)).toBe(200);
      // The restarted worker goes on writing.
      store.record(record("later", "research", 1, 1));
      await store.close();
      expect(committed(path).rows).toBe(201);
    });
  }

  test("answers a team total asked while the worker restarts", async () => {
    const path = databasePath();
    const store = createSqliteSpendStore({ path, flushIntervalMs: 60_000, onError: () => {} });
    store.record(record("a", "research", 1, 3));
    await store.flush();
    store.crashWorkerForTesting("terminate");
    expect(await store.subjectSpendSince("team", "research", 0)).toBe(3);
    await store.close();
  });

  test("keeps the process alive for a close in progress, and not otherwise", () => {
    const path = databasePath();
    mkdirSync(dirname(path), { recursive: true });
    const script = join(dirname(path), "script.ts");
    const storeModule = new URL("./sqlite-spend-store.ts", import.meta.url).href;
    // Nothing but the store's close() is left to run: the process must wait for it to finish writing.
    writeFileSync(
      script,
      `import { createSqliteSpendStore } from ${JSON.stringify(storeModule)};
       const idle = createSqliteSpendStore({ path: ${JSON.stringify(`${path}.idle`)} });
       idle.record({ requestId: "idle", timestamp: 1, team: null, keyName: null, model: "m", deployment: "d", provider: "p",
         inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0,
         latencyMs: 0, status: 200, stream: false });
       await idle.flush();
       const store = createSqliteSpendStore({ path: ${JSON.stringify(path)}, flushIntervalMs: 60_000 });
       for (let index = 0; index < 3000; index++) store.record({ requestId: "r" + index, timestamp: 1, team: "t", keyName: null,
         model: "m", deployment: "d", provider: "p", inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0,
         reasoningTokens: 0, costUsd: 1, latencyMs: 0, status: 200, stream: true });
       void store.close();
      `,
    );
    // The idle store is never closed: it must not keep the process from exiting.
    const result = Bun.spawnSync([process.execPath, script], { timeout: 20_000, stderr: "pipe" });
    expect(result.exitCode, result.stderr.toString()).toBe(0);
    expect(committed(path)).toEqual({ rows: 3_000, ids: 3_000, costUsd: 3_000 });
  });
});
