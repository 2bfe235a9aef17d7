/**
 * Wildcard models: a public name "<prefix>/*" lets clients call any "<prefix>/<name>"; in the
 * deployments' `model`, "*" stands for <name>. Only a trailing "/*" after a non-empty prefix
 * is a wildcard; a "*" anywhere else in a public name is a mistake the compiler reports.
 */

export type ModelNameKind =
  | { kind: "exact" }
  /** `prefix` ends with "/" ("anthropic/"). */
  | { kind: "wildcard"; prefix: string }
  | { kind: "invalid" };

export function parseModelName(name: string): ModelNameKind {
  if (!name.includes("*")) return { kind: "exact" };
  const prefix = name.slice(0, -1);
  if (name.endsWith("/*") && prefix.length > 1 && !prefix.includes("*")) return { kind: "wildcard", prefix };
  return { kind: "invalid" };
}

export function isWildcardName(name: string): boolean {
  return parseModelName(name).kind === "wildcard";
}

/** The number of "*" in a deployment's upstream model: 0 (fixed model) or 1 (the requested name goes there) are valid. */
export function countStars(model: string): number {
  let count = 0;
  for (const character of model) if (character === "*") count++;
  return count;
}

/** The wildcard names (as "<prefix>/*") among `names` that `model` falls under, longest prefix first. */
export function matchingWildcards(model: string, names: Iterable<string>): string[] {
  const matches: string[] = [];
  for (const name of names) {
    const parsed = parseModelName(name);
    if (parsed.kind === "wildcard" && model.startsWith(parsed.prefix) && model.length > parsed.prefix.length) matches.push(name);
  }
  return matches.sort((a, b) => b.length - a.length);
}
