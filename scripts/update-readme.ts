// Rewrites the README's generated sections: the config reference (from the schema) and the
// presets table (from runtime/providers/preset-descriptors.ts). compiler/readme-sections.test.ts checks them.
import { readFileSync, writeFileSync } from "node:fs";
import { renderConfigReference } from "../compiler/config-reference.ts";
import { replaceGeneratedSection } from "../compiler/generated-sections.ts";
import { renderPresetTable } from "../compiler/preset-reference.ts";
import { PRESETS } from "../runtime/providers/preset-descriptors.ts";
import schema from "../schemas/gateway.config.schema.json" with { type: "json" };

const path = new URL("../README.md", import.meta.url);
let readme = readFileSync(path, "utf8");
readme = replaceGeneratedSection(readme, "config-reference", renderConfigReference(schema));
readme = replaceGeneratedSection(readme, "presets", renderPresetTable(PRESETS));
writeFileSync(path, readme);
console.log("README.md generated sections updated");
