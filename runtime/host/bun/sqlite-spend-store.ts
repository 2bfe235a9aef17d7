/**
 * SpendStore on SQLite through bun:sqlite (Bun only; the app core never imports this file).
 * One row per request, keyed by request id. Writes are taken off the request path: `record`
 * only queues; the queue is written in one transaction every `flushIntervalMs`, or at once
 * when it reaches `batchSize` rows. A failed write keeps the rows queued for the next try,
 * so a recorded spend is lost only if the process dies before a successful flush.
 */
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { SpendRecord, SpendStore } from "../../ports.ts";

export interface SqliteSpendStoreOptions {
  /** Database file, e.g. ".gw/gw.db"; its folder is created if needed. ":memory:" for tests. */
  path: string;
  flushIntervalMs?: number;
  batchSize?: number;
  /** Where write failures are reported (never contains a secret). */
  onError?: (message: string) => void;
}

export interface SqliteSpendStore extends SpendStore {
  /** Rows queued and not yet written. */
  pending(): number;
}

const schema = `
CREATE TABLE IF NOT EXISTS spend (
  request_id TEXT PRIMARY KEY,
  timestamp INTEGER NOT NULL,
  team TEXT,
  key_name TEXT,
  model TEXT NOT NULL,
  deployment TEXT NOT NULL,
  provider TEXT NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cache_read_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  latency_ms INTEGER NOT NULL,
  status INTEGER NOT NULL,
  stream INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS spend_team_timestamp ON spend (team, timestamp);
`;

export function createSqliteSpendStore(options: SqliteSpendStoreOptions): SqliteSpendStore {
  const { path } = options;
  const flushIntervalMs = options.flushIntervalMs ?? 100;
  const batchSize = options.batchSize ?? 500;
  const onError = options.onError ?? ((message: string) => process.stderr.write(`${message}\n`));

  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path, { create: true, strict: true });
  database.run("PRAGMA journal_mode = WAL");
  database.run("PRAGMA synchronous = NORMAL");
  database.run("PRAGMA busy_timeout = 5000");
  database.run(schema);

  const insert = database.prepare(
    `INSERT OR IGNORE INTO spend (request_id, timestamp, team, key_name, model, deployment, provider, input_tokens,
       output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, latency_ms, status, stream)
     VALUES ($requestId, $timestamp, $team, $keyName, $model, $deployment, $provider, $inputTokens, $outputTokens,
       $cacheReadTokens, $cacheWriteTokens, $reasoningTokens, $costUsd, $latencyMs, $status, $stream)`,
  );
  const sumSince = database.prepare<{ total: number | null }, [string, number]>(
    "SELECT SUM(cost_usd) AS total FROM spend WHERE team = ? AND timestamp >= ?",
  );
  const insertAll = database.transaction((rows: SpendRecord[]) => {
    for (const row of rows) insert.run({ ...row, stream: row.stream ? 1 : 0 });
  });

  let queue: SpendRecord[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let lastWriteFailed = false;

  const writeQueue = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (queue.length === 0) return;
    const rows = queue;
    queue = [];
    try {
      insertAll(rows);
      lastWriteFailed = false;
    } catch (error) {
      lastWriteFailed = true;
      queue = rows.concat(queue);
      onError(`spend store: could not write ${rows.length} row(s) to ${path} (${error instanceof Error ? error.message : String(error)}); will retry`);
      schedule();
    }
  };

  const schedule = (): void => {
    if (timer !== undefined || closed) return;
    timer = setTimeout(writeQueue, flushIntervalMs);
    // Do not keep the process alive for the timer alone; shutdown flushes explicitly.
    (timer as { unref?: () => void }).unref?.();
  };

  return {
    description: `sqlite ${path}`,
    record(entry) {
      if (closed) {
        onError(`spend store: a record arrived after close (request ${entry.requestId}); it was not written`);
        return;
      }
      queue.push(entry);
      if (queue.length >= batchSize) queueMicrotask(writeQueue);
      else schedule();
    },
    async teamSpendSince(team, sinceMs) {
      writeQueue();
      let total = sumSince.get(team, sinceMs)?.total ?? 0;
      // Rows a failed write left queued still count.
      for (const row of queue) if (row.team === team && row.timestamp >= sinceMs) total += row.costUsd;
      return total;
    },
    async flush() {
      writeQueue();
      if (queue.length > 0) throw new Error(`spend store: ${queue.length} row(s) could not be written to ${path}`);
    },
    async close() {
      if (closed) return;
      writeQueue();
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      database.close(false);
    },
    healthy() {
      if (closed) return false;
      try {
        database.query("SELECT 1").get();
        return !lastWriteFailed;
      } catch {
        return false;
      }
    },
    pending: () => queue.length,
  };
}
