import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import schema from "../schemas/gateway.config.schema.json" with { type: "json" };
import { referenceEnd, referenceStart, renderConfigReference, replaceReferenceSection } from "./config-reference.ts";

describe("config reference", () => {
  const reference = renderConfigReference(schema);

  it("documents every top-level property and definition of the schema", () => {
    for (const name of Object.keys(schema.properties)) expect(reference).toContain(`| \`${name}\` |`);
    for (const name of Object.keys(schema.definitions)) expect(reference).toContain(`### ${name}`);
  });

  it("is up to date in the README (run `node bin/bun.js scripts/update-config-reference.ts`)", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const start = readme.indexOf(referenceStart);
    const end = readme.indexOf(referenceEnd);
    expect(start, "README.md has the config reference markers").toBeGreaterThan(-1);
    expect(readme.slice(start, end + referenceEnd.length)).toBe(reference);
  });

  it("replaces only the marked section", () => {
    const document = `before\n${referenceStart}\nold\n${referenceEnd}\nafter\n`;
    expect(replaceReferenceSection(document, "NEW")).toBe("before\nNEW\nafter\n");
  });
});
