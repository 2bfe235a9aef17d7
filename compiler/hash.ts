import { createHash } from "node:crypto";

/** Hex SHA-256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * JSON with object keys sorted at every level and no whitespace: the same data always
 * gives the same text, whatever order its properties were built in.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const entry = (value as Record<string, unknown>)[key];
      if (entry !== undefined) setEntry(sorted, key, sortKeys(entry));
    }
    return sorted;
  }
  return value;
}

/**
 * "sha256:<hex>" of the canonical JSON of a bundle without its `hash` and `source` fields: what the
 * bundle does, not where it was built from (the same config built from another directory, where
 * `source` reads differently, has the same hash).
 */
export function hashBundleContent(bundle: { hash?: string; source?: unknown } & Record<string, unknown>): string {
  const { hash: _ignored, source: _where, ...content } = bundle;
  return `sha256:${sha256Hex(canonicalJson(content))}`;
}

/** `record[key] = value` that also works for the key "__proto__" (an own property, never the prototype). */
export function setEntry<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
