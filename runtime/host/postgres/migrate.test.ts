import { afterAll, describe, expect, it } from "vitest";
import { connectPostgres, quoteIdentifier, type Sql } from "./connect.ts";
import { loadMigrations, migrate, type Migration } from "./migrate.ts";
import { randomTestSchema, testPostgresUrl } from "./test-schema.ts";

const schemas: string[] = [];
const admin = connectPostgres({ url: testPostgresUrl });

function freshSchema(): string {
  const schema = randomTestSchema();
  schemas.push(schema);
  return schema;
}

afterAll(async () => {
  for (const schema of schemas) await admin.unsafe(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  await admin.end({ timeout: 5 });
});

async function tablesOf(schema: string): Promise<string[]> {
  const rows = await admin<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = ${schema} ORDER BY table_name`;
  return rows.map((row) => row.table_name);
}

/** The shipped migrations plus one that holds its transaction open, to widen any race between migrators. */
function migrationsWithSlowOne(): Migration[] {
  return [
    ...loadMigrations(),
    { version: 9001, name: "9001_slow.sql", sql: "SELECT pg_sleep(0.3); CREATE TABLE slow_marker (id integer);", checksum: "slow" },
  ];
}

describe("migrate", () => {
  it("ships versioned files for the ledger and governance", () => {
    expect(loadMigrations().map((migration) => migration.name)).toEqual(["0001_spend_ledger.sql", "0002_governance.sql", "0003_usage_estimated.sql", "0004_responses.sql"]);
  });

  it("applies each migration exactly once when 6 replicas migrate a fresh schema together", async () => {
    const schema = freshSchema();
    const pools: Sql[] = Array.from({ length: 6 }, () => connectPostgres({ url: testPostgresUrl, max: 1 }));
    try {
      const migrations = migrationsWithSlowOne();
      const results = await Promise.all(pools.map((sql) => migrate(sql, { schema, migrations })));
      const appliedEverywhere = results.flatMap((result) => result.applied).sort();
      expect(appliedEverywhere).toEqual(migrations.map((migration) => migration.name).sort());
      for (const result of results) expect([...result.applied, ...result.alreadyApplied].sort()).toEqual(appliedEverywhere);
      const recorded = await admin.unsafe<{ version: number }[]>(`SELECT version FROM ${quoteIdentifier(schema)}.schema_migrations ORDER BY version`);
      expect(recorded.map((row) => row.version)).toEqual([1, 2, 3, 4, 9001]);
      expect(await tablesOf(schema)).toEqual([
        "api_keys",
        "audit_log",
        "customers",
        "responses",
        "schema_migrations",
        "slow_marker",
        "spend_daily",
        "spend_daily_tags",
        "spend_ledger",
        "teams",
        "users",
      ]);
    } finally {
      await Promise.all(pools.map((sql) => sql.end({ timeout: 5 })));
    }
  });

  it("applies nothing the second time", async () => {
    const schema = freshSchema();
    expect(await migrate(admin, { schema })).toEqual({ applied: ["0001_spend_ledger.sql", "0002_governance.sql", "0003_usage_estimated.sql", "0004_responses.sql"], alreadyApplied: [] });
    expect(await migrate(admin, { schema })).toEqual({ applied: [], alreadyApplied: ["0001_spend_ledger.sql", "0002_governance.sql", "0003_usage_estimated.sql", "0004_responses.sql"] });
  });

  it("rolls back a failing migration entirely and applies nothing after it", async () => {
    const schema = freshSchema();
    const migrations: Migration[] = [
      ...loadMigrations(),
      { version: 8001, name: "8001_broken.sql", sql: "CREATE TABLE half_done (id integer); SELECT 1 / 0;", checksum: "broken" },
      { version: 8002, name: "8002_after.sql", sql: "CREATE TABLE after_broken (id integer);", checksum: "after" },
    ];
    await expect(migrate(admin, { schema, migrations })).rejects.toThrow(/8001_broken\.sql failed and was rolled back: division by zero/);
    const tables = await tablesOf(schema);
    expect(tables).toContain("spend_ledger");
    expect(tables).not.toContain("half_done");
    expect(tables).not.toContain("after_broken");
    const recorded = await admin.unsafe<{ version: number }[]>(`SELECT version FROM ${quoteIdentifier(schema)}.schema_migrations ORDER BY version`);
    expect(recorded.map((row) => row.version)).toEqual([1, 2, 3, 4]);
  });

  it("refuses to run when an applied migration was edited", async () => {
    const schema = freshSchema();
    await migrate(admin, { schema });
    const edited = loadMigrations().map((migration) =>
      migration.version === 1 ? { ...migration, sql: `${migration.sql}\n-- edited`, checksum: "different" } : migration,
    );
    await expect(migrate(admin, { schema, migrations: edited })).rejects.toThrow(/0001_spend_ledger\.sql was applied .* with different content/);
  });

  it("rejects a schema name that is not a plain identifier", async () => {
    await expect(migrate(admin, { schema: 'x"; DROP TABLE y; --' })).rejects.toThrow(/invalid Postgres schema name/);
  });
});
