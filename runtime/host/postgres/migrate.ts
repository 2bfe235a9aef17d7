/**
 * Versioned schema migrations: `migrations/NNNN_name.sql`, applied in version order, each in its
 * own transaction together with its row in `schema_migrations`.
 *
 * Invariants:
 * - Everything runs on one reserved connection holding a session advisory lock derived from the
 *   schema name, so replicas starting together apply each migration exactly once: the others wait
 *   for the lock, then find nothing pending. The lock dies with the connection if the process dies.
 * - A migration and its `schema_migrations` row commit together or not at all.
 * - An applied migration whose file changed since is refused (checksum mismatch): edit history by
 *   adding a migration, never by rewriting one.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkSchemaName, quoteIdentifier, type Sql, tableName } from "./connect.ts";

export interface Migration {
  version: number;
  /** File name, e.g. "0001_spend_ledger.sql". */
  name: string;
  sql: string;
  /** SHA-256 of the file's text. */
  checksum: string;
}

export interface MigrateOptions {
  /** Schema to create (if missing) and migrate. Default: the first schema of the connection's search_path. */
  schema?: string;
  /** Default: the files of runtime/host/postgres/migrations/. */
  migrations?: readonly Migration[];
}

export interface MigrateResult {
  /** File names applied by this call, in order. */
  applied: string[];
  /** File names that were already applied. */
  alreadyApplied: string[];
}

export const migrationsDirectory = fileURLToPath(new URL("./migrations/", import.meta.url));

const fileNamePattern = /^(\d{4})_[a-z0-9_]+\.sql$/;

/** Reads the migration files of a directory, sorted by version. */
export function loadMigrations(directory: string = migrationsDirectory): Migration[] {
  const migrations: Migration[] = [];
  for (const name of readdirSync(directory).sort()) {
    const match = fileNamePattern.exec(name);
    if (match === null) continue;
    const sql = readFileSync(join(directory, name), "utf8");
    migrations.push({ version: Number(match[1]), name, sql, checksum: createHash("sha256").update(sql).digest("hex") });
  }
  for (let index = 1; index < migrations.length; index++) {
    const previous = migrations[index - 1] as Migration;
    const current = migrations[index] as Migration;
    if (previous.version === current.version) throw new Error(`migrations ${previous.name} and ${current.name} share version ${current.version}`);
  }
  return migrations;
}

/** Arbitrary first key of gw's advisory locks (the second is a hash of the schema name). */
const advisoryLockClass = 0x6777; // "gw"

export async function migrate(sql: Sql, options: MigrateOptions = {}): Promise<MigrateResult> {
  const schema = checkSchemaName(options.schema);
  const migrations = options.migrations ?? loadMigrations();
  const migrationsTable = tableName(schema, "schema_migrations");
  const lockName = `migrate:${schema ?? ""}`;
  const connection = await sql.reserve();
  try {
    await connection`SELECT pg_advisory_lock(${advisoryLockClass}, hashtext(${lockName}))`;
    try {
      await inTransaction(connection, async () => {
        await connection.unsafe("SET LOCAL client_min_messages = warning");
        if (schema !== undefined) await connection.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
        await connection.unsafe(
          `CREATE TABLE IF NOT EXISTS ${migrationsTable} (
             version integer PRIMARY KEY,
             name text NOT NULL,
             checksum text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
           )`,
        );
      });
      const rows = await connection.unsafe<{ version: number; name: string; checksum: string }[]>(
        `SELECT version, name, checksum FROM ${migrationsTable} ORDER BY version`,
      );
      const done = new Map(rows.map((row) => [row.version, row]));
      const result: MigrateResult = { applied: [], alreadyApplied: [] };
      for (const migration of migrations) {
        const applied = done.get(migration.version);
        if (applied !== undefined) {
          if (applied.checksum !== migration.checksum) {
            throw new Error(
              `migration ${migration.name} was applied as ${applied.name} with different content (checksum ${applied.checksum.slice(0, 12)}, ` +
                `file ${migration.checksum.slice(0, 12)}); migrations must not change once applied — add a new one instead`,
            );
          }
          result.alreadyApplied.push(migration.name);
          continue;
        }
        try {
          await inTransaction(connection, async () => {
            if (schema !== undefined) await connection.unsafe(`SET LOCAL search_path TO ${quoteIdentifier(schema)}`);
            await connection.unsafe("SET LOCAL client_min_messages = warning");
            await connection.unsafe(migration.sql);
            await connection.unsafe(`INSERT INTO ${migrationsTable} (version, name, checksum) VALUES ($1, $2, $3)`, [
              migration.version,
              migration.name,
              migration.checksum,
            ]);
          });
        } catch (error) {
          throw new Error(`migration ${migration.name} failed and was rolled back: ${error instanceof Error ? error.message : String(error)}`, {
            cause: error,
          });
        }
        result.applied.push(migration.name);
      }
      return result;
    } finally {
      await connection`SELECT pg_advisory_unlock(${advisoryLockClass}, hashtext(${lockName}))`.catch(() => {});
    }
  } finally {
    connection.release();
  }
}

/** BEGIN/COMMIT on a reserved connection (postgres.js's sql.begin would take another connection from the pool). */
async function inTransaction(connection: Sql, work: () => Promise<void>): Promise<void> {
  await connection.unsafe("BEGIN");
  try {
    await work();
  } catch (error) {
    await connection.unsafe("ROLLBACK").catch(() => {});
    throw error;
  }
  await connection.unsafe("COMMIT");
}
