import { describe, expect, it } from "vitest";
import { findFallbackCycles, resolveFallbacks } from "./fallbacks.ts";

describe("resolveFallbacks", () => {
  it("follows chains transitively, depth-first, in configured order", () => {
    const graph = { a: ["b", "c"], b: ["d"], c: ["e"] };
    expect(resolveFallbacks("a", graph)).toEqual(["b", "d", "c", "e"]);
    expect(resolveFallbacks("b", graph)).toEqual(["d"]);
    expect(resolveFallbacks("d", graph)).toEqual([]);
  });

  it("deduplicates, keeping the first occurrence", () => {
    expect(resolveFallbacks("a", { a: ["b", "c", "b"], b: ["c"] })).toEqual(["b", "c"]);
  });

  it("never contains the model itself and terminates on cycles", () => {
    expect(resolveFallbacks("a", { a: ["b"], b: ["a", "c"], c: ["a"] })).toEqual(["b", "c"]);
    expect(resolveFallbacks("a", { a: ["a"] })).toEqual([]);
  });
});

describe("findFallbackCycles", () => {
  it("finds no cycle in a tree or a diamond", () => {
    expect(findFallbackCycles({ a: ["b", "c"], b: ["d"], c: ["d"] })).toEqual([]);
  });

  it("names a cycle starting from the model configured first", () => {
    expect(findFallbackCycles({ x: [], b: ["c"], c: ["a"], a: ["b"] })).toEqual([{ models: ["b", "c", "a", "b"] }]);
  });

  it("reports a self-fallback and separate cycles once each", () => {
    const cycles = findFallbackCycles({ a: ["a"], b: ["c"], c: ["b"], d: ["b"] });
    expect(cycles.map((cycle) => cycle.models.join(" -> "))).toEqual(["a -> a", "b -> c -> b"]);
  });
});
