import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from "yaml";
import type { Diagnostic, JsonPath, PendingDiagnostic } from "./diagnostic.ts";
import type { LoadedConfig } from "./load-config.ts";

/**
 * Places diagnostics in the source: the JSON path of the offending value is mapped to
 * the line and column of that property (its key) in the file. When the path does not
 * exist as written (a value from a variable, a spread, a missing property), the
 * nearest ancestor that does is used.
 */

export interface Position {
  line: number;
  column: number;
}

export async function locateDiagnostics(pending: PendingDiagnostic[], file: string, loaded?: LoadedConfig): Promise<Diagnostic[]> {
  const unplaced = pending.filter((diagnostic) => diagnostic.line === undefined);
  let positions: Position[] = unplaced.map(() => ({ line: 0, column: 0 }));
  if (loaded?.yaml !== undefined) {
    const { document, lineCounter } = loaded.yaml;
    positions = unplaced.map((diagnostic) => locateInYaml(document, lineCounter, diagnostic.path));
  } else if (loaded?.format === "typescript" && unplaced.length > 0) {
    // ts-morph takes most of a second to load: only pay for it when there is something to place.
    const { locateInTypescript } = await import("./locate-typescript.ts");
    positions = locateInTypescript(loaded.path, loaded.source, unplaced.map((diagnostic) => diagnostic.path));
  }
  let next = 0;
  return pending.map((diagnostic) => {
    const position = diagnostic.line === undefined ? positions[next++]! : { line: diagnostic.line, column: diagnostic.column ?? 1 };
    return {
      code: diagnostic.code,
      severity: diagnostic.severity,
      message: diagnostic.message,
      path: diagnostic.path,
      file,
      line: position.line,
      column: position.column,
    };
  });
}

export function locateInYaml(document: Document, lineCounter: LineCounter, path: JsonPath): Position {
  const positionOf = (offset: number | undefined): Position => {
    if (offset === undefined) return { line: 1, column: 1 };
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  let node: unknown = document.contents;
  let position = positionOf(rangeStart(node));
  for (const segment of path) {
    node = resolveAlias(node, document);
    if (isMap(node)) {
      const pair = findPair(node, segment, document);
      if (pair === undefined) break;
      position = positionOf(rangeStart(pair.key));
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item === undefined) break;
      position = positionOf(rangeStart(item));
      node = item;
    } else {
      break;
    }
  }
  return position;
}

/** The pair for `key`, looking through YAML merge keys (`<<: *anchor`) when the map has none itself. */
function findPair(map: YAMLMap, key: string | number, document: Document, depth = 0): Pair | undefined {
  const own = map.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
  if (own !== undefined || depth > 10) return own;
  for (const item of map.items) {
    if (!isScalar(item.key) || item.key.value !== "<<") continue;
    const sources = isSeq(item.value) ? item.value.items : [item.value];
    for (const source of sources) {
      const merged = resolveAlias(source, document);
      const found = isMap(merged) ? findPair(merged, key, document, depth + 1) : undefined;
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function resolveAlias(node: unknown, document: Document): unknown {
  return isAlias(node) ? node.resolve(document) : node;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range?.[0];
}
