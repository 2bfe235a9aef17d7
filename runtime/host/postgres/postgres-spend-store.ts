/**
 * SpendStore on Postgres: the spend ledger that loses nothing and stays off the request path.
 *
 * `record`/`recordRow` only append to an in-memory queue. A timer (or a full batch) starts the
 * writer, which writes batches of up to `batchSize` rows, one statement (one transaction) each:
 * the ledger insert, idempotent by request id, and the daily aggregates incremented from its
 * RETURNING (see ledger-rows.ts).
 *
 * Invariants:
 * - One writer at a time (`pumping`), so batches and replays never race each other in this process.
 * - A row leaves memory only once it is committed to Postgres or fsynced to the spool. When a
 *   write fails (Postgres unreachable, or slower than `writeTimeoutMs`), the batch goes to the
 *   spool and later batches go straight there until a background probe (exponential backoff)
 *   finds Postgres again; then the spool is replayed, oldest file first, before anything else is
 *   written, and each file is deleted once all its rows are committed.
 * - Replays are safe to repeat: a batch that timed out but committed anyway, or a file replayed
 *   again after a crash, adds no ledger row twice (ON CONFLICT DO NOTHING) and so nothing twice
 *   to the aggregates (fed only from the rows actually inserted).
 * - The queue is bounded: past `maxQueue` rows the queue goes to the spool, whatever Postgres's state.
 * - A row Postgres refuses as invalid (SQLSTATE class 22/23) is retried alone and, if refused
 *   again, kept in <spoolDir>/rejected.ndjson and reported, so it cannot block the others.
 * - close() drains the queue to Postgres or, failing that, to the spool; it never drops a row.
 *   What is left in the spool is replayed by the next store opened on the same directory.
 */
import { roundUsd } from "../../spend/cost.ts";
import type { LedgerRow } from "../../stores/ports.ts";
import { type SpendStore, type SpendSubjectKind, spendRecordField } from "../../stores/ports.ts";
import { checkSchemaName, connectPostgres, describeError, isDataError, type Sql, tableName, withTimeout } from "./connect.ts";
import { createLedgerWriter, fromUnixMs, ledgerRowFromSpendRecord, normalizeLedgerRow } from "./ledger-rows.ts";
import { openSpendSpool } from "./spend-spool.ts";

/** The column of spend_ledger and spend_daily that names each kind of subject (fixed names: interpolated into SQL). */
const subjectColumn: Record<SpendSubjectKind, string> = { key: "key_prefix", team: "team_id", user: "user_id", customer: "customer_id" };

export interface PostgresSpendStoreOptions {
  /** A pool to use (not closed by the store); or `url` to let the store open and close its own. */
  sql?: Sql;
  url?: string;
  /** Schema holding the tables (see migrate.ts). Default: the connection's search_path. */
  schema?: string;
  /** Directory of the local spool; one live store per directory. */
  spoolDir: string;
  /** Rows per write. Default 500. */
  batchSize?: number;
  /** Longest time a row waits in memory before a write starts. Default 200 ms. */
  flushIntervalMs?: number;
  /** Rows kept in memory at most; beyond, the queue goes to the spool. Default 10,000. */
  maxQueue?: number;
  /** A write (or probe) slower than this counts as failed; its rows are spooled. Default 10 s. */
  writeTimeoutMs?: number;
  /** Backoff of the background probe while Postgres is down. Defaults 250 ms .. 5 s. */
  retryMinDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Size at which a spool file is sealed and a new one started. Default 8 MiB. */
  maxSpoolFileBytes?: number;
  /** Outages, recoveries, rejected rows (messages never contain a secret). Default: stderr. */
  onError?: (message: string) => void;
}

export interface PostgresSpendStoreStatus {
  postgres: "up" | "down";
  /** Rows in memory: queued, being written, or on their way to the spool. */
  pendingRows: number;
  /** Rows in the spool, waiting to be replayed. */
  spooledRows: number;
  spoolFiles: number;
  /** Rows this store added to the ledger (replays included). */
  insertedRows: number;
  /** Rows this store wrote that were already in the ledger (repeated request ids, replays of committed rows). */
  duplicateRows: number;
  /** Rows Postgres refused as invalid, kept in rejected.ndjson. */
  rejectedRows: number;
  /** Rows replayed from the spool into Postgres. */
  replayedRows: number;
  lastError: string | null;
}

export interface PostgresSpendStore extends SpendStore {
  subjectSpendSince(kind: SpendSubjectKind, id: string, sinceMs: number): Promise<number>;
  /** Queues a full ledger row (record() maps today's SpendRecord into one, with nulls for what it lacks). */
  recordRow(row: LedgerRow): void;
  status(): PostgresSpendStoreStatus;
  /**
   * Writes the queue and replays the spool now, without waiting for the background probe.
   * Resolves true when Postgres took everything (queue and spool empty), false otherwise.
   */
  drain(): Promise<boolean>;
}

const day = 86_400_000;

export function createPostgresSpendStore(options: PostgresSpendStoreOptions): PostgresSpendStore {
  if ((options.sql === undefined) === (options.url === undefined)) throw new Error("createPostgresSpendStore: give either sql or url");
  const schema = checkSchemaName(options.schema);
  const onError = options.onError ?? ((message: string) => process.stderr.write(`${message}\n`));
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const flushIntervalMs = options.flushIntervalMs ?? 200;
  const maxQueue = Math.max(batchSize, options.maxQueue ?? 10_000);
  const writeTimeoutMs = options.writeTimeoutMs ?? 10_000;
  const retryMinDelayMs = options.retryMinDelayMs ?? 250;
  const retryMaxDelayMs = options.retryMaxDelayMs ?? 5_000;
  const ownsPool = options.sql === undefined;
  const sql = options.sql ?? connectPostgres({ url: options.url as string, schema });
  const writer = createLedgerWriter(sql, schema);
  const ledgerTable = tableName(schema, "spend_ledger");
  const dailyTable = tableName(schema, "spend_daily");
  const spool = openSpendSpool({ directory: options.spoolDir, maxFileBytes: options.maxSpoolFileBytes, onError });

  let queue: LedgerRow[] = [];
  let inFlight: readonly LedgerRow[] = [];
  /** Rows being appended to the spool outside the writer (queue overflow), with their append. */
  const overflowing = new Map<readonly LedgerRow[], Promise<void>>();
  let postgresUp = true;
  let spoolFailing = false;
  /** Set when reading or deleting a spool file failed; cleared by the next retry. */
  let replayPaused = false;
  let lastError: string | null = null;
  let pumping: Promise<void> | undefined;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let writeSoon = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryAttempts = 0;
  let closed = false;
  let closing: Promise<void> | undefined;
  /** Say so once the spool is empty again (after an outage, an overflow, or at start-up). */
  let announceReplay = false;
  const counters = { inserted: 0, duplicates: 0, rejected: 0, replayed: 0 };

  const insert = async (rows: readonly LedgerRow[]): Promise<void> => {
    const inserted = await withTimeout(writer.insert(rows), writeTimeoutMs, `writing ${rows.length} spend row(s) to Postgres`);
    counters.inserted += inserted;
    counters.duplicates += rows.length - inserted;
  };

  const markDown = (error: unknown): void => {
    lastError = describeError(error);
    if (postgresUp) onError(`spend store: cannot write to Postgres (${lastError}); spooling rows to ${spool.directory} until it is back`);
    postgresUp = false;
    scheduleRetry();
  };

  const scheduleRetry = (): void => {
    if (retryTimer !== undefined || closed) return;
    const delay = Math.min(retryMaxDelayMs, retryMinDelayMs * 2 ** Math.min(retryAttempts, 20));
    retryAttempts++;
    retryTimer = setTimeout(retry, delay * (0.75 + Math.random() / 4));
    retryTimer.unref();
  };

  const retry = async (): Promise<void> => {
    retryTimer = undefined;
    if (closed) return;
    replayPaused = false;
    if (!postgresUp) {
      try {
        await withTimeout(sql`SELECT 1`, writeTimeoutMs, "reaching Postgres");
      } catch (error) {
        lastError = describeError(error);
        scheduleRetry();
        return;
      }
      if (closed) return;
      postgresUp = true;
      onError(`spend store: Postgres is reachable again; replaying ${spool.rowCount()} spooled row(s)`);
      announceReplay = true;
    }
    retryAttempts = 0;
    kick();
  };

  /** Writes rows to Postgres; returns the rows it could not write (to be spooled), after marking Postgres down. */
  const writeToPostgres = async (rows: readonly LedgerRow[]): Promise<readonly LedgerRow[]> => {
    try {
      await insert(rows);
      return [];
    } catch (error) {
      if (!isDataError(error)) {
        markDown(error);
        return rows;
      }
    }
    // Some row is invalid: find it by writing them one at a time.
    for (const [index, row] of rows.entries()) {
      try {
        await insert([row]);
      } catch (error) {
        if (!isDataError(error)) {
          markDown(error);
          return rows.slice(index);
        }
        counters.rejected++;
        const reason = describeError(error);
        onError(`spend store: Postgres refused the row of request ${row.requestId} (${reason}); kept in ${spool.directory}/rejected.ndjson`);
        await spool.reject([row], reason).catch((spoolError: unknown) => {
          onError(`spend store: could not keep the refused row (${describeError(spoolError)}): ${JSON.stringify(row)}`);
        });
      }
    }
    return [];
  };

  /** Appends rows to the spool; false (rows not taken) if the disk refused. */
  const writeToSpool = async (rows: readonly LedgerRow[]): Promise<boolean> => {
    try {
      await spool.append(rows);
      spoolFailing = false;
      return true;
    } catch (error) {
      if (!spoolFailing) onError(`spend store: cannot write the spool in ${spool.directory} (${describeError(error)}); keeping rows in memory`);
      spoolFailing = true;
      lastError = describeError(error);
      scheduleRetry();
      return false;
    }
  };

  /** Replays sealed spool files into Postgres, oldest first; stops at the first failure (the file stays). */
  const replay = async (): Promise<void> => {
    await spool.seal();
    for (;;) {
      const files = spool.sealedFiles();
      if (files.length === 0) return;
      for (const name of files) {
        // Normalized again: a file may come from an older gw or have been edited by hand.
        const rows = (await spool.readFile(name)).map(normalizeLedgerRow);
        for (let start = 0; start < rows.length; start += batchSize) {
          if (closed || !postgresUp) return;
          const unwritten = await writeToPostgres(rows.slice(start, start + batchSize));
          if (unwritten.length > 0) return;
        }
        await spool.removeFile(name);
        counters.replayed += rows.length;
      }
      if (spool.fileCount() === 0 && announceReplay) {
        announceReplay = false;
        onError(`spend store: the spool is replayed; Postgres holds every row`);
      }
      await spool.seal();
    }
  };

  /** The writer: replays the spool if Postgres is up, then empties the queue. */
  const pump = async (): Promise<void> => {
    for (;;) {
      if (postgresUp && !closed && !replayPaused && spool.fileCount() > 0) {
        try {
          await replay();
        } catch (error) {
          replayPaused = true;
          lastError = describeError(error);
          onError(`spend store: cannot replay the spool in ${spool.directory} (${lastError}); will retry`);
          scheduleRetry();
        }
      }
      if (queue.length === 0) return;
      const batch = queue.splice(0, batchSize);
      inFlight = batch;
      try {
        const unwritten = postgresUp ? await writeToPostgres(batch) : batch;
        if (unwritten.length > 0 && !(await writeToSpool(unwritten))) {
          queue = [...unwritten, ...queue];
          return;
        }
      } finally {
        inFlight = [];
      }
    }
  };

  const kick = (): Promise<void> => {
    pumping ??= pump()
      .catch((error: unknown) => onError(`spend store: writer failed (${describeError(error)})`))
      .finally(() => {
        pumping = undefined;
        if (queue.length > 0 && !spoolFailing) schedule();
      });
    return pumping;
  };

  const schedule = (): void => {
    if (flushTimer !== undefined || closed) return;
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      void kick();
    }, flushIntervalMs);
    flushTimer.unref();
  };

  const overflow = (): void => {
    if (!announceReplay && postgresUp) {
      onError(`spend store: more than ${maxQueue} rows waiting for Postgres; spooling them to ${spool.directory}`);
      announceReplay = true;
    }
    const rows = queue;
    queue = [];
    const append = writeToSpool(rows).then((spooled) => {
      overflowing.delete(rows);
      if (!spooled) queue = [...rows, ...queue];
      else void kick();
    });
    overflowing.set(rows, append);
  };

  const enqueue = (row: LedgerRow): void => {
    if (closed) {
      onError(`spend store: a row arrived after close (request ${row.requestId}); it was not written`);
      return;
    }
    queue.push(normalizeLedgerRow(row));
    if (queue.length > maxQueue && !spoolFailing) overflow();
    else if (queue.length >= batchSize) {
      if (!writeSoon) {
        writeSoon = true;
        queueMicrotask(() => {
          writeSoon = false;
          void kick();
        });
      }
    } else schedule();
  };

  /** Writes (or spools) what is queued now; throws if some rows could go nowhere. */
  const flush = async (): Promise<void> => {
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    flushTimer = undefined;
    do {
      await kick();
      await Promise.all(overflowing.values());
    } while (queue.length > 0 && !spoolFailing);
    if (queue.length > 0) {
      throw new Error(`spend store: ${queue.length} row(s) could be written neither to Postgres nor to the spool (${lastError ?? "unknown error"})`);
    }
  };

  /** Rows not in Postgres yet, as far as this store knows (memory and spool). */
  const unwrittenRows = async (): Promise<LedgerRow[]> => {
    const rows = [...queue, ...inFlight];
    for (const batch of overflowing.keys()) rows.push(...batch);
    await spool.seal();
    for (const name of spool.sealedFiles()) rows.push(...(await spool.readFile(name).catch(() => [])));
    return rows;
  };

  /**
   * Cost of one subject's rows at or after `sinceMs`: Postgres plus the rows not known to be there
   * (memory and spool), each counted once.
   */
  const spendSince = async (kind: SpendSubjectKind, id: string, sinceMs: number): Promise<number> => {
    const column = subjectColumn[kind];
    const field = spendRecordField[kind];
    const since = Math.floor(sinceMs);
    const nextDay = Math.floor(since / day) * day + day;
    // Rows not known to be in Postgres, collected first: a row is then either among them or
    // already committed when the statement below takes its snapshot.
    const candidates = new Map<string, number>();
    for (const pending of await unwrittenRows()) {
      if (pending[field] === id && pending.timestamp >= since) candidates.set(pending.requestId, pending.costUsd);
    }
    // One statement, one snapshot: whole UTC days after the first from the aggregates, the rest
    // of the first day from the ledger, and which candidates the ledger already holds (a write
    // that timed out but committed, a file replayed meanwhile) so that none counts twice.
    const [row] = await withTimeout(
      sql.unsafe<{ total: number; present: string[] }[]>(
        `SELECT (SELECT coalesce(sum(cost_usd), 0) FROM ${dailyTable} WHERE ${column} = $1 AND day >= $2::date)::float8
              + (SELECT coalesce(sum(cost_usd), 0) FROM ${ledgerTable}
                 WHERE ${column} = $1 AND ts >= ${fromUnixMs("$3::float8")} AND ts < ${fromUnixMs("$4::float8")})::float8 AS total,
                array(SELECT request_id FROM ${ledgerTable} WHERE request_id = ANY($5::text[])) AS present`,
        [id, new Date(nextDay).toISOString().slice(0, 10), since, nextDay, [...candidates.keys()]],
      ),
      writeTimeoutMs,
      `reading ${kind} spend from Postgres`,
    );
    for (const requestId of row?.present ?? []) candidates.delete(requestId);
    let total = row?.total ?? 0;
    for (const cost of candidates.values()) total += cost;
    return roundUsd(total);
  };

  if (spool.fileCount() > 0) {
    onError(`spend store: ${spool.rowCount()} row(s) from an earlier run are in the spool ${spool.directory}; replaying them`);
    announceReplay = true;
    queueMicrotask(() => void kick());
  }

  return {
    description: `postgres${schema === undefined ? "" : ` (schema ${schema})`}, spool ${spool.directory}`,
    record(entry) {
      enqueue(ledgerRowFromSpendRecord(entry));
    },
    recordRow: enqueue,
    subjectSpendSince: spendSince,
    flush,
    async drain() {
      if (retryTimer !== undefined) {
        clearTimeout(retryTimer);
        retryTimer = undefined;
        await retry();
      }
      await flush();
      await kick();
      return postgresUp && queue.length === 0 && spool.fileCount() === 0;
    },
    healthy() {
      return !closed && !spoolFailing;
    },
    status() {
      let pendingRows = queue.length + inFlight.length;
      for (const batch of overflowing.keys()) pendingRows += batch.length;
      return {
        postgres: postgresUp ? "up" : "down",
        pendingRows,
        spooledRows: spool.rowCount(),
        spoolFiles: spool.fileCount(),
        insertedRows: counters.inserted,
        duplicateRows: counters.duplicates,
        rejectedRows: counters.rejected,
        replayedRows: counters.replayed,
        lastError,
      };
    },
    queueStatus() {
      const status = this.status();
      return { pending: status.pendingRows, spooled: status.spooledRows, reachable: status.postgres === "up" };
    },
    close() {
      closing ??= (async () => {
        closed = true;
        if (retryTimer !== undefined) clearTimeout(retryTimer);
        retryTimer = undefined;
        try {
          await flush();
        } catch (error) {
          onError(`${describeError(error)}; they are lost`);
        }
        await spool.close().catch((error: unknown) => onError(`spend store: closing the spool: ${describeError(error)}`));
        // With Postgres down, postgres.js would wait out the timeout on connections that cannot end cleanly.
        if (ownsPool) await sql.end({ timeout: postgresUp ? 5 : 0 }).catch(() => {});
      })();
      return closing;
    },
  };
}
