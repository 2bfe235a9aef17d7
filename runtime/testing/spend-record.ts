/** A spend record for tests: a priced 200 with no tokens, `costUsd` at `timestamp`, plus `fields`. */
import type { SpendRecord } from "../stores/ports.ts";

let counter = 0;

export function spendRecord(timestamp: number, costUsd: number, fields: Partial<SpendRecord> = {}): SpendRecord {
  return {
    requestId: `req-test-${++counter}`,
    timestamp,
    team: null,
    keyName: null,
    model: "chat",
    deployment: "chat/0",
    provider: "fake",
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd,
    latencyMs: 1,
    status: 200,
    stream: false,
    ...fields,
  };
}
