/**
 * Bun-only test (bun:sqlite): run with `node bin/bun.js test ./runtime/host/bun/sqlite-spend-store.bun-test.ts`.
 * Not a `.test.ts` file, so vitest on Node does not pick it up.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SpendRecord } from "../../ports.ts";
import { createSqliteSpendStore } from "./sqlite-spend-store.ts";

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function databasePath(): string {
  const directory = mkdtempSync(join(tmpdir(), "gw-sqlite-"));
  directories.push(directory);
  return join(directory, "nested", "gw.db");
}

function record(requestId: string, team: string | null, timestamp: number, costUsd: number): SpendRecord {
  return {
    requestId,
    timestamp,
    team,
    keyName: team === null ? null : `${team}-key`,
    model: "chat",
    deployment: "chat/0",
    provider: "openai",
    inputTokens: 10,
    outputTokens: 5,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd,
    latencyMs: 12,
    status: 200,
    stream: false,
  };
}

describe("sqlite spend store", () => {
  test("keeps spend across a close and reopen, and sums per team since a time", async () => {
    const path = databasePath();
    const first = createSqliteSpendStore({ path });
    expect(first.description).toBe(`sqlite ${path}`);
    first.record(record("a", "research", 1_000, 1.5));
    first.record(record("b", "research", 2_000, 2.25));
    first.record(record("c", "ops", 2_000, 7));
    first.record(record("d", null, 2_000, 9));
    expect(first.pending()).toBe(4);
    await first.flush();
    expect(first.pending()).toBe(0);
    await first.close();

    const second = createSqliteSpendStore({ path });
    expect(await second.teamSpendSince("research", 0)).toBeCloseTo(3.75, 9);
    expect(await second.teamSpendSince("research", 1_500)).toBeCloseTo(2.25, 9);
    expect(await second.teamSpendSince("ops", 0)).toBe(7);
    expect(await second.teamSpendSince("nobody", 0)).toBe(0);
    await second.close();
  });

  test("writes queued rows on its own shortly after recording, without an explicit flush", async () => {
    const store = createSqliteSpendStore({ path: databasePath(), flushIntervalMs: 5 });
    store.record(record("a", "research", 1, 1));
    expect(store.pending()).toBe(1);
    for (let waited = 0; store.pending() > 0 && waited < 200; waited++) await Bun.sleep(5);
    expect(store.pending()).toBe(0);
    await store.close();
  });

  test("writes a full batch at once", async () => {
    const store = createSqliteSpendStore({ path: databasePath(), flushIntervalMs: 60_000, batchSize: 3 });
    for (const id of ["a", "b", "c"]) store.record(record(id, "research", 1, 1));
    await Promise.resolve();
    expect(store.pending()).toBe(0);
    expect(await store.teamSpendSince("research", 0)).toBe(3);
    await store.close();
  });

  test("close flushes what is queued", async () => {
    const path = databasePath();
    const store = createSqliteSpendStore({ path, flushIntervalMs: 60_000 });
    store.record(record("a", "research", 1, 4));
    await store.close();
    const reopened = createSqliteSpendStore({ path });
    expect(await reopened.teamSpendSince("research", 0)).toBe(4);
    await reopened.close();
  });

  test("ignores a duplicate request id instead of failing the batch", async () => {
    const store = createSqliteSpendStore({ path: databasePath() });
    store.record(record("same", "research", 1, 1));
    store.record(record("same", "research", 1, 1));
    store.record(record("other", "research", 1, 2));
    await store.flush();
    expect(await store.teamSpendSince("research", 0)).toBe(3);
    expect(store.healthy?.()).toBe(true);
    await store.close();
    expect(store.healthy?.()).toBe(false);
  });
});
