/** Postgres host modules: what `gw serve` wires in when a Postgres URL is configured. */
export { connectPostgres, describePostgresUrl, postgresUrlFrom, type ConnectPostgresOptions, type Sql } from "./connect.ts";
export { loadMigrations, migrate, migrationsDirectory, type MigrateOptions, type MigrateResult, type Migration } from "./migrate.ts";
export { ledgerRowFromSpendRecord } from "./ledger-rows.ts";
export {
  createPostgresSpendStore,
  type PostgresSpendStore,
  type PostgresSpendStoreOptions,
  type PostgresSpendStoreStatus,
} from "./postgres-spend-store.ts";
export { createPostgresSpendQueries, decodeLogsCursor, encodeLogsCursor, maxLogsPageSize } from "./postgres-spend-queries.ts";
export {
  anyEntityId,
  createPostgresGovernanceStore,
  type PostgresGovernanceStore,
  type PostgresGovernanceStoreOptions,
} from "./postgres-governance-store.ts";
export { createPostgresResponseStore, type PostgresResponseStoreOptions } from "./postgres-response-store.ts";
