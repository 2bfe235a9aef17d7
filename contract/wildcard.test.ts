import { describe, expect, it } from "vitest";
import { countStars, matchingWildcards, parseModelName } from "./wildcard.ts";

describe("parseModelName", () => {
  it("recognizes a trailing /* after a prefix as a wildcard", () => {
    expect(parseModelName("anthropic/*")).toEqual({ kind: "wildcard", prefix: "anthropic/" });
    expect(parseModelName("openrouter/anthropic/*")).toEqual({ kind: "wildcard", prefix: "openrouter/anthropic/" });
    expect(parseModelName("gpt-4o")).toEqual({ kind: "exact" });
    expect(parseModelName("a/b")).toEqual({ kind: "exact" });
  });

  it("rejects every other *", () => {
    for (const name of ["*", "/*", "claude-*", "a/*/b", "a*/*", "a/**", "*/x"]) expect(parseModelName(name), name).toEqual({ kind: "invalid" });
  });
});

describe("matchingWildcards", () => {
  it("lists the wildcards a name falls under, longest prefix first", () => {
    const names = ["gpt-4o", "openrouter/*", "openrouter/anthropic/*", "anthropic/*"];
    expect(matchingWildcards("openrouter/anthropic/claude", names)).toEqual(["openrouter/anthropic/*", "openrouter/*"]);
    expect(matchingWildcards("anthropic/", names)).toEqual([]);
    expect(matchingWildcards("gpt-4o", names)).toEqual([]);
  });

  it("counts stars", () => {
    expect(countStars("*")).toBe(1);
    expect(countStars("us.anthropic.*")).toBe(1);
    expect(countStars("a*b*")).toBe(2);
    expect(countStars("claude")).toBe(0);
  });
});
