/**
 * Behaviour every ResponseStore must show, run against each implementation (memory in
 * memory-response-store.test.ts, Postgres in runtime/host/postgres/postgres-response-store.test.ts).
 * `setup` returns two stores that share their entries (the same instance for memory; two pools
 * standing in for two replicas for Postgres), kept `ttlMs` by the clock given.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock, ResponseStore, StoredResponse } from "../ports.ts";

export interface ResponseStoreFixture {
  stores: readonly [ResponseStore, ResponseStore];
  close(): Promise<void>;
}

export const contractTtlMs = 60_000;

let counter = 0;
function entry(owner: string, storedAt: number, extra: Partial<StoredResponse> = {}): StoredResponse {
  const id = `resp_contract_${process.pid}_${Date.now()}_${++counter}`;
  return { id, owner, response: { id, object: "response", output: [{ type: "message", content: [{ type: "output_text", text: "héllo \u2603" }] }] }, items: [{ role: "user", content: "Hi" }, { type: "message", id: `msg_${counter}_0` }], storedAt, ...extra };
}

export function describeResponseStoreContract(name: string, setup: (clock: Clock) => Promise<ResponseStoreFixture>): void {
  describe(`ResponseStore contract: ${name}`, () => {
    let now = Date.UTC(2026, 0, 1);
    const clock: Clock = { now: () => now };
    let fixture: ResponseStoreFixture;
    let store: ResponseStore;
    let other: ResponseStore;

    beforeAll(async () => {
      fixture = await setup(clock);
      [store, other] = fixture.stores;
    });
    afterAll(async () => fixture.close());

    it("gives an entry back whole, to its owner only, through either store", async () => {
      const saved = entry("key:a", now);
      await store.save(saved);
      expect(await store.get(saved.id, "key:a")).toEqual(saved);
      expect(await other.get(saved.id, "key:a")).toEqual(saved);
      expect(await other.get(saved.id, "key:b")).toBeNull();
      expect(await store.get("resp_never", "key:a")).toBeNull();
    });

    it("deletes for the owner only, once", async () => {
      const saved = entry("key:a", now);
      await store.save(saved);
      expect(await other.delete(saved.id, "key:b")).toBe(false);
      expect(await other.delete(saved.id, "key:a")).toBe(true);
      expect(await store.delete(saved.id, "key:a")).toBe(false);
      expect(await store.get(saved.id, "key:a")).toBeNull();
    });

    it("forgets an entry once its TTL has passed, and cannot delete it then", async () => {
      const saved = entry("o", now);
      await store.save(saved);
      now += contractTtlMs - 1;
      expect(await other.get(saved.id, "o")).not.toBeNull();
      now += 1;
      expect(await other.get(saved.id, "o")).toBeNull();
      expect(await store.delete(saved.id, "o")).toBe(false);
    });

    it("a second save under an id replaces the first", async () => {
      const first = entry("o", now);
      await store.save(first);
      const second = { ...first, items: [...first.items, { type: "function_call_output", call_id: "c", output: "1" }] };
      await other.save(second);
      expect((await store.get(first.id, "o"))?.items).toHaveLength(3);
    });
  });
}
