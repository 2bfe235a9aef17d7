/**
 * The dependency rules of the tree (../shared/STYLE.md, "Layout"):
 * - the app core runs on any host: only runtime/host/<host>/ imports Bun, Redis or Postgres;
 * - compiler/ and runtime/ share the bundle contract (contract/) and never import each other,
 *   except that the compiler reads the providers' data-only descriptors;
 * - descriptor files hold data: they import nothing but types and other descriptors.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));
const runtimeRoot = join(repositoryRoot, "runtime");

/** The .ts files under `directory`; tests only with `withTests` (dependency rules are about shipped code). */
function sourceFiles(directory: string, skip: readonly string[] = [], withTests = false): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return skip.includes(entry.name) || entry.name === "__fixtures__" ? [] : sourceFiles(path, skip, withTests);
    if (!entry.name.endsWith(".ts")) return [];
    return withTests || !/\.(bun-)?test\.ts$/.test(entry.name) ? [path] : [];
  });
}

interface ImportSite {
  file: string;
  specifier: string;
  typeOnly: boolean;
  /** The imported file, relative to the repository root (null for packages). */
  target: string | null;
}

function importsOf(file: string): ImportSite[] {
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, "");
  const sites: ImportSite[] = [];
  const statements = /\b(?:import|export)(\s+type)?\s[^;"'`]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(?\s*["']([^"']+)["']()/g;
  for (const match of text.matchAll(statements)) {
    const specifier = (match[2] ?? match[3]) as string;
    const target = specifier.startsWith(".") ? relative(repositoryRoot, resolve(dirname(file), specifier)) : null;
    sites.push({ file: relative(repositoryRoot, file), specifier, typeOnly: match[1] !== undefined, target });
  }
  return sites;
}

const isDescriptor = (path: string): boolean => /^runtime\/providers\/(descriptors?|preset-descriptors|[^/]+\/descriptor)\.ts$/.test(path);

describe("architecture", () => {
  it("keeps Bun, Redis and Postgres out of the app core", () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(runtimeRoot, ["host"], true)) {
      for (const site of importsOf(file)) {
        if (/^bun(:|$)|^(ioredis|redis|pg|postgres)$/.test(site.specifier) || site.target?.startsWith("runtime/host/")) {
          offenders.push(`${site.file} imports ${site.specifier}`);
        }
      }
      if (/\bBun\.\w/.test(readFileSync(file, "utf8").replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, ""))) offenders.push(`${relative(repositoryRoot, file)} uses the Bun global`);
    }
    expect(offenders).toEqual([]);
  });

  it("the runtime does not import the compiler (the library entry may compile a config path it is given)", () => {
    const offenders = sourceFiles(runtimeRoot)
      .flatMap(importsOf)
      .filter((site) => site.target?.startsWith("compiler/") && !(site.file === "runtime/index.ts" && site.target === "compiler/index.ts"))
      .map((site) => `${site.file} imports ${site.specifier}`);
    expect(offenders).toEqual([]);
  });

  it("the compiler reads only the contract and the providers' descriptors, never the runtime", () => {
    const offenders = sourceFiles(join(repositoryRoot, "compiler"))
      .flatMap(importsOf)
      .filter((site) => site.target?.startsWith("runtime/") && !isDescriptor(site.target))
      .map((site) => `${site.file} imports ${site.specifier}`);
    expect(offenders).toEqual([]);
  });

  it("the contract imports neither the compiler nor the runtime", () => {
    const offenders = sourceFiles(join(repositoryRoot, "contract"))
      .flatMap(importsOf)
      .filter((site) => site.target?.startsWith("compiler/") || site.target?.startsWith("runtime/"))
      .map((site) => `${site.file} imports ${site.specifier}`);
    expect(offenders).toEqual([]);
  });

  it("descriptor files are data: they import only types and other descriptors", () => {
    const offenders = sourceFiles(join(runtimeRoot, "providers"))
      .filter((file) => isDescriptor(relative(repositoryRoot, file)))
      .flatMap(importsOf)
      .filter((site) => !site.typeOnly && (site.target === null || !isDescriptor(site.target)))
      .map((site) => `${site.file} imports ${site.specifier}`);
    expect(offenders).toEqual([]);
  });
});
