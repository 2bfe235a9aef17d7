/**
 * Bun-only test (bun:sqlite): run with `node bin/bun.js test ./runtime/host/bun/sqlite-governance-store.bun-test.ts`.
 * Not a `.test.ts` file, so vitest on Node does not pick it up (sqlite-governance-store.test.ts runs it).
 */
import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeGovernanceStoreContract, sampleKey, sampleTeam } from "../../stores/contracts/governance-store-contract.ts";
import type { GovernanceStore } from "../../stores/ports.ts";
import { createSqliteGovernanceStore } from "./sqlite-governance-store.ts";
import { createSqliteSpendStore } from "./sqlite-spend-store.ts";

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function databasePath(): string {
  const directory = mkdtempSync(join(tmpdir(), "gw-governance-"));
  directories.push(directory);
  return join(directory, "nested", "gw.db");
}

describe("sqlite governance store: the GovernanceStore contract", () => {
  const paths = new WeakMap<GovernanceStore, string>();
  describeGovernanceStoreContract({
    test,
    async open() {
      const path = databasePath();
      const store = createSqliteGovernanceStore({ path });
      paths.set(store, path);
      return store;
    },
    async reopen(store) {
      const path = paths.get(store);
      if (path === undefined) throw new Error("reopen: unknown store");
      await store.close();
      return createSqliteGovernanceStore({ path });
    },
  });
});

describe("sqlite governance store", () => {
  test("keeps keys in a file that the spend store shares", async () => {
    const path = databasePath();
    const spend = createSqliteSpendStore({ path, flushIntervalMs: 5 });
    const store = createSqliteGovernanceStore({ path });
    await store.putKey(sampleKey());
    await store.putTeam(sampleTeam());
    spend.record({
      requestId: "r1", timestamp: 1, team: "search", keyName: "ci-bot", model: "m", deployment: "m/0", provider: "openai",
      inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0.5, latencyMs: 1, status: 200, stream: false,
    });
    await spend.flush();
    await store.close();
    await spend.close();

    const reopened = createSqliteGovernanceStore({ path });
    expect(await reopened.listKeys()).toEqual([sampleKey()]);
    expect(await reopened.listTeams()).toEqual([sampleTeam()]);
    await reopened.close();
    const database = new Database(path);
    expect(database.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM spend").get()?.n).toBe(1);
    expect(database.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version).toBe(1);
    database.close(false);
  });

  test("fails at once on a path it cannot open", () => {
    const directory = mkdtempSync(join(tmpdir(), "gw-governance-"));
    directories.push(directory);
    const file = join(directory, "not-a-folder");
    writeFileSync(file, "");
    expect(() => createSqliteGovernanceStore({ path: join(file, "gw.db") })).toThrow();
  });

  test("refuses work once closed", async () => {
    const store = createSqliteGovernanceStore({ path: ":memory:" });
    await store.close();
    await expect(store.listKeys()).rejects.toThrow(/closed/);
    await expect(store.putKey(sampleKey())).rejects.toThrow(/closed/);
  });
});
