/**
 * SpendStore on SQLite through bun:sqlite (Bun only; the app core never imports this file).
 * One row per request, keyed by request id.
 *
 * SQLite runs on a worker thread (sqlite-spend-worker.ts), never on the thread that serves
 * requests. `record` only appends the row, encoded as a JSON tuple, to a queue; the queue is
 * posted to the worker as one message (one string) every `flushIntervalMs`, or at once when it
 * reaches `batchSize` rows, and the worker inserts it, with its daily aggregates, in one
 * transaction (sqlite-spend-ledger.ts).
 *
 * Reads for /spend/logs and /spend/report (`queries`) go through the same worker, not through a
 * read-only connection on this thread: bun:sqlite is synchronous, so any query here, even on an
 * index, would stall every request in flight for its duration, and a tag filter scans. In the
 * worker a slow read only delays the next batch (rows wait in the queue, in memory), and a read
 * posted after the queue sees every row recorded before it. These are admin reads, rare next to
 * writes; a second (read-only, WAL) worker would let them run beside writes if that ever matters.
 *
 * Invariants:
 * - Every message to the worker carries an id and stays in `outstanding` until the worker
 *   answers it. A batch leaves only when the worker acknowledges its commit; a failed batch
 *   goes back to the queue for the next flush. So a recorded row is lost only if the process
 *   dies before the worker acknowledged it (SQLite's WAL keeps what was acknowledged).
 * - The worker answers in order, so when the answer to message N arrives, every earlier
 *   message has been handled: `flush` waits for the batches posted up to its call.
 * - If the worker dies (uncaught error, exit, terminate), a new one is started and every
 *   outstanding message is sent again, in id order. Inserts are INSERT OR IGNORE by request id,
 *   so a batch committed just before the crash is not counted twice.
 */
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { roundUsd } from "../../spend/cost.ts";
import { decodeLogsCursor, encodeLogsCursor, logsPageSize } from "../../spend/spend-query-rules.ts";
import type { LedgerRow, SpendQueries, SpendRecord, SpendReportRow, SpendStore, SpendSubjectKind } from "../../stores/ports.ts";
import { migrateSpendAggregates, type SqliteLogsQuery, type TupleIndexes } from "./sqlite-spend-ledger.ts";
import type { SpendRowTuple, SpendWorkerCrashStage, SpendWorkerReply, SpendWorkerRequest, SpendWorkerValue } from "./sqlite-spend-worker.ts";

export interface SqliteSpendStoreOptions {
  /**
   * Database file, e.g. ".gw/gw.db"; its folder is created if needed. ":memory:" for tests
   * (the database lives in the worker, so it does not survive a worker restart).
   */
  path: string;
  flushIntervalMs?: number;
  batchSize?: number;
  /** Where write failures and worker restarts are reported (never contains a secret). */
  onError?: (message: string) => void;
}

export interface SqliteSpendStore extends SpendStore {
  subjectSpendSince(kind: SpendSubjectKind, id: string, sinceMs: number): Promise<number>;
  /**
   * /spend/logs and /spend/report on this database, answered by the worker thread (never a
   * SQLite call on the caller's thread). Each read is posted after the rows queued so far, so it
   * sees every row recorded before it was asked.
   */
  readonly queries: SpendQueries;
  /** Rows recorded and not yet acknowledged as written by the worker. */
  pending(): number;
  /**
   * Test hook: make the SQLite worker die, at once ("now", or "terminate" from this thread) or
   * during its next write, before or after the commit. The store must restart it and lose nothing.
   */
  crashWorkerForTesting(stage: SpendWorkerCrashStage | "terminate"): void;
}

/** Columns of the `spend` table in the order of a row tuple on the wire. */
export const spendColumns = [
  "request_id",
  "timestamp",
  "team",
  "key_name",
  "model",
  "deployment",
  "provider",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "cost_usd",
  "latency_ms",
  "status",
  "stream",
  "key_prefix",
  "user_id",
  "customer_id",
  "usage_estimated",
  "ttft_ms",
  "error_type",
  "tags",
] as const;

const timestampIndex = 1;
const costIndex = 12;

/** Where the aggregates find their inputs in a row tuple (sqlite-spend-ledger.ts). */
export const aggregateTupleIndexes = {
  timestamp: timestampIndex,
  team: 2,
  keyPrefix: 16,
  user: 17,
  customer: 18,
  model: 4,
  inputTokens: 7,
  outputTokens: 8,
  cacheReadTokens: 9,
  cacheWriteTokens: 10,
  reasoningTokens: 11,
  costUsd: costIndex,
  status: 14,
  tags: 22,
} as const satisfies TupleIndexes;

/** The column (and its index in a row tuple) that names each kind of spend subject. */
export const subjectColumns = {
  team: { column: "team", index: 2 },
  key: { column: "key_prefix", index: 16 },
  user: { column: "user_id", index: 17 },
  customer: { column: "customer_id", index: 18 },
} as const satisfies Record<SpendSubjectKind, { column: (typeof spendColumns)[number]; index: number }>;

/**
 * Columns added after the first release: added to databases that predate them (idempotent), so
 * an existing .gw/gw.db keeps working; their rows hold NULL there.
 */
const addedColumns = [
  ["key_prefix", "TEXT"],
  ["user_id", "TEXT"],
  ["customer_id", "TEXT"],
  ["usage_estimated", "INTEGER NOT NULL DEFAULT 0"],
  ["ttft_ms", "REAL"],
  ["error_type", "TEXT"],
  // A JSON array of strings, each once.
  ["tags", "TEXT NOT NULL DEFAULT '[]'"],
] as const;

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

const addedIndexes = `
CREATE INDEX IF NOT EXISTS spend_key_prefix_timestamp ON spend (key_prefix, timestamp);
CREATE INDEX IF NOT EXISTS spend_user_timestamp ON spend (user_id, timestamp);
CREATE INDEX IF NOT EXISTS spend_customer_timestamp ON spend (customer_id, timestamp);
CREATE INDEX IF NOT EXISTS spend_timestamp_request_id ON spend (timestamp, request_id);
CREATE INDEX IF NOT EXISTS spend_model_timestamp ON spend (model, timestamp);
`;

/** Adds the columns of `addedColumns` that `spend` lacks, then their indexes. Idempotent. */
function migrateSpendTable(database: Database): void {
  const present = new Set(database.query<{ name: string }, []>("PRAGMA table_info(spend)").all().map((column) => column.name));
  for (const [column, type] of addedColumns) {
    if (present.has(column)) continue;
    try {
      database.run(`ALTER TABLE spend ADD COLUMN ${column} ${type}`);
    } catch (error) {
      // Another process (or worker) may have added it between the check and here.
      const now = new Set(database.query<{ name: string }, []>("PRAGMA table_info(spend)").all().map((each) => each.name));
      if (!now.has(column)) throw error;
    }
  }
  database.run(addedIndexes);
}

/** Opens (creating if needed) the spend database with its pragmas, schema and daily aggregates. Used by the worker. */
export function openSpendDatabase(path: string): Database {
  const database = new Database(path, { create: true, strict: true });
  try {
    database.run("PRAGMA journal_mode = WAL");
    database.run("PRAGMA synchronous = NORMAL");
    database.run("PRAGMA busy_timeout = 5000");
    database.run(schema);
    migrateSpendTable(database);
    migrateSpendAggregates(database);
  } catch (error) {
    database.close(false);
    throw error;
  }
  return database;
}

const noTags: readonly string[] = Object.freeze([]);

/** One row as a JSON array in `spendColumns` order: ~0.2 µs, and posting strings skips structured cloning. */
function encodeRow(row: SpendRecord): string {
  return JSON.stringify([
    row.requestId,
    row.timestamp,
    row.team,
    row.keyName,
    row.model,
    row.deployment,
    row.provider,
    row.inputTokens,
    row.outputTokens,
    row.cacheReadTokens,
    row.cacheWriteTokens,
    row.reasoningTokens,
    row.costUsd,
    row.latencyMs,
    row.status,
    row.stream ? 1 : 0,
    row.keyHashPrefix ?? null,
    row.user ?? null,
    row.customer ?? null,
    row.usageEstimated === true ? 1 : 0,
    row.timeToFirstTokenMs ?? null,
    row.errorType ?? null,
    row.tags ?? noTags,
  ]);
}

/** A message sent to the worker and not answered yet. */
interface Outstanding {
  request: SpendWorkerRequest & { id: number };
  /** Rows carried (writes only). */
  rows: number;
  /** Writes only: resolves to null once committed, or to the failure message. */
  written?: Promise<string | null>;
  /** Called once, with the worker's reply or with a failure decided on this side. */
  settle(reply: SpendWorkerReply): void;
}

/** Bun's Worker has ref/unref; the DOM lib's Worker type (also loaded) does not declare them. */
type RefWorker = Worker & Pick<Bun.Worker, "ref" | "unref">;

const healthTimeoutMs = 1_000;
/** After this many crashes in a row with no answer in between, waiting requests fail instead of waiting on. */
const crashesBeforeGivingUp = 5;
const maxRestartDelayMs = 5_000;

export function createSqliteSpendStore(options: SqliteSpendStoreOptions): SqliteSpendStore {
  const { path } = options;
  const flushIntervalMs = options.flushIntervalMs ?? 100;
  const batchSize = options.batchSize ?? 500;
  const onError = options.onError ?? ((message: string) => process.stderr.write(`${message}\n`));

  if (path !== ":memory:") {
    mkdirSync(dirname(path), { recursive: true });
    // Start-up only: open once here so that an unusable path fails `gw serve` at once, as before
    // the worker existed, instead of surfacing later as write errors.
    openSpendDatabase(path).close(true);
  }

  /** Encoded rows (or, after a failed write, the inside of a whole batch) not yet posted. */
  let queue: string[] = [];
  let queuedRows = 0;
  /** How many entries at the front of `queue` are failed batches (kept first, in their order). */
  let requeuedBatches = 0;
  const outstanding = new Map<number, Outstanding>();
  let nextId = 1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** A full batch is about to be posted (from a microtask, so that one record never posts synchronously). */
  let postSoon = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  /** Set once close() has shut the worker down. */
  let stopped = false;
  let lastWriteFailed = false;

  let worker: RefWorker | undefined;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  let crashesInARow = 0;

  // The worker keeps the process alive only while an answer is awaited (e.g. the final flush).
  const updateKeepAlive = (): void => {
    if (outstanding.size > 0) {
      worker?.ref();
      restartTimer?.ref();
    } else {
      worker?.unref();
      restartTimer?.unref();
    }
  };

  const startWorker = (): void => {
    restartTimer = undefined;
    const instance = new Worker(new URL("./sqlite-spend-worker.ts", import.meta.url)) as RefWorker;
    worker = instance;
    instance.addEventListener("message", (event: MessageEvent<SpendWorkerReply>) => {
      if (instance !== worker) return;
      crashesInARow = 0;
      const entry = outstanding.get(event.data.id);
      if (entry === undefined) return;
      outstanding.delete(event.data.id);
      updateKeepAlive();
      entry.settle(event.data);
    });
    instance.addEventListener("error", (event: ErrorEvent) => {
      onCrash(instance, `failed (${describeWorkerError(event)})`);
    });
    instance.addEventListener("close", (event: Event) => {
      onCrash(instance, `exited unexpectedly (code ${(event as CloseEvent).code})`);
    });
    instance.postMessage({ kind: "open", path } satisfies SpendWorkerRequest);
    for (const entry of outstanding.values()) instance.postMessage(entry.request);
    updateKeepAlive();
  };

  const onCrash = (instance: RefWorker, what: string): void => {
    if (instance !== worker) return;
    worker = undefined;
    instance.terminate();
    crashesInARow++;
    onError(
      `spend store: the SQLite worker for ${path} ${what}; restarting it` +
        (outstanding.size > 0 ? ` and sending its ${outstanding.size} unanswered message(s) again` : ""),
    );
    if (crashesInARow >= crashesBeforeGivingUp && outstanding.size > 0) {
      // Do not keep callers (flush at shutdown, the readiness probe) waiting on a worker that
      // cannot run: fail what waits. Failed writes go back to the queue, so no row is dropped.
      const message = `the SQLite worker for ${path} keeps failing (${what})`;
      const entries = [...outstanding.values()];
      outstanding.clear();
      for (const entry of entries) entry.settle({ kind: "failed", id: entry.request.id, message });
    }
    const delay = crashesInARow <= 1 ? 0 : Math.min(maxRestartDelayMs, 50 * 2 ** crashesInARow);
    restartTimer = setTimeout(startWorker, delay);
    updateKeepAlive();
  };

  const send = (entry: Outstanding): void => {
    if (stopped) {
      entry.settle({ kind: "failed", id: entry.request.id, message: `the store for ${path} is closed` });
      return;
    }
    outstanding.set(entry.request.id, entry);
    updateKeepAlive();
    worker?.postMessage(entry.request);
  };

  /** Posts the queue to the worker as one batch. */
  const postQueue = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (queuedRows === 0) return;
    const inside = queue.join(",");
    const rows = queuedRows;
    queue = [];
    queuedRows = 0;
    requeuedBatches = 0;
    const done = Promise.withResolvers<string | null>();
    send({
      request: { kind: "write", id: nextId++, rows: `[${inside}]` },
      rows,
      written: done.promise,
      settle(reply) {
        if (reply.kind !== "failed") {
          lastWriteFailed = false;
          done.resolve(null);
          return;
        }
        lastWriteFailed = true;
        queue.splice(requeuedBatches, 0, inside);
        requeuedBatches++;
        queuedRows += rows;
        onError(`spend store: could not write ${rows} row(s) to ${path} (${reply.message}); will retry`);
        schedule();
        done.resolve(reply.message);
      },
    });
  };

  const schedule = (): void => {
    if (timer !== undefined || closed) return;
    timer = setTimeout(postQueue, flushIntervalMs);
    // Do not keep the process alive for the timer alone; shutdown flushes explicitly.
    timer.unref();
  };

  /** Sends a request and resolves with the worker's value; rejects with its failure. */
  const ask = <V extends SpendWorkerValue, T>(request: SpendWorkerRequest & { id: number }, onValue: (value: V) => T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      send({
        request,
        rows: 0,
        settle(reply) {
          if (reply.kind === "failed") reject(new Error(`spend store: ${reply.message}`));
          else if (reply.kind === "result") resolve(onValue(reply.value as V));
          else reject(new Error(`spend store: unexpected reply ${reply.kind}`));
        },
      });
    });

  /** Cost of one subject since a time in the rows not yet acknowledged (they still count). */
  const unwrittenSpend = (kind: SpendSubjectKind, id: string, sinceMs: number): number => {
    const subjectIndex = subjectColumns[kind].index;
    const parts = [...queue];
    for (const entry of outstanding.values()) if (entry.request.kind === "write") parts.push(entry.request.rows.slice(1, -1));
    if (parts.length === 0) return 0;
    let total = 0;
    for (const row of JSON.parse(`[${parts.join(",")}]`) as SpendRowTuple[]) {
      if (row[subjectIndex] === id && (row[timestampIndex] as number) >= sinceMs) total += row[costIndex] as number;
    }
    return total;
  };

  const flush = async (): Promise<void> => {
    postQueue();
    const waiting: Promise<string | null>[] = [];
    for (const entry of outstanding.values()) if (entry.written !== undefined) waiting.push(entry.written);
    const failures = (await Promise.all(waiting)).filter((failure) => failure !== null);
    if (failures.length > 0) {
      throw new Error(`spend store: ${queuedRows} row(s) could not be written to ${path} (${failures[0]})`);
    }
  };

  const queries: SpendQueries = {
    async logs(filter) {
      const limit = logsPageSize(filter.limit);
      const { cursor, ...rest } = filter;
      const query: SqliteLogsQuery = { ...rest, limit: limit + 1 };
      if (cursor !== undefined && cursor !== "") query.after = decodeLogsCursor(cursor);
      postQueue();
      const rows = await ask<LedgerRow[], LedgerRow[]>({ kind: "logs", id: nextId++, query }, (value) => value);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { rows: page, nextCursor: rows.length > limit && last !== undefined ? encodeLogsCursor(last.timestamp, last.requestId) : null };
    },
    report(groupBy, range) {
      postQueue();
      return ask<SpendReportRow[], SpendReportRow[]>({ kind: "report", id: nextId++, query: { groupBy, ...range } }, (value) => value);
    },
  };

  startWorker();

  return {
    queries,
    description: `sqlite ${path}`,
    record(entry) {
      if (closed) {
        onError(`spend store: a record arrived after close (request ${entry.requestId}); it was not written`);
        return;
      }
      queue.push(encodeRow(entry));
      queuedRows++;
      if (queuedRows < batchSize) schedule();
      else if (!postSoon) {
        postSoon = true;
        queueMicrotask(() => {
          postSoon = false;
          postQueue();
        });
      }
    },
    subjectSpendSince(kind, id, sinceMs) {
      postQueue();
      // Evaluated when the answer arrives: a row is then either in the sum or still unacknowledged.
      return ask<number, number>({ kind: "sum", id: nextId++, subject: kind, value: id, sinceMs }, (total) => roundUsd(total + unwrittenSpend(kind, id, sinceMs)));
    },
    flush,
    close() {
      closing ??= (async () => {
        closed = true;
        try {
          await flush();
        } catch (error) {
          onError(`${error instanceof Error ? error.message : String(error)}; closing without them`);
        }
        if (worker !== undefined) {
          try {
            await ask<boolean, boolean>({ kind: "close", id: nextId++ }, (value) => value);
          } catch (error) {
            onError(`spend store: closing ${path}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
        stopped = true;
        const instance = worker;
        worker = undefined;
        instance?.terminate();
        if (restartTimer !== undefined) clearTimeout(restartTimer);
        restartTimer = undefined;
      })();
      return closing;
    },
    healthy() {
      if (closed || worker === undefined) return false;
      let timeout: ReturnType<typeof setTimeout> | undefined;
      const answer = ask<boolean, boolean>({ kind: "health", id: nextId++ }, (value) => value && !lastWriteFailed);
      const late = new Promise<boolean>((resolve) => {
        timeout = setTimeout(() => resolve(false), healthTimeoutMs);
        timeout.unref();
      });
      return Promise.race([answer, late]).then(
        (ok) => {
          clearTimeout(timeout);
          return ok;
        },
        () => {
          clearTimeout(timeout);
          return false;
        },
      );
    },
    pending() {
      let rows = queuedRows;
      for (const entry of outstanding.values()) rows += entry.rows;
      return rows;
    },
    crashWorkerForTesting(stage) {
      if (stage === "terminate") worker?.terminate();
      else worker?.postMessage({ kind: "crash", stage } satisfies SpendWorkerRequest);
    },
  };
}

/** One line from a worker's error event (Bun puts a source excerpt before the message). */
function describeWorkerError(event: ErrorEvent): string {
  if (event.error instanceof Error) return event.error.message;
  const text = String(event.message ?? "unknown error");
  return /^error: (.*)$/m.exec(text)?.[1] ?? text.split("\n")[0] ?? text;
}
