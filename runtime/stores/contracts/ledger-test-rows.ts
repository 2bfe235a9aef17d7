/** Ledger rows for tests (the SpendQueries contract, the Postgres spend store and spool tests). */
import type { LedgerRow } from "../ports.ts";

export const testDay = Date.UTC(2025, 0, 15);

/** Row `index` of a deterministic set: 3 teams, 2 keys, 2 models, tags, 3 days, 2 customers. */
export function testLedgerRow(index: number, overrides: Partial<LedgerRow> = {}): LedgerRow {
  return {
    requestId: `request-${String(index).padStart(6, "0")}`,
    timestamp: testDay + (index % 3) * 86_400_000 + index * 1_000,
    keyHashPrefix: index % 2 === 0 ? "aaaaaaaaaaaa" : "bbbbbbbbbbbb",
    keyName: index % 2 === 0 ? "key-a" : "key-b",
    team: index % 5 === 0 ? null : `team-${index % 3}`,
    user: `user-${index % 4}`,
    customer: index % 2 === 0 ? "customer-x" : null,
    tags: index % 3 === 0 ? ["batch", "nightly"] : index % 3 === 1 ? ["batch"] : [],
    model: index % 2 === 0 ? "gpt-4o" : "claude",
    deployment: index % 2 === 0 ? "openai-gpt-4o" : "anthropic-claude",
    provider: index % 2 === 0 ? "openai" : "anthropic",
    inputTokens: 100 + index,
    outputTokens: 10 + (index % 7),
    cacheReadTokens: index % 11,
    cacheWriteTokens: 0,
    reasoningTokens: index % 5,
    costUsd: 0.000123 * (1 + (index % 13)),
    latencyMs: 50 + index,
    timeToFirstTokenMs: index % 2 === 0 ? 12 : null,
    status: index % 17 === 0 ? 500 : 200,
    errorType: index % 17 === 0 ? "upstream_error" : null,
    stream: index % 2 === 1,
    usageEstimated: index % 19 === 0,
    ...overrides,
  };
}

export function testLedgerRows(count: number, start = 0): LedgerRow[] {
  return Array.from({ length: count }, (_, offset) => testLedgerRow(start + offset));
}

export interface ExpectedGroup {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** What a report grouped by `key` of the rows must say (computed in memory, with "" for none). */
export function expectedReport(rows: readonly LedgerRow[], groupOf: (row: LedgerRow) => string[]): Map<string, ExpectedGroup> {
  const groups = new Map<string, ExpectedGroup>();
  for (const row of rows) {
    for (const group of groupOf(row)) {
      const total = groups.get(group) ?? { requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
      total.requests++;
      total.inputTokens += row.inputTokens;
      total.outputTokens += row.outputTokens;
      total.costUsd += row.costUsd;
      groups.set(group, total);
    }
  }
  return groups;
}
