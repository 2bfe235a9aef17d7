import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PRESETS } from "../runtime/providers/preset-descriptors.ts";
import schema from "../schemas/gateway.config.schema.json" with { type: "json" };
import { renderConfigReference } from "./config-reference.ts";
import { generatedSection, readGeneratedSection, replaceGeneratedSection } from "./generated-sections.ts";
import { renderPresetTable } from "./preset-reference.ts";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README generated sections (run `node bin/bun.js scripts/update-readme.ts` when one is stale)", () => {
  it("the config reference documents every property and definition of the schema, and is current", () => {
    const reference = renderConfigReference(schema);
    for (const name of Object.keys(schema.properties)) expect(reference).toContain(`| \`${name}\` |`);
    for (const name of Object.keys(schema.definitions)) expect(reference).toContain(`### ${name}`);
    expect(readGeneratedSection(readme, "config-reference")).toBe(generatedSection("config-reference", reference));
  });

  it("the presets table lists every preset with its base URL and key variable, and is current", () => {
    const table = renderPresetTable(PRESETS);
    for (const preset of Object.values(PRESETS)) {
      expect(table).toContain(`provider: "${preset.name}"`);
      expect(table).toContain(preset.apiKeyEnv);
    }
    expect(readGeneratedSection(readme, "presets")).toBe(generatedSection("presets", table));
  });

  it("replaces only the named section", () => {
    const document = `a\n${generatedSection("x", "old")}\nb\n${generatedSection("y", "keep")}\n`;
    const updated = replaceGeneratedSection(document, "x", "new");
    expect(readGeneratedSection(updated, "x")).toBe(generatedSection("x", "new"));
    expect(readGeneratedSection(updated, "y")).toBe(generatedSection("y", "keep"));
    expect(() => replaceGeneratedSection(document, "z", "")).toThrow(/no generated section "z"/);
  });
});
