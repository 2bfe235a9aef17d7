import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTcpFaultProxy, type TcpFaultProxy } from "../../../test/support/tcp-fault-proxy.ts";
import { describeGovernanceStoreContract } from "../../stores/contracts/governance-store-contract.ts";
import type { GovernanceStore, ManagedCustomer, ManagedKey, ManagedTeam, ManagedUser } from "../../stores/ports.ts";
import { migrate } from "./migrate.ts";
import { anyEntityId, createPostgresGovernanceStore, type PostgresGovernanceStore } from "./postgres-governance-store.ts";
import { quoteIdentifier } from "./connect.ts";
import { createTestSchema, randomTestSchema, testPostgresUrl, type TestSchema, urlThroughPort } from "./test-schema.ts";

let database: TestSchema;
const stores: PostgresGovernanceStore[] = [];
const proxies: TcpFaultProxy[] = [];

beforeAll(async () => {
  database = createTestSchema();
  await migrate(database.sql, { schema: database.schema });
});

const contractSchemas: string[] = [];

afterAll(async () => {
  for (const store of stores) await store.close();
  for (const proxy of proxies) await proxy.close();
  for (const schema of contractSchemas) await database.sql.unsafe(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  await database.drop();
});

describe("postgres governance store: the GovernanceStore contract", () => {
  const schemaOf = new Map<GovernanceStore, string>();
  const openIn = (schema: string): GovernanceStore => {
    const store = createPostgresGovernanceStore({ url: testPostgresUrl, schema });
    schemaOf.set(store, schema);
    return store;
  };
  describeGovernanceStoreContract({
    test: it,
    async open() {
      const schema = randomTestSchema();
      contractSchemas.push(schema);
      await migrate(database.sql, { schema });
      return openIn(schema);
    },
    async reopen(store) {
      await store.close();
      return openIn(schemaOf.get(store) as string);
    },
  });
});

function openStore(url?: string): PostgresGovernanceStore {
  const store = createPostgresGovernanceStore(
    url === undefined ? { sql: database.sql, schema: database.schema, onError: () => {} } : { url, schema: database.schema, onError: () => {} },
  );
  stores.push(store);
  return store;
}

const base = {
  models: ["gpt-4o", "claude-*"],
  metadata: { owner: "platform", nested: { cost_center: 42 } },
  maxBudget: 100,
  softBudget: 80,
  budgetDuration: "30d",
  rpmLimit: 600,
  tpmLimit: 5_000_000_000,
  maxParallelRequests: 20,
  fromConfig: false,
  createdAt: "2025-01-15T10:00:00.000Z",
  updatedAt: "2025-01-15T10:00:00.000Z",
};

const key: ManagedKey = {
  ...base,
  keyId: "key_1",
  keyHash: "a".repeat(64),
  keyAlias: "ci",
  teamId: "team_1",
  userId: "user_1",
  tags: ["ci", "nightly"],
  blocked: false,
  expiresAt: "2026-01-01T00:00:00.000Z",
  admin: false,
};
const team: ManagedTeam = { ...base, teamId: "team_1", teamAlias: "Platform", blocked: false };
const user: ManagedUser = { ...base, userId: "user_1", userEmail: "ada@example.com", teamIds: ["team_1", "team_2"] };
const customer: ManagedCustomer = { ...base, customerId: "customer_1", blocked: true, maxBudget: null, budgetDuration: null, models: [] };

describe("postgres governance store", () => {
  it("stores, lists, updates and deletes keys, teams, users and customers", async () => {
    const store = openStore();
    expect(await store.putKey(key)).toEqual(key);
    expect(await store.putTeam(team)).toEqual(team);
    expect(await store.putUser(user)).toEqual(user);
    expect(await store.putCustomer(customer)).toEqual(customer);
    expect(await store.listKeys()).toEqual([key]);
    expect(await store.listTeams()).toEqual([team]);
    expect(await store.listUsers()).toEqual([user]);
    expect(await store.listCustomers()).toEqual([customer]);

    const updated = { ...key, blocked: true, keyHash: "b".repeat(64), metadata: {}, updatedAt: "2025-02-01T00:00:00.000Z", expiresAt: null };
    expect(await store.putKey(updated)).toEqual(updated);
    expect(await store.listKeys()).toEqual([updated]);

    expect(await store.deleteEntity("customer", "customer_1")).toBe(true);
    expect(await store.deleteEntity("customer", "customer_1")).toBe(false);
    expect(await store.listCustomers()).toEqual([]);
  });

  it("stores keys by hash only and refuses two keys with one hash", async () => {
    const store = openStore();
    await store.putKey({ ...key, keyId: "key_hash_1", keyHash: "c".repeat(64) });
    await expect(store.putKey({ ...key, keyId: "key_hash_2", keyHash: "c".repeat(64) })).rejects.toThrow(/key_hash/);
    const [columns] = await database.sql.unsafe<{ names: string[] }[]>(
      `SELECT array_agg(column_name::text) AS names FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'api_keys'`,
      [database.schema],
    );
    expect(columns?.names.filter((name) => /key/.test(name)).sort()).toEqual(["key_alias", "key_hash", "key_id"]);
  });

  it("tells its own listeners once, and a second store (another replica) through NOTIFY", async () => {
    const first = openStore();
    const second = openStore(testPostgresUrl);
    await Promise.all([first.listening(), second.listening()]);
    const heardByFirst: string[] = [];
    const heardBySecond: string[] = [];
    first.onChange((kind, id) => heardByFirst.push(`${kind}:${id}`));
    const unsubscribe = second.onChange((kind, id) => heardBySecond.push(`${kind}:${id}`));

    await first.putTeam({ ...team, teamId: "team_notify" });
    expect(heardByFirst).toEqual(["team:team_notify"]); // at once, before the promise resolved
    await vi.waitFor(() => expect(heardBySecond).toEqual(["team:team_notify"]), { timeout: 5_000, interval: 10 });

    await second.deleteEntity("team", "team_notify");
    await second.putKey({ ...key, keyId: "key_notify", keyHash: "d".repeat(64) });
    await vi.waitFor(() => expect(heardByFirst).toEqual(["team:team_notify", "team:team_notify", "key:key_notify"]), { timeout: 5_000, interval: 10 });
    expect(heardBySecond).toEqual(["team:team_notify", "team:team_notify", "key:key_notify"]);

    unsubscribe();
    await first.putUser({ ...user, userId: "user_notify" });
    await vi.waitFor(() => expect(heardByFirst.at(-1)).toBe("user:user_notify"));
    expect(heardBySecond).toHaveLength(3);
  });

  it("does not hear changes made in another schema", async () => {
    const other = createTestSchema();
    try {
      await migrate(other.sql, { schema: other.schema });
      const elsewhere = createPostgresGovernanceStore({ sql: other.sql, schema: other.schema });
      const here = openStore();
      await Promise.all([here.listening(), elsewhere.listening()]);
      const heard: string[] = [];
      here.onChange((kind, id) => heard.push(`${kind}:${id}`));
      await elsewhere.putTeam({ ...team, teamId: "team_elsewhere" });
      await here.putTeam({ ...team, teamId: "team_here_marker" });
      const third = openStore(testPostgresUrl);
      await third.listening();
      const heardByThird: string[] = [];
      third.onChange((kind, id) => heardByThird.push(`${kind}:${id}`));
      await elsewhere.putTeam({ ...team, teamId: "team_elsewhere_2" });
      await here.putTeam({ ...team, teamId: "team_here_2" });
      await vi.waitFor(() => expect(heardByThird).toContain("team:team_here_2"));
      expect(heardByThird).toEqual(["team:team_here_2"]);
      expect(heard).toEqual(["team:team_here_marker", "team:team_here_2"]);
      await elsewhere.close();
    } finally {
      await other.drop();
    }
  });

  it("after its LISTEN connection was cut, tells listeners to reload everything and hears changes again", async () => {
    const proxy = await startTcpFaultProxy({ host: "127.0.0.1", port: Number(new URL(testPostgresUrl).port || 5432) });
    proxies.push(proxy);
    const replica = openStore(urlThroughPort(testPostgresUrl, proxy.port));
    await replica.listening();
    const heard: string[] = [];
    replica.onChange((kind, id) => heard.push(`${kind}:${id}`));
    const writer = openStore();

    proxy.cut();
    await writer.putTeam({ ...team, teamId: "team_during_outage" }); // this notification is lost for the replica
    await new Promise((resolve) => setTimeout(resolve, 300));
    proxy.restore();

    await vi.waitFor(() => expect(heard).toEqual(["key", "team", "user", "customer"].map((kind) => `${kind}:${anyEntityId}`)), {
      timeout: 15_000,
      interval: 20,
    });
    await writer.putTeam({ ...team, teamId: "team_after_outage" });
    await vi.waitFor(() => expect(heard.at(-1)).toBe("team:team_after_outage"), { timeout: 5_000, interval: 20 });
  });

  it("notices when notifications stop arriving, listens again and tells listeners to reload everything", async () => {
    const messages: string[] = [];
    const replica = createPostgresGovernanceStore({ url: testPostgresUrl, schema: database.schema, listenCheckIntervalMs: 100, onError: (message) => messages.push(message) });
    stores.push(replica);
    await replica.listening();
    const heard: string[] = [];
    replica.onChange((kind, id) => heard.push(`${kind}:${id}`));
    replica.dropListenForTesting();
    await vi.waitFor(() => expect(heard).toEqual(["key", "team", "user", "customer"].map((kind) => `${kind}:${anyEntityId}`)), {
      timeout: 10_000,
      interval: 20,
    });
    expect(messages.join("\n")).toContain("stopped arriving");
    await openStore().putCustomer({ ...customer, customerId: "customer_after_drop" });
    await vi.waitFor(() => expect(heard.at(-1)).toBe("customer:customer_after_drop"), { timeout: 5_000, interval: 20 });
  });
});
