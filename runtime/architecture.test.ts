/** The app core must run on any host: only runtime/host/<host>/ may import host-specific modules. */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const runtimeRoot = fileURLToPath(new URL(".", import.meta.url));

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === "host" || entry.name === "__fixtures__" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

it("keeps Bun, Redis and Postgres out of the app core", () => {
  const offenders: string[] = [];
  for (const file of sourceFiles(runtimeRoot)) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
      const specifier = match[1] as string;
      if (/^bun(:|$)|\/host\/|^(ioredis|redis|pg|postgres)$/.test(specifier)) offenders.push(`${relative(runtimeRoot, file)} imports ${specifier}`);
    }
    if (/\bBun\.\w/.test(text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, ""))) offenders.push(`${relative(runtimeRoot, file)} uses the Bun global`);
  }
  expect(offenders).toEqual([]);
});
