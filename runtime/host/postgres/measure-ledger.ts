/**
 * Micro-measure of the Postgres spend ledger (not a test): how many rows per second it writes,
 * what record() costs the request path, and how fast a spool replays.
 *
 *   node bin/bun.js runtime/host/postgres/measure-ledger.ts [rows=100000]
 *
 * Works in a throw-away schema of GW_TEST_POSTGRES_URL (default: the local test database).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate } from "./migrate.ts";
import { createPostgresSpendStore } from "./postgres-spend-store.ts";
import { createTestSchema } from "./test-schema.ts";
import { testLedgerRow } from "../../stores/contracts/ledger-test-rows.ts";

const rows = Number(process.argv[2] ?? 100_000);
const database = createTestSchema();
await migrate(database.sql, { schema: database.schema });

async function measure(label: string, batchSize: number, offset: number): Promise<void> {
  const spoolDir = mkdtempSync(join(tmpdir(), "gw-measure-"));
  const store = createPostgresSpendStore({ sql: database.sql, schema: database.schema, spoolDir, batchSize, maxQueue: rows * 2 });
  const started = performance.now();
  let recordMs = 0;
  for (let index = 0; index < rows; index++) {
    const row = testLedgerRow(offset + index);
    const before = performance.now();
    store.recordRow(row);
    recordMs += performance.now() - before;
    if (index % 1_000 === 999) await new Promise((resolve) => setImmediate(resolve)); // let the writer run, as between requests
  }
  await store.flush();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${label}: ${rows} rows in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds)} rows/s; record() ${((recordMs * 1000) / rows).toFixed(2)} µs/row`,
  );
  await store.close();
  rmSync(spoolDir, { recursive: true, force: true });
}

async function measureReplay(offset: number): Promise<void> {
  const spoolDir = mkdtempSync(join(tmpdir(), "gw-measure-"));
  // Spool everything (Postgres unreachable), then replay with a store that can reach it.
  const unreachable = createPostgresSpendStore({ url: "postgres://postgres@127.0.0.1:1/test", schema: database.schema, spoolDir, onError: () => {} });
  const spoolStarted = performance.now();
  for (let index = 0; index < rows; index++) unreachable.recordRow(testLedgerRow(offset + index));
  await unreachable.close();
  const spoolSeconds = (performance.now() - spoolStarted) / 1000;
  const replayStarted = performance.now();
  const store = createPostgresSpendStore({ sql: database.sql, schema: database.schema, spoolDir, onError: () => {} });
  while (!(await store.drain())) await new Promise((resolve) => setTimeout(resolve, 10));
  const replaySeconds = (performance.now() - replayStarted) / 1000;
  console.log(
    `spool: ${rows} rows to disk in ${spoolSeconds.toFixed(2)} s = ${Math.round(rows / spoolSeconds)} rows/s; ` +
      `replay: ${replaySeconds.toFixed(2)} s = ${Math.round(rows / replaySeconds)} rows/s (${store.status().replayedRows} replayed)`,
  );
  await store.close();
  rmSync(spoolDir, { recursive: true, force: true });
}

try {
  await measure("batch 500 ", 500, 0);
  await measure("batch 1000", 1000, rows);
  await measure("batch 100 ", 100, 2 * rows);
  await measureReplay(3 * rows);
  const [count] = await database.sql.unsafe<{ count: number }[]>(`SELECT count(*)::int AS count FROM "${database.schema}".spend_ledger`);
  console.log(`ledger rows: ${count?.count} (expected ${4 * rows})`);
} finally {
  await database.drop();
}
