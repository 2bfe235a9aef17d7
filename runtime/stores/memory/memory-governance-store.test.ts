import { describe, expect, it } from "vitest";
import { describeGovernanceStoreContract, sampleKey, sampleTeam } from "../contracts/governance-store-contract.ts";
import { createMemoryGovernanceStore } from "./memory-governance-store.ts";

describe("memory governance store: the GovernanceStore contract", () => {
  describeGovernanceStoreContract({ test: it, open: async () => createMemoryGovernanceStore() });
});

describe("memory governance store", () => {
  it("starts from a seed, as copies", async () => {
    const key = sampleKey();
    const store = createMemoryGovernanceStore({ keys: [key], teams: [sampleTeam()] });
    key.blocked = true;
    expect(await store.listKeys()).toEqual([sampleKey()]);
    expect(await store.listTeams()).toEqual([sampleTeam()]);
  });

  it("refuses work once closed", async () => {
    const store = createMemoryGovernanceStore();
    await store.close();
    await expect(store.listKeys()).rejects.toThrow(/closed/);
    await expect(store.putTeam(sampleTeam())).rejects.toThrow(/closed/);
  });
});
