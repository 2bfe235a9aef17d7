/**
 * ResponseStore on Postgres (the `responses` table, migration 0004): stored Responses API
 * responses shared by every replica on the database, so `previous_response_id`, item references
 * and GET / DELETE /v1/responses/{id} work on whichever replica a request reaches, and survive a
 * restart.
 *
 * - Each row expires `ttlMs` after it was stored (by gw's clock, so tests can move it); expired rows
 *   are never returned, and are deleted in the background at most once a minute, by the save that
 *   finds the last sweep a minute old (one statement on the expires_at index, off the answer's path).
 * - `maxEntries` is the memory store's bound; on Postgres the TTL alone bounds the table.
 * - Owners are compared in SQL (`owner = $2`): another key's response is "not found", as in memory.
 * - An unreachable database rejects the call; the endpoint answers 503 (responses.ts).
 */
import type { Clock, ResponseStore, StoredResponse } from "../../stores/ports.ts";
import { connectPostgres, type Sql, tableName } from "./connect.ts";

export interface PostgresResponseStoreOptions {
  /** A pool to use (not closed by the store); or `url` to let the store open its own. */
  sql?: Sql;
  url?: string;
  schema?: string;
  ttlMs: number;
  clock: Clock;
  /** Reports a failed background sweep. Default: nothing. */
  onError?: (message: string) => void;
}

interface ResponseRow {
  id: string;
  owner: string;
  response: Record<string, unknown>;
  items: unknown[];
  stored_at: Date;
}

const sweepIntervalMs = 60_000;

export function createPostgresResponseStore(options: PostgresResponseStoreOptions): ResponseStore & { close(): Promise<void> } {
  if ((options.sql === undefined) === (options.url === undefined)) throw new Error("createPostgresResponseStore: give either sql or url");
  const sql = options.sql ?? connectPostgres({ url: options.url!, ...(options.schema === undefined ? {} : { schema: options.schema }) });
  const table = tableName(options.schema, "responses");
  const insert = `INSERT INTO ${table} (id, owner, response, items, stored_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, response = EXCLUDED.response, items = EXCLUDED.items, stored_at = EXCLUDED.stored_at, expires_at = EXCLUDED.expires_at`;
  const select = `SELECT id, owner, response, items, stored_at FROM ${table} WHERE id = $1 AND owner = $2 AND expires_at > $3`;
  const remove = `DELETE FROM ${table} WHERE id = $1 AND owner = $2 AND expires_at > $3 RETURNING id`;
  const sweep = `DELETE FROM ${table} WHERE expires_at <= $1`;
  let lastSweep = options.clock.now();

  const maybeSweep = (now: number): void => {
    if (now - lastSweep < sweepIntervalMs) return;
    lastSweep = now;
    sql.unsafe(sweep, [new Date(now)]).catch((error: unknown) => options.onError?.(`responses: expired rows not swept (${error instanceof Error ? error.message : String(error)})`));
  };

  return {
    async save(entry: StoredResponse) {
      const now = options.clock.now();
      // postgres.js sends a JS value given for a jsonb parameter as JSON (sql.json keeps it typed).
      await sql.unsafe(insert, [entry.id, entry.owner, sql.json(entry.response as never) as never, sql.json(entry.items as never) as never, new Date(entry.storedAt), new Date(entry.storedAt + options.ttlMs)]);
      maybeSweep(now);
    },
    async get(id, owner) {
      const rows = await sql.unsafe<ResponseRow[]>(select, [id, owner, new Date(options.clock.now())]);
      const row = rows[0];
      if (row === undefined) return null;
      return { id: row.id, owner: row.owner, response: row.response, items: row.items, storedAt: row.stored_at.getTime() };
    },
    async delete(id, owner) {
      const rows = await sql.unsafe(remove, [id, owner, new Date(options.clock.now())]);
      return rows.length > 0;
    },
    async close() {
      if (options.sql === undefined) await sql.end({ timeout: 5 });
    },
  };
}
