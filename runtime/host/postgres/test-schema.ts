/**
 * Test isolation on the shared Postgres: every test file works in its own schema
 * (`gw_test_<random>`), created on first use and dropped in afterAll. Nothing else is touched.
 */
import { randomBytes } from "node:crypto";
import { connectPostgres, quoteIdentifier, type Sql } from "./connect.ts";

/** The machine's and CI's Postgres (trust auth). Override with GW_TEST_POSTGRES_URL. */
export const testPostgresUrl = process.env["GW_TEST_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

export function randomTestSchema(): string {
  return `gw_test_${randomBytes(6).toString("hex")}`;
}

/** Replaces host and port of a Postgres URL (to go through a fault proxy). */
export function urlThroughPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = "127.0.0.1";
  parsed.port = String(port);
  return parsed.toString();
}

export interface TestSchema {
  schema: string;
  /** A pool whose search_path is the schema. */
  sql: Sql;
  /** Drops the schema and closes the pool. */
  drop(): Promise<void>;
}

export function createTestSchema(): TestSchema {
  const schema = randomTestSchema();
  const sql = connectPostgres({ url: testPostgresUrl, schema });
  return {
    schema,
    sql,
    async drop() {
      await sql.unsafe(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      await sql.end({ timeout: 5 });
    },
  };
}
