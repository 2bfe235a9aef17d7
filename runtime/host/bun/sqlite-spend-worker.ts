/**
 * The SQLite side of the spend store: runs on its own thread (a Bun Worker started by
 * sqlite-spend-store.ts), so that no SQLite call ever blocks the thread that serves requests.
 * It owns the only long-lived connection. Messages are handled one at a time in arrival order,
 * and replies go back in the same order: a reply to message N means every message before N
 * has been handled (the store relies on this for flush(), subjectSpendSince() and the reads of
 * /spend/logs and /spend/report, which therefore see every batch posted before them).
 */
import type { Database } from "bun:sqlite";
import type { LedgerRow, SpendReportRow, SpendSubjectKind } from "../../stores/ports.ts";
import { createSqliteLedgerWriter, selectLedgerRows, selectSpendReport, type SqliteLogsQuery, type SqliteReportQuery, type SqliteRowTuple } from "./sqlite-spend-ledger.ts";
import { aggregateTupleIndexes, openSpendDatabase, spendColumns, subjectColumns } from "./sqlite-spend-store.ts";

/** Main thread -> worker. Every message but `open` and `crash` gets exactly one reply with its id. */
export type SpendWorkerRequest =
  /** First message of every worker: which database to use. */
  | { kind: "open"; path: string }
  /** Insert rows and add them to the daily aggregates, in one transaction; `rows` is a JSON array of row tuples in `spendColumns` order. */
  | { kind: "write"; id: number; rows: string }
  /** Total cost of the rows of one subject (`value`: the team, key hash prefix, user or customer) at or after `sinceMs`. */
  | { kind: "sum"; id: number; subject: SpendSubjectKind; value: string; sinceMs: number }
  /** One page of /spend/logs (up to `query.limit` rows). */
  | { kind: "logs"; id: number; query: SqliteLogsQuery }
  /** /spend/report, from the aggregates. */
  | { kind: "report"; id: number; query: SqliteReportQuery }
  | { kind: "health"; id: number }
  /** Close the database (checkpointing the WAL); the main thread terminates the worker after the reply. */
  | { kind: "close"; id: number }
  /** Test hook: die now, or during the next write before or after its commit. */
  | { kind: "crash"; stage: SpendWorkerCrashStage };

export type SpendWorkerCrashStage = "now" | "before-commit" | "after-commit";

/** Worker -> main thread. */
export type SpendWorkerReply =
  | { kind: "written"; id: number }
  /** `value`: the sum for `sum`, true for `health` and `close`, the rows for `logs` and `report`. */
  | { kind: "result"; id: number; value: SpendWorkerValue }
  | { kind: "failed"; id: number; message: string };

export type SpendWorkerValue = number | boolean | LedgerRow[] | SpendReportRow[];

/** A row as sent over the wire: the values of `spendColumns`, in order (`stream` as 0/1, `tags` as an array). */
export type SpendRowTuple = SqliteRowTuple;

declare const self: Worker;

interface OpenDatabase {
  database: Database;
  insertAll: (rows: SpendRowTuple[]) => void;
  sumSince: (subject: SpendSubjectKind, value: string, sinceMs: number) => number;
  check: () => void;
}

const crashExitCode = 70;
let path: string | undefined;
let open: OpenDatabase | undefined;
let crashStage: SpendWorkerCrashStage | undefined;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Opens on first use and again after a failed open, so a database that comes back is picked up. */
function ensureOpen(): OpenDatabase {
  if (open !== undefined) return open;
  if (path === undefined) throw new Error("the spend worker got no database path");
  const database = openSpendDatabase(path);
  const sums = new Map<SpendSubjectKind, ReturnType<typeof database.prepare<{ total: number | null }, [string, number]>>>();
  for (const [subject, { column }] of Object.entries(subjectColumns) as [SpendSubjectKind, { column: string }][]) {
    sums.set(subject, database.prepare<{ total: number | null }, [string, number]>(`SELECT SUM(cost_usd) AS total FROM spend WHERE ${column} = ? AND timestamp >= ?`));
  }
  const health = database.prepare("SELECT 1");
  const insertAll = createSqliteLedgerWriter(database, spendColumns, aggregateTupleIndexes, () => {
    if (crashStage === "before-commit") process.exit(crashExitCode);
  });
  open = {
    database,
    insertAll,
    sumSince: (subject, value, sinceMs) => {
      const sum = sums.get(subject);
      if (sum === undefined) throw new Error(`unknown spend subject ${subject}`);
      return sum.get(value, sinceMs)?.total ?? 0;
    },
    check: () => void health.get(),
  };
  return open;
}

function reply(message: SpendWorkerReply): void {
  postMessage(message);
}

function handle(message: SpendWorkerRequest): void {
  switch (message.kind) {
    case "open":
      path = message.path;
      try {
        ensureOpen();
      } catch {
        // Reported with the first request that needs the database.
      }
      return;
    case "crash":
      if (message.stage === "now") process.exit(crashExitCode);
      crashStage = message.stage;
      return;
    case "write":
      try {
        ensureOpen().insertAll(JSON.parse(message.rows) as SpendRowTuple[]);
      } catch (error) {
        reply({ kind: "failed", id: message.id, message: errorMessage(error) });
        return;
      }
      if (crashStage === "after-commit") process.exit(crashExitCode);
      reply({ kind: "written", id: message.id });
      return;
    case "sum":
      try {
        reply({ kind: "result", id: message.id, value: ensureOpen().sumSince(message.subject, message.value, message.sinceMs) });
      } catch (error) {
        reply({ kind: "failed", id: message.id, message: errorMessage(error) });
      }
      return;
    case "logs":
    case "report":
      try {
        const database = ensureOpen().database;
        const value = message.kind === "logs" ? selectLedgerRows(database, message.query) : selectSpendReport(database, message.query);
        reply({ kind: "result", id: message.id, value });
      } catch (error) {
        reply({ kind: "failed", id: message.id, message: errorMessage(error) });
      }
      return;
    case "health":
      try {
        ensureOpen().check();
        reply({ kind: "result", id: message.id, value: true });
      } catch {
        reply({ kind: "result", id: message.id, value: false });
      }
      return;
    case "close":
      try {
        // `true` finalizes the prepared statements, so the connection (and its WAL) is released now,
        // not when they are garbage collected: the file is complete and unlocked when the reply arrives.
        open?.database.close(true);
        open = undefined;
        reply({ kind: "result", id: message.id, value: true });
      } catch (error) {
        reply({ kind: "failed", id: message.id, message: errorMessage(error) });
      }
      return;
  }
}

// Installed before any await, so no message posted during start-up is dropped.
self.onmessage = (event: MessageEvent<SpendWorkerRequest>) => handle(event.data);
