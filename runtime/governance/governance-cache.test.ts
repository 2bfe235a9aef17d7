import { describe, expect, it, vi } from "vitest";
import { checkManagedKey, createGovernanceCache } from "./governance-cache.ts";
import { sampleCustomer, sampleKey, sampleTeam, sampleUser } from "../stores/contracts/governance-store-contract.ts";
import { createMemoryGovernanceStore } from "../stores/memory/memory-governance-store.ts";
import type { GovernanceStore } from "../stores/ports.ts";

const hashA = "a".repeat(64);
const hashB = "b".repeat(64);
const hashC = "c".repeat(64);

/** A store whose list* calls fail while `down` is true. */
function flakyStore(inner: GovernanceStore): GovernanceStore & { down: boolean; listCalls: number } {
  const flaky = {
    ...inner,
    down: false,
    listCalls: 0,
  };
  const guard =
    <T>(list: () => Promise<T>) =>
    async (): Promise<T> => {
      flaky.listCalls++;
      if (flaky.down) throw new Error("connection refused");
      return list();
    };
  flaky.listKeys = guard(() => inner.listKeys());
  flaky.listTeams = guard(() => inner.listTeams());
  flaky.listUsers = guard(() => inner.listUsers());
  flaky.listCustomers = guard(() => inner.listCustomers());
  return flaky;
}

describe("governance cache", () => {
  it("answers lookups from what the store held at start-up", async () => {
    const store = createMemoryGovernanceStore({
      keys: [sampleKey()],
      teams: [sampleTeam()],
      users: [sampleUser()],
      customers: [sampleCustomer()],
    });
    const cache = createGovernanceCache(store);
    await cache.ready;
    expect(cache.isReady()).toBe(true);
    expect(cache.lookupKey(hashA)).toEqual(sampleKey());
    expect(cache.lookupKey(hashB)).toBeNull();
    expect(cache.team("search")).toEqual(sampleTeam());
    expect(cache.user("ada")).toEqual(sampleUser());
    expect(cache.customer("customer-42")).toEqual(sampleCustomer());
    expect(cache.team("nobody")).toBeNull();
    expect(cache.user("nobody")).toBeNull();
    expect(cache.customer("nobody")).toBeNull();
    cache.close();
  });

  it("follows every change the store announces: new, changed, regenerated and deleted entities", async () => {
    const store = createMemoryGovernanceStore({ keys: [sampleKey()], teams: [sampleTeam()] });
    const cache = createGovernanceCache(store);
    await cache.ready;

    await store.putKey(sampleKey({ keyId: "key_0002", keyHash: hashB, keyAlias: "second" }));
    await store.putTeam(sampleTeam({ blocked: true }));
    await store.putUser(sampleUser());
    await store.putCustomer(sampleCustomer());
    await cache.whenFresh();
    expect(cache.lookupKey(hashB)?.keyAlias).toBe("second");
    expect(cache.team("search")?.blocked).toBe(true);
    expect(cache.user("ada")).toEqual(sampleUser());
    expect(cache.customer("customer-42")).toEqual(sampleCustomer());

    // Regenerated: same keyId, new hash. The old key stops working at once.
    await store.putKey(sampleKey({ keyHash: hashC }));
    await cache.whenFresh();
    expect(cache.lookupKey(hashA)).toBeNull();
    expect(cache.lookupKey(hashC)?.keyId).toBe("key_0001");

    await store.deleteEntity("key", "key_0002");
    await store.deleteEntity("user", "ada");
    await cache.whenFresh();
    expect(cache.lookupKey(hashB)).toBeNull();
    expect(cache.user("ada")).toBeNull();
    cache.close();
  });

  it("keeps serving known keys while the store is down, and catches up when it is back", async () => {
    const store = flakyStore(createMemoryGovernanceStore({ keys: [sampleKey()], teams: [sampleTeam()] }));
    const errors: string[] = [];
    const cache = createGovernanceCache(store, { retryDelayMs: 5, maxRetryDelayMs: 20, onError: (message) => errors.push(message) });
    await cache.ready;

    store.down = true;
    // A change arrives (say, from another replica) while the store cannot be read.
    await store.putKey(sampleKey({ keyId: "key_0002", keyHash: hashB }));
    await cache.whenFresh();
    expect(cache.lookupKey(hashA)).toEqual(sampleKey());
    expect(cache.team("search")).toEqual(sampleTeam());
    expect(cache.lookupKey(hashB)).toBeNull();
    await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(2));
    expect(errors[0]).toMatch(/could not load keys from the memory .* store \(connection refused\); serving the last loaded keys/);
    expect(cache.lookupKey(hashA)).toEqual(sampleKey());

    store.down = false;
    await vi.waitFor(() => expect(cache.lookupKey(hashB)?.keyId).toBe("key_0002"));
    expect(cache.lookupKey(hashA)).toEqual(sampleKey());
    cache.close();
  });

  it("retries the start-up load until the store answers, and is ready only then", async () => {
    const store = flakyStore(createMemoryGovernanceStore({ keys: [sampleKey()] }));
    store.down = true;
    const cache = createGovernanceCache(store, { retryDelayMs: 5, maxRetryDelayMs: 10, onError: () => {} });
    await vi.waitFor(() => expect(store.listCalls).toBeGreaterThanOrEqual(3));
    expect(cache.isReady()).toBe(false);
    expect(cache.lookupKey(hashA)).toBeNull();
    store.down = false;
    await cache.ready;
    expect(cache.isReady()).toBe(true);
    expect(cache.lookupKey(hashA)).toEqual(sampleKey());
    cache.close();
  });

  it("loads a kind again when it changed while it was loading", async () => {
    const inner = createMemoryGovernanceStore({ keys: [sampleKey()] });
    const store: GovernanceStore = { ...inner };
    let release: (() => void) | null = null;
    store.listKeys = async () => {
      const rows = await inner.listKeys();
      if (release === null) {
        // Hold the first reload after start-up so that a second change arrives while it runs.
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
      return rows;
    };
    release = () => {};
    const cache = createGovernanceCache(store);
    await cache.ready;

    release = null;
    await inner.putKey(sampleKey({ keyId: "key_0002", keyHash: hashB }));
    await vi.waitFor(() => expect(release).not.toBeNull());
    // The reload in flight read the store before this write.
    await inner.putKey(sampleKey({ keyId: "key_0003", keyHash: hashC }));
    (release as unknown as () => void)();
    await cache.whenFresh();
    expect(cache.lookupKey(hashB)?.keyId).toBe("key_0002");
    expect(cache.lookupKey(hashC)?.keyId).toBe("key_0003");
    cache.close();
  });

  it("always holds the config's entities, which win over stored ones with the same id or hash", async () => {
    const configKey = sampleKey({ keyId: "config:ci", keyHash: hashA, keyAlias: "ci", fromConfig: true, models: [] });
    const configTeam = sampleTeam({ teamId: "search", fromConfig: true, maxBudget: 5 });
    const store = createMemoryGovernanceStore({
      keys: [sampleKey({ keyId: "key_same_hash", keyHash: hashA }), sampleKey({ keyId: "key_other", keyHash: hashB })],
      teams: [sampleTeam({ maxBudget: 999 })],
    });
    const cache = createGovernanceCache(store, { configEntities: { keys: [configKey], teams: [configTeam], users: [], customers: [] } });
    // Before the store answered.
    expect(cache.lookupKey(hashA)).toEqual(configKey);
    expect(cache.team("search")).toEqual(configTeam);
    await cache.ready;
    expect(cache.lookupKey(hashA)).toEqual(configKey);
    expect(cache.team("search")?.maxBudget).toBe(5);
    expect(cache.lookupKey(hashB)?.keyId).toBe("key_other");
    cache.close();
  });

  it("stops following the store once closed", async () => {
    const store = createMemoryGovernanceStore();
    const cache = createGovernanceCache(store);
    await cache.ready;
    cache.close();
    await store.putKey(sampleKey());
    await cache.whenFresh();
    expect(cache.lookupKey(hashA)).toBeNull();
  });
});

describe("checkManagedKey", () => {
  const now = Date.parse("2025-06-01T00:00:00.000Z");

  it("lets a usable key through", () => {
    expect(checkManagedKey(sampleKey(), sampleTeam(), now)).toBeNull();
    expect(checkManagedKey(sampleKey({ expiresAt: "2025-06-01T00:00:01.000Z" }), null, now)).toBeNull();
  });

  it("refuses an expired key, a blocked key and a key of a blocked team with a 401", () => {
    const expired = checkManagedKey(sampleKey({ expiresAt: "2025-06-01T00:00:00.000Z" }), null, now);
    expect([expired?.status, expired?.code]).toEqual([401, "expired_api_key"]);
    const blocked = checkManagedKey(sampleKey({ blocked: true }), sampleTeam(), now);
    expect([blocked?.status, blocked?.code]).toEqual([401, "blocked_api_key"]);
    const teamBlocked = checkManagedKey(sampleKey(), sampleTeam({ blocked: true }), now);
    expect([teamBlocked?.status, teamBlocked?.code]).toEqual([401, "blocked_api_key"]);
    expect(teamBlocked?.message).toContain("its team is blocked");
  });
});
