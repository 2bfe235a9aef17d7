/**
 * Behaviour every SpendQueries must show (/spend/logs and /spend/report), run against each
 * implementation: Postgres in runtime/host/postgres/postgres-spend-queries.test.ts (vitest),
 * SQLite in runtime/host/bun/sqlite-spend-queries.bun-test.ts (bun test, which maps `vitest`
 * imports to bun:test). `setup` writes the given rows through the store's real writer (so the
 * aggregates are fed as in production) and returns queries that see all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayError } from "../../http/errors.ts";
import { decodeLogsCursor, encodeLogsCursor, utcDayOf } from "../../spend/spend-query-rules.ts";
import type { LedgerRow, SpendLogsFilter, SpendQueries } from "../ports.ts";
import { testDay, testLedgerRow } from "./ledger-test-rows.ts";

export interface SpendQueriesFixture {
  queries: SpendQueries;
  /** Deletes one row from the ledger only (not from the aggregates), behind the store's back. */
  deleteFromLedger(requestId: string): Promise<void>;
  close(): Promise<void>;
}

const day = 86_400_000;

/** 150 rows over 3 days; rows 100..119 share one timestamp, to test ties in pagination. */
export const spendQueriesContractRows: readonly LedgerRow[] = Array.from({ length: 150 }, (_, index) =>
  testLedgerRow(index, index >= 100 && index < 120 ? { timestamp: testDay + day + 5_000 } : {}),
);

/** Newest first, ties by request id descending: the order /spend/logs promises. */
const newestFirst = (a: LedgerRow, b: LedgerRow) => b.timestamp - a.timestamp || (a.requestId < b.requestId ? 1 : -1);

export function describeSpendQueriesContract(name: string, setup: (rows: readonly LedgerRow[]) => Promise<SpendQueriesFixture>): void {
  const rows = spendQueriesContractRows;
  let fixture: SpendQueriesFixture;
  let queries: SpendQueries;

  async function allPages(filter: Omit<SpendLogsFilter, "cursor">): Promise<LedgerRow[][]> {
    const pages: LedgerRow[][] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await queries.logs({ ...filter, ...(cursor === undefined ? {} : { cursor }) });
      pages.push(page.rows);
      if (page.nextCursor === null) return pages;
      cursor = page.nextCursor;
      if (pages.length > 200) throw new Error("pagination does not end");
    }
  }

  describe(`SpendQueries contract: ${name}`, () => {
    beforeAll(async () => {
      fixture = await setup(rows);
      queries = fixture.queries;
    });
    afterAll(async () => {
      await fixture?.close();
    });

    describe("logs", () => {
      it("pages through every row once, newest first, including rows that share a timestamp", async () => {
        const pages = await allPages({ limit: 7 });
        expect(pages.slice(0, -1).every((page) => page.length === 7)).toBe(true);
        expect(pages.flat()).toEqual([...rows].sort(newestFirst));
      });

      it.each([
        ["key", { key: "aaaaaaaaaaaa" }, (row: LedgerRow) => row.keyHashPrefix === "aaaaaaaaaaaa"],
        ["team", { team: "team-1" }, (row: LedgerRow) => row.team === "team-1"],
        ["user", { user: "user-3" }, (row: LedgerRow) => row.user === "user-3"],
        ["customer", { customer: "customer-x" }, (row: LedgerRow) => row.customer === "customer-x"],
        ["model", { model: "claude" }, (row: LedgerRow) => row.model === "claude"],
        ["tag", { tag: "nightly" }, (row: LedgerRow) => row.tags.includes("nightly")],
        ["time range", { from: testDay + day, to: testDay + 2 * day }, (row: LedgerRow) => row.timestamp >= testDay + day && row.timestamp < testDay + 2 * day],
        [
          "several filters",
          { team: "team-1", model: "gpt-4o", tag: "batch" },
          (row: LedgerRow) => row.team === "team-1" && row.model === "gpt-4o" && row.tags.includes("batch"),
        ],
      ] as const)("filters by %s", async (_, filter, keep) => {
        const expected = rows.filter(keep).sort(newestFirst);
        expect(expected.length).toBeGreaterThan(0);
        const pages = await allPages({ ...filter, limit: 11 });
        expect(pages.flat()).toEqual(expected);
      });

      it("returns every field of a row as recorded, time to first token and error type included", async () => {
        for (const recorded of [rows[0]!, rows[1]!, rows[17]!]) {
          const { rows: [row] } = await queries.logs({ limit: 1, from: recorded.timestamp, to: recorded.timestamp + 1 });
          expect(row).toEqual(recorded);
        }
        expect(rows[0]!.timeToFirstTokenMs).toBe(12);
        expect(rows[17]!.errorType).toBe("upstream_error");
      });

      it("caps the page size and refuses a cursor it did not issue", async () => {
        expect((await queries.logs({ limit: 5_000 })).rows).toHaveLength(150);
        expect((await queries.logs({ limit: 0 })).rows).toHaveLength(1);
        const refused = await queries.logs({ limit: 10, cursor: "not-a-cursor" }).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(GatewayError);
        expect(refused).toMatchObject({ status: 400, param: "cursor", code: "invalid_cursor" });
        expect(decodeLogsCursor(encodeLogsCursor(1234, "id-1"))).toEqual({ timestamp: 1234, requestId: "id-1" });
      });
    });

    describe("report", () => {
      it("groups by day over whole UTC days overlapping the range", async () => {
        const report = await queries.report("day", { from: testDay + day + 1, to: testDay + 2 * day + 1 });
        const days = (start: number) => rows.filter((row) => row.timestamp >= start && row.timestamp < start + day);
        expect(report.map((row) => [row.group, row.requests])).toEqual([
          [utcDayOf(testDay + day), days(testDay + day).length],
          [utcDayOf(testDay + 2 * day), days(testDay + 2 * day).length],
        ]);
      });

      it("groups by team, most expensive first, with requests, tokens and cost", async () => {
        const report = await queries.report("team", {});
        expect(report.map((row) => row.group).sort()).toEqual(["", "team-0", "team-1", "team-2"]);
        for (const entry of report) {
          const members = rows.filter((row) => (row.team ?? "") === entry.group);
          expect(entry).toMatchObject({
            requests: members.length,
            inputTokens: members.reduce((sum, row) => sum + row.inputTokens, 0),
            outputTokens: members.reduce((sum, row) => sum + row.outputTokens, 0),
          });
          expect(entry.costUsd).toBeCloseTo(members.reduce((sum, row) => sum + row.costUsd, 0), 9);
        }
        expect(report.map((row) => row.costUsd)).toEqual([...report.map((row) => row.costUsd)].sort((a, b) => b - a));
      });

      it.each([
        ["key", (row: LedgerRow) => row.keyHashPrefix ?? ""],
        ["user", (row: LedgerRow) => row.user ?? ""],
        ["customer", (row: LedgerRow) => row.customer ?? ""],
      ] as const)("groups by %s, with \"\" for none", async (groupBy, groupOf) => {
        const report = await queries.report(groupBy, { from: testDay, to: testDay + day });
        const inRange = rows.filter((row) => row.timestamp < testDay + day);
        const expected = new Map<string, number>();
        for (const row of inRange) expected.set(groupOf(row), (expected.get(groupOf(row)) ?? 0) + 1);
        expect(Object.fromEntries(report.map((row) => [row.group, row.requests]))).toEqual(Object.fromEntries(expected));
      });

      it("counts a request under each of its tags", async () => {
        const report = await queries.report("tag", {});
        expect(Object.fromEntries(report.map((row) => [row.group, row.requests]))).toEqual({
          batch: rows.filter((row) => row.tags.includes("batch")).length,
          nightly: rows.filter((row) => row.tags.includes("nightly")).length,
        });
      });

      it("answers from the aggregates: rows deleted from the ledger still count", async () => {
        await fixture.deleteFromLedger(rows[1]!.requestId);
        const report = await queries.report("model", {});
        expect(report.find((row) => row.group === "claude")?.requests).toBe(rows.filter((row) => row.model === "claude").length);
      });
    });
  });
}
