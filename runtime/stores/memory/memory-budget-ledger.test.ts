import { describe, expect, it } from "vitest";
import { contractReservationTtlMs, describeBudgetLedgerContract } from "../contracts/budget-ledger-contract.ts";
import { createMemoryBudgetLedger } from "./memory-budget-ledger.ts";

describeBudgetLedgerContract("memory", async () => {
  const ledger = createMemoryBudgetLedger({ reservationTtlMs: contractReservationTtlMs });
  return { ledgers: [ledger, ledger], close: async () => {} };
});

describe("createMemoryBudgetLedger", () => {
  const subject = { kind: "team" as const, id: "t" };
  const entry = (periodStart: number, periodEnd: number) => ({
    subject,
    budget: { maxBudget: 1, softBudget: null, budgetDuration: "1d" },
    periodStart,
    periodEnd,
  });

  it("ledgers do not share counters", async () => {
    const now = 1_700_000_000_000;
    expect((await createMemoryBudgetLedger().reserve([entry(now, now + 1000)], 1, now)).allowed).toBe(true);
    expect((await createMemoryBudgetLedger().reserve([entry(now, now + 1000)], 1, now)).allowed).toBe(true);
  });

  it("drops the counters of ended periods", async () => {
    const ledger = createMemoryBudgetLedger({ reservationTtlMs: 1_000 });
    const start = 1_700_000_000_000;
    const reserved = await ledger.reserve([entry(start, start + 10_000)], 0.5, start);
    await ledger.settle(reserved.reservation!, 0.5);
    expect(await ledger.spent(subject, start, start)).toBe(0.5);
    // A reserve more than a minute after the period ended (plus the TTL) cleans up.
    await ledger.reserve([entry(start + 100_000, start + 200_000)], 0, start + 100_000);
    expect(await ledger.spent(subject, start, start + 100_000)).toBe(0);
  });
});
