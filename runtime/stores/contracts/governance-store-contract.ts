/**
 * The behaviour every GovernanceStore must have, as a test suite any runner can run: vitest
 * (memory store), bun:test (SQLite store), and the Postgres store's tests. Assertions use
 * node:assert so the suite does not depend on a runner's `expect`.
 */
import assert from "node:assert/strict";
import type { AuditEntry, EntityKind, GovernanceStore, ManagedCustomer, ManagedKey, ManagedTeam, ManagedUser } from "../ports.ts";

export interface GovernanceStoreHarness {
  /** Registers one test (vitest's `it`, bun:test's `test`). */
  test(name: string, body: () => Promise<void>): void;
  /** A new, empty store. The suite closes it. */
  open(): Promise<GovernanceStore>;
  /** Close `store` and open the same storage again: given by durable stores, to check persistence. */
  reopen?(store: GovernanceStore): Promise<GovernanceStore>;
}

const at = "2025-01-02T03:04:05.000Z";

const noLimits = {
  maxBudget: null,
  softBudget: null,
  budgetDuration: null,
  rpmLimit: null,
  tpmLimit: null,
  maxParallelRequests: null,
} as const;

export function sampleKey(overrides: Partial<ManagedKey> = {}): ManagedKey {
  return {
    keyId: "key_0001",
    keyHash: "a".repeat(64),
    keyAlias: "ci-bot",
    teamId: "search",
    userId: null,
    tags: ["ci", "prod"],
    blocked: false,
    expiresAt: null,
    admin: false,
    models: ["gpt-4o", "anthropic/*"],
    metadata: { owner: "platform", nested: { list: [1, 2, { deep: true }] } },
    fromConfig: false,
    createdAt: at,
    updatedAt: at,
    ...noLimits,
    maxBudget: 12.5,
    budgetDuration: "1mo",
    rpmLimit: 60,
    ...overrides,
  };
}

export function sampleTeam(overrides: Partial<ManagedTeam> = {}): ManagedTeam {
  return {
    teamId: "search",
    teamAlias: "Search team",
    blocked: false,
    models: [],
    metadata: {},
    fromConfig: false,
    createdAt: at,
    updatedAt: at,
    ...noLimits,
    softBudget: 80,
    maxBudget: 100,
    budgetDuration: "30d",
    ...overrides,
  };
}

export function sampleUser(overrides: Partial<ManagedUser> = {}): ManagedUser {
  return {
    userId: "ada",
    userEmail: "ada@example.com",
    teamIds: ["search"],
    models: [],
    metadata: {},
    fromConfig: false,
    createdAt: at,
    updatedAt: at,
    ...noLimits,
    tpmLimit: 10_000,
    ...overrides,
  };
}

export function sampleCustomer(overrides: Partial<ManagedCustomer> = {}): ManagedCustomer {
  return {
    customerId: "customer-42",
    blocked: false,
    models: [],
    metadata: { plan: "free" },
    fromConfig: false,
    createdAt: at,
    updatedAt: at,
    ...noLimits,
    maxParallelRequests: 2,
    ...overrides,
  };
}

function sampleAudit(id: string, entity: EntityKind, entityId: string): AuditEntry {
  return { id, at, actor: "master", action: `${entity}.update`, entity, entityId, before: { n: 1 }, after: { n: 2, list: ["x"] } };
}

function byId<T>(rows: readonly T[], id: (row: T) => string): T[] {
  return [...rows].sort((a, b) => id(a).localeCompare(id(b)));
}

export function describeGovernanceStoreContract(harness: GovernanceStoreHarness): void {
  const { test } = harness;
  const withStore = (body: (store: GovernanceStore) => Promise<void>) => async () => {
    const store = await harness.open();
    try {
      await body(store);
    } finally {
      await store.close();
    }
  };

  test(
    "starts empty",
    withStore(async (store) => {
      assert.deepEqual(await store.listKeys(), []);
      assert.deepEqual(await store.listTeams(), []);
      assert.deepEqual(await store.listUsers(), []);
      assert.deepEqual(await store.listCustomers(), []);
      assert.deepEqual(await store.listAudit({ limit: 10 }), []);
    }),
  );

  test(
    "stores every kind of entity as it was given, and replaces by id",
    withStore(async (store) => {
      const key = sampleKey();
      assert.deepEqual(await store.putKey(key), key);
      await store.putTeam(sampleTeam());
      await store.putUser(sampleUser());
      await store.putCustomer(sampleCustomer());
      await store.putKey(sampleKey({ keyId: "key_0002", keyHash: "b".repeat(64), keyAlias: null, teamId: null, expiresAt: at, admin: true }));
      assert.deepEqual(byId(await store.listKeys(), (row) => row.keyId), [
        key,
        sampleKey({ keyId: "key_0002", keyHash: "b".repeat(64), keyAlias: null, teamId: null, expiresAt: at, admin: true }),
      ]);
      assert.deepEqual(await store.listTeams(), [sampleTeam()]);
      assert.deepEqual(await store.listUsers(), [sampleUser()]);
      assert.deepEqual(await store.listCustomers(), [sampleCustomer()]);

      await store.putTeam(sampleTeam({ teamAlias: null, maxBudget: null, blocked: true, updatedAt: "2025-02-01T00:00:00.000Z" }));
      await store.putUser(sampleUser({ userEmail: null, teamIds: [] }));
      await store.putCustomer(sampleCustomer({ blocked: true, metadata: {} }));
      await store.putKey(sampleKey({ blocked: true, tags: [] }));
      assert.deepEqual(await store.listTeams(), [sampleTeam({ teamAlias: null, maxBudget: null, blocked: true, updatedAt: "2025-02-01T00:00:00.000Z" })]);
      assert.deepEqual(await store.listUsers(), [sampleUser({ userEmail: null, teamIds: [] })]);
      assert.deepEqual(await store.listCustomers(), [sampleCustomer({ blocked: true, metadata: {} })]);
      assert.equal((await store.listKeys()).length, 2);
      assert.deepEqual((await store.listKeys()).find((row) => row.keyId === "key_0001"), sampleKey({ blocked: true, tags: [] }));
    }),
  );

  test(
    "hands out copies: changing a returned row does not change the store",
    withStore(async (store) => {
      const key = sampleKey();
      await store.putKey(key);
      key.models.push("changed-after-put");
      const [listed] = await store.listKeys();
      assert.ok(listed);
      listed.metadata.owner = "someone else";
      listed.tags.push("changed-after-list");
      assert.deepEqual(await store.listKeys(), [sampleKey()]);
    }),
  );

  test(
    "gives a key hash to one key only, and frees the old hash when a key gets a new one",
    withStore(async (store) => {
      await store.putKey(sampleKey());
      await assert.rejects(store.putKey(sampleKey({ keyId: "key_other" })));
      assert.deepEqual(
        (await store.listKeys()).map((row) => row.keyId),
        ["key_0001"],
      );
      // Regenerating: same keyId, new hash; the old hash may then go to another key.
      await store.putKey(sampleKey({ keyHash: "c".repeat(64) }));
      await store.putKey(sampleKey({ keyId: "key_other" }));
      assert.deepEqual(
        byId(await store.listKeys(), (row) => row.keyId).map((row) => [row.keyId, row.keyHash]),
        [
          ["key_0001", "c".repeat(64)],
          ["key_other", "a".repeat(64)],
        ],
      );
    }),
  );

  test(
    "deletes by kind and id, and says whether something was deleted",
    withStore(async (store) => {
      await store.putKey(sampleKey());
      await store.putTeam(sampleTeam());
      await store.putUser(sampleUser());
      await store.putCustomer(sampleCustomer());
      assert.equal(await store.deleteEntity("team", "no-such-team"), false);
      assert.equal(await store.deleteEntity("key", "search"), false);
      assert.equal(await store.deleteEntity("team", "search"), true);
      assert.equal(await store.deleteEntity("team", "search"), false);
      assert.equal(await store.deleteEntity("key", "key_0001"), true);
      assert.equal(await store.deleteEntity("user", "ada"), true);
      assert.equal(await store.deleteEntity("customer", "customer-42"), true);
      assert.deepEqual(await store.listKeys(), []);
      assert.deepEqual(await store.listTeams(), []);
      assert.deepEqual(await store.listUsers(), []);
      assert.deepEqual(await store.listCustomers(), []);
      // A deleted key's hash is free again.
      await store.putKey(sampleKey({ keyId: "key_new" }));
      assert.deepEqual(
        (await store.listKeys()).map((row) => row.keyId),
        ["key_new"],
      );
    }),
  );

  test(
    "tells listeners about every put and every delete, until they unsubscribe",
    withStore(async (store) => {
      const heard: string[] = [];
      const unsubscribe = store.onChange((kind, id) => heard.push(`${kind}:${id}`));
      const alsoHeard: string[] = [];
      store.onChange(() => {
        throw new Error("a listener that fails");
      });
      store.onChange((kind, id) => alsoHeard.push(`${kind}:${id}`));
      await store.putKey(sampleKey());
      await store.putTeam(sampleTeam());
      await store.putUser(sampleUser());
      await store.putCustomer(sampleCustomer());
      await store.deleteEntity("team", "search");
      await store.deleteEntity("team", "search");
      unsubscribe();
      await store.putTeam(sampleTeam({ teamId: "after-unsubscribe" }));
      assert.deepEqual(heard, ["key:key_0001", "team:search", "user:ada", "customer:customer-42", "team:search"]);
      assert.deepEqual(alsoHeard, [...heard, "team:after-unsubscribe"]);
    }),
  );

  test(
    "lists audit entries newest first, filtered by entity and id, a page at a time",
    withStore(async (store) => {
      const entries = [
        sampleAudit("aud_001", "key", "key_0001"),
        sampleAudit("aud_002", "team", "search"),
        sampleAudit("aud_003", "key", "key_0002"),
        sampleAudit("aud_004", "key", "key_0001"),
        sampleAudit("aud_005", "customer", "customer-42"),
      ];
      // Appended out of order: listing goes by id, not by arrival.
      for (const entry of [entries[1], entries[0], entries[2], entries[4], entries[3]]) if (entry) await store.appendAudit(entry);
      const ids = (rows: AuditEntry[]) => rows.map((row) => row.id);
      assert.deepEqual(ids(await store.listAudit({ limit: 100 })), ["aud_005", "aud_004", "aud_003", "aud_002", "aud_001"]);
      assert.deepEqual(await store.listAudit({ limit: 1 }), [entries[4]]);
      assert.deepEqual(ids(await store.listAudit({ limit: 2, before: "aud_004" })), ["aud_003", "aud_002"]);
      assert.deepEqual(ids(await store.listAudit({ entity: "key", limit: 100 })), ["aud_004", "aud_003", "aud_001"]);
      assert.deepEqual(ids(await store.listAudit({ entity: "key", entityId: "key_0001", limit: 100 })), ["aud_004", "aud_001"]);
      assert.deepEqual(ids(await store.listAudit({ entityId: "search", limit: 100 })), ["aud_002"]);
      assert.deepEqual(ids(await store.listAudit({ entity: "key", limit: 100, before: "aud_003" })), ["aud_001"]);
      assert.deepEqual(await store.listAudit({ limit: 100, before: "aud_001" }), []);
    }),
  );

  if (harness.reopen !== undefined) {
    const reopen = harness.reopen;
    test("keeps everything across a close and reopen", async () => {
      const first = await harness.open();
      await first.putKey(sampleKey());
      await first.putTeam(sampleTeam());
      await first.putUser(sampleUser());
      await first.putCustomer(sampleCustomer());
      await first.putCustomer(sampleCustomer({ customerId: "gone" }));
      await first.deleteEntity("customer", "gone");
      await first.appendAudit(sampleAudit("aud_001", "key", "key_0001"));
      const second = await reopen(first);
      try {
        assert.deepEqual(await second.listKeys(), [sampleKey()]);
        assert.deepEqual(await second.listTeams(), [sampleTeam()]);
        assert.deepEqual(await second.listUsers(), [sampleUser()]);
        assert.deepEqual(await second.listCustomers(), [sampleCustomer()]);
        assert.deepEqual(await second.listAudit({ limit: 10 }), [sampleAudit("aud_001", "key", "key_0001")]);
        // The hash stays taken after a reopen.
        await assert.rejects(second.putKey(sampleKey({ keyId: "key_other" })));
      } finally {
        await second.close();
      }
    });
  }
}
