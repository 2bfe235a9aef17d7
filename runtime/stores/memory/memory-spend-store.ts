/** A SpendStore in memory: for tests and in-process library use. Lost when the process ends. */
import { roundUsd } from "../../spend/cost.ts";
import { spendRecordField, type SpendRecord, type SpendStore } from "../ports.ts";

export interface MemorySpendStore extends SpendStore {
  /** Every record so far, oldest first. */
  readonly records: readonly SpendRecord[];
}

export function createMemorySpendStore(initial: readonly SpendRecord[] = []): MemorySpendStore {
  const records: SpendRecord[] = [...initial];
  let closed = false;
  return {
    description: "memory (spend is not kept across restarts)",
    records,
    record(entry) {
      records.push(entry);
    },
    async subjectSpendSince(kind, id, sinceMs) {
      const field = spendRecordField[kind];
      let total = 0;
      for (const entry of records) if (entry[field] === id && entry.timestamp >= sinceMs) total += entry.costUsd;
      return roundUsd(total);
    },
    async flush() {},
    async close() {
      closed = true;
    },
    healthy: () => !closed,
  };
}
