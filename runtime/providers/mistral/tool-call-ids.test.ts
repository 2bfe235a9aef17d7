import { describe, expect, it } from "vitest";
import { createToolCallIdMapper, deriveMistralToolCallId } from "./tool-call-ids.ts";

describe("mistral tool-call ids", () => {
  it("derives nine letters and digits, the same for the same id, different for different ids", () => {
    const ids = ["call_abc", "call_abd", "toolu_01A09q90qw90lq917835lq9", "", "ünïcødé-id"];
    const derived = ids.map(deriveMistralToolCallId);
    for (const id of derived) expect(id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(new Set(derived).size).toBe(ids.length);
    expect(deriveMistralToolCallId("call_abc")).toBe(derived[0]);
  });

  it("keeps valid ids and never maps two ids to the same one within a request", () => {
    const map = createToolCallIdMapper();
    const foreign = "call_collides";
    const taken = deriveMistralToolCallId(foreign);
    // A valid id that happens to equal the foreign id's derivation is seen first: it keeps its value.
    expect(map(taken)).toBe(taken);
    const mapped = map(foreign);
    expect(mapped).not.toBe(taken);
    expect(mapped).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(map(foreign)).toBe(mapped);
    expect(map(taken)).toBe(taken);
  });
});
