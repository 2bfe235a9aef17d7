/** The Postgres ResponseStore on the real server: the shared contract (two pools as two replicas), the sweep of expired rows, an outage. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractTtlMs, describeResponseStoreContract } from "../../stores/contracts/response-store-contract.ts";
import { connectPostgres } from "./connect.ts";
import { migrate } from "./migrate.ts";
import { createPostgresResponseStore } from "./postgres-response-store.ts";
import { createTestSchema, testPostgresUrl, type TestSchema } from "./test-schema.ts";

describeResponseStoreContract("postgres", async (clock) => {
  const schema = createTestSchema();
  await migrate(schema.sql, { schema: schema.schema });
  const second = connectPostgres({ url: testPostgresUrl, schema: schema.schema });
  return {
    stores: [createPostgresResponseStore({ sql: schema.sql, schema: schema.schema, ttlMs: contractTtlMs, clock }), createPostgresResponseStore({ sql: second, schema: schema.schema, ttlMs: contractTtlMs, clock })],
    async close() {
      await second.end({ timeout: 5 });
      await schema.drop();
    },
  };
});

describe("createPostgresResponseStore", () => {
  let schema: TestSchema;
  beforeAll(async () => {
    schema = createTestSchema();
    await migrate(schema.sql, { schema: schema.schema });
  });
  afterAll(async () => schema.drop());

  it("deletes expired rows in the background, at most once a minute, on a save", async () => {
    let now = Date.UTC(2026, 0, 1);
    const store = createPostgresResponseStore({ sql: schema.sql, schema: schema.schema, ttlMs: 1000, clock: { now: () => now } });
    await store.save({ id: "resp_old", owner: "o", response: {}, items: [], storedAt: now });
    now += 30_000;
    await store.save({ id: "resp_mid", owner: "o", response: {}, items: [], storedAt: now });
    const count = async () => Number((await schema.sql.unsafe(`SELECT count(*)::int AS n FROM "${schema.schema}".responses`))[0]!.n);
    expect(await count()).toBe(2); // under a minute since the store started: no sweep yet
    now += 31_000;
    await store.save({ id: "resp_new", owner: "o", response: {}, items: [], storedAt: now });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await count()).toBe(1);
    expect(await store.get("resp_new", "o")).not.toBeNull();
  });

  it("rejects while the database is unreachable, and works again once it is back", async () => {
    const store = createPostgresResponseStore({ url: "postgres://postgres@127.0.0.1:1/test", ttlMs: 1000, clock: { now: () => Date.now() } });
    await expect(store.get("resp_x", "o")).rejects.toThrow();
    await expect(store.save({ id: "resp_x", owner: "o", response: {}, items: [], storedAt: Date.now() })).rejects.toThrow();
    await store.close();
  });
});
