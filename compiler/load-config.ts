import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, extname } from "node:path";
import { pathToFileURL } from "node:url";
import { LineCounter, parseDocument, type Document } from "yaml";
import { createDiagnostic, type PendingDiagnostic } from "./diagnostic.ts";

/**
 * Step 1 of the pipeline: read a config file into plain data. TypeScript/JavaScript
 * configs are imported (gw runs on Bun, which imports TypeScript natively) and their
 * default export taken; YAML is parsed keeping the Document so diagnostics can point
 * into it. Like Vite's config loader, the result is `{ path, config, dependencies }`.
 */

export type ConfigFormat = "typescript" | "yaml";

export interface LoadedConfig {
  /** Absolute path of the config file. */
  path: string;
  format: ConfigFormat;
  /** The authored config as plain data, not yet validated. */
  config: unknown;
  /** Files the config was read from. */
  dependencies: string[];
  /** The file's text, for placing diagnostics. */
  source: string;
  yaml?: { document: Document; lineCounter: LineCounter };
}

export type LoadResult = { ok: true; loaded: LoadedConfig } | { ok: false; diagnostics: PendingDiagnostic[] };

const TYPESCRIPT_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"]);
const YAML_EXTENSIONS = new Set([".yaml", ".yml"]);

export async function loadConfig(path: string): Promise<LoadResult> {
  if (!existsSync(path) || !statSync(path).isFile()) {
    return failure(
      createDiagnostic("configNotFound", [], `Config file ${basename(path)} does not exist. Check the path, or run gw in the folder that holds gateway.config.ts.`),
    );
  }
  const extension = extname(path).toLowerCase();
  const source = readFileSync(path, "utf8");
  if (YAML_EXTENSIONS.has(extension)) return loadYaml(path, source);
  if (TYPESCRIPT_EXTENSIONS.has(extension)) return loadModule(path, source);
  return failure(
    createDiagnostic(
      "unsupportedExtension",
      [],
      `Cannot read a config from a "${extension || basename(path)}" file. Use gateway.config.ts (or .mts, .js) or gateway.config.yaml (or .yml).`,
    ),
  );
}

function failure(...diagnostics: PendingDiagnostic[]): LoadResult {
  return { ok: false, diagnostics };
}

async function loadModule(path: string, source: string): Promise<LoadResult> {
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const syntax = buildErrors(error, path);
    if (syntax.length > 0) return failure(...syntax);
    // Messages name the file by its absolute path; keep them short and the same on every machine.
    const message = (error instanceof Error ? error.message : String(error)).split(path).join(basename(path));
    return failure(
      createDiagnostic(
        "configLoadFailed",
        [],
        `Importing ${basename(path)} failed: ${message.trim().replace(/\.$/, "")}. The config file must load without throwing: fix this, then run gw check again.`,
        errorPosition(error, path, source),
      ),
    );
  }
  const config = exports["default"];
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    const got = config === undefined ? "has no default export" : `exports ${Array.isArray(config) ? "an array" : typeof config} as default`;
    return failure(
      createDiagnostic(
        "configNotAnObject",
        [],
        `${basename(path)} ${got}. Export the config object: export default defineConfig({ models: [...] }).`,
      ),
    );
  }
  return { ok: true, loaded: { path, format: "typescript", config: toPlainData(config), dependencies: [path], source } };
}

/**
 * Where a failed import points inside the config file: Bun's build and resolve errors
 * carry a position or the unresolved specifier; a thrown error has a stack trace.
 */
/**
 * Bun reports a file it cannot parse as an AggregateError of BuildMessages, each with the message
 * and its place ("Expected \"}\" but found \"]\"" at 5:3): one diagnostic each, placed there,
 * instead of one "2 errors building …" at the top of the file.
 */
function buildErrors(error: unknown, path: string): PendingDiagnostic[] {
  const errors = (error as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  const diagnostics: PendingDiagnostic[] = [];
  for (const item of errors.slice(0, 20)) {
    const { message, position } = (item ?? {}) as { message?: unknown; position?: { file?: unknown; line?: unknown; column?: unknown } | null };
    if (typeof message !== "string" || position?.file !== path || typeof position.line !== "number" || typeof position.column !== "number") continue;
    diagnostics.push(
      createDiagnostic(
        "configLoadFailed",
        [],
        `${basename(path)} does not parse: ${message.replace(/\.$/, "")}. Fix the TypeScript at this position, then run gw check again.`,
        { line: Math.max(1, position.line), column: Math.max(1, position.column) },
      ),
    );
  }
  return diagnostics;
}

function errorPosition(error: unknown, path: string, source: string): { line: number; column: number } | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const details = error as { position?: unknown; specifier?: unknown; stack?: unknown };
  const position = details.position as { file?: unknown; line?: unknown; column?: unknown } | null | undefined;
  if (position && position.file === path && typeof position.line === "number" && typeof position.column === "number") {
    return { line: Math.max(1, position.line), column: Math.max(1, position.column) };
  }
  if (typeof details.specifier === "string") {
    for (const quote of ['"', "'"]) {
      const offset = source.indexOf(`${quote}${details.specifier}${quote}`);
      if (offset !== -1) return offsetToPosition(source, offset);
    }
  }
  const stack = typeof details.stack === "string" ? details.stack : "";
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
  if (match === null) return undefined;
  return { line: Number(match[1]), column: Number(match[2]) };
}

function offsetToPosition(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

/** Drops `undefined` properties (an optional property set to undefined means "absent"). */
function toPlainData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlainData);
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const plain: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) if (entry !== undefined) plain[key] = toPlainData(entry);
    return plain;
  }
  return value;
}

function loadYaml(path: string, source: string): LoadResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false, merge: true });
  if (document.errors.length > 0) {
    return failure(
      ...document.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        const location = { line: position.line, column: position.col };
        // yaml's messages end with the source line; ours point at it instead, and never echo config text.
        const detail = error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
        const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n]+?)\s*:/.exec(source.slice(error.pos[0]))?.[1] ?? "";
        return error.code === "DUPLICATE_KEY"
          ? createDiagnostic(
              "yamlDuplicateKey",
              [],
              `Duplicate key ${key.startsWith('"') || key.startsWith("'") ? key : JSON.stringify(key)}: a YAML mapping must not repeat a key (only one of the values would be used). Remove or rename one of them.`,
              location,
            )
          : createDiagnostic("yamlSyntax", [], `YAML syntax error: ${detail}. Fix the YAML at this position.`, location);
      }),
    );
  }
  const config: unknown = document.toJS() ?? {};
  return { ok: true, loaded: { path, format: "yaml", config, dependencies: [path], source, yaml: { document, lineCounter } } };
}
