// Rewrites the README's config reference from schemas/gateway.config.schema.json.
import { readFileSync, writeFileSync } from "node:fs";
import schema from "../schemas/gateway.config.schema.json" with { type: "json" };
import { renderConfigReference, replaceReferenceSection } from "../compiler/config-reference.ts";

const path = new URL("../README.md", import.meta.url);
writeFileSync(path, replaceReferenceSection(readFileSync(path, "utf8"), renderConfigReference(schema)));
console.log("README.md config reference updated");
