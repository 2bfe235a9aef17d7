import { describe, expect, it } from "vitest";
import type { StoredResponse } from "../ports.ts";
import { contractTtlMs, describeResponseStoreContract } from "../contracts/response-store-contract.ts";
import { createMemoryResponseStore } from "./memory-response-store.ts";

describeResponseStoreContract("memory", async (clock) => {
  const store = createMemoryResponseStore({ ttlMs: contractTtlMs, maxEntries: 100, clock });
  return { stores: [store, store], close: async () => {} };
});

function entry(id: string, owner: string, storedAt: number): StoredResponse {
  return { id, owner, response: { id }, items: [], storedAt };
}

describe("createMemoryResponseStore", () => {
  it("returns an entry to its owner only, and deletes it for its owner only", async () => {
    const store = createMemoryResponseStore({ ttlMs: 1000, maxEntries: 10, clock: { now: () => 0 } });
    await store.save(entry("resp_1", "key:a", 0));
    expect(await store.get("resp_1", "key:a")).toMatchObject({ id: "resp_1" });
    expect(await store.get("resp_1", "key:b")).toBeNull();
    expect(await store.delete("resp_1", "key:b")).toBe(false);
    expect(await store.delete("resp_1", "key:a")).toBe(true);
    expect(await store.get("resp_1", "key:a")).toBeNull();
  });

  it("forgets entries after the TTL", async () => {
    let now = 0;
    const store = createMemoryResponseStore({ ttlMs: 1000, maxEntries: 10, clock: { now: () => now } });
    await store.save(entry("resp_1", "o", 0));
    now = 999;
    expect(await store.get("resp_1", "o")).not.toBeNull();
    now = 1000;
    expect(await store.get("resp_1", "o")).toBeNull();
  });

  it("keeps at most maxEntries, dropping the oldest first", async () => {
    const store = createMemoryResponseStore({ ttlMs: 1000, maxEntries: 2, clock: { now: () => 0 } });
    for (const id of ["resp_1", "resp_2", "resp_3"]) await store.save(entry(id, "o", 0));
    expect(await store.get("resp_1", "o")).toBeNull();
    expect(await store.get("resp_2", "o")).not.toBeNull();
    expect(await store.get("resp_3", "o")).not.toBeNull();
  });
});
