import { describe, expect, it } from "vitest";
import { createMemoryRateLimiter } from "./memory-rate-limiter.ts";
import { contractSlotTtlMs, describeRateLimiterContract } from "../contracts/rate-limiter-contract.ts";

describeRateLimiterContract("memory", async () => {
  const limiter = createMemoryRateLimiter({ slotTtlMs: contractSlotTtlMs });
  return { limiters: [limiter, limiter], close: async () => {} };
});

describe("createMemoryRateLimiter", () => {
  it("is per process", () => {
    expect(createMemoryRateLimiter().isClusterWide()).toBe(false);
  });

  it("limiters do not share counts", async () => {
    const subject = { kind: "key" as const, id: "k" };
    const limits = { rpmLimit: 1, tpmLimit: null, maxParallelRequests: null };
    const now = 1_700_000_000_000;
    expect((await createMemoryRateLimiter().acquire([{ subject, limits }], 0, now)).allowed).toBe(true);
    expect((await createMemoryRateLimiter().acquire([{ subject, limits }], 0, now)).allowed).toBe(true);
  });
});
