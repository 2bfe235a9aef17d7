import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeSpendQueriesContract } from "../../stores/contracts/spend-queries-contract.ts";
import { quoteIdentifier } from "./connect.ts";
import { migrate } from "./migrate.ts";
import { createPostgresSpendQueries } from "./postgres-spend-queries.ts";
import { createPostgresSpendStore } from "./postgres-spend-store.ts";
import { createTestSchema } from "./test-schema.ts";

describeSpendQueriesContract("postgres", async (rows) => {
  const database = createTestSchema();
  await migrate(database.sql, { schema: database.schema });
  const spoolDir = mkdtempSync(join(tmpdir(), "gw-spend-queries-"));
  const store = createPostgresSpendStore({ sql: database.sql, schema: database.schema, spoolDir });
  for (const row of rows) store.recordRow(row);
  await store.close();
  return {
    queries: createPostgresSpendQueries(database.sql, database.schema),
    async deleteFromLedger(requestId) {
      await database.sql.unsafe(`DELETE FROM ${quoteIdentifier(database.schema)}.spend_ledger WHERE request_id = $1`, [requestId]);
    },
    async close() {
      rmSync(spoolDir, { recursive: true, force: true });
      await database.drop();
    },
  };
});
