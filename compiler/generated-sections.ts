/**
 * Sections of a Markdown document generated from data (the config schema, the presets table),
 * between `<!-- generated:NAME -->` and `<!-- generated:NAME:end -->` markers, so they cannot
 * drift from the data: `node bin/bun.js scripts/update-readme.ts` rewrites them and
 * compiler/readme-sections.test.ts fails when one is stale.
 */

function markers(name: string): { start: string; end: string } {
  return {
    start: `<!-- generated:${name} (from data: run \`node bin/bun.js scripts/update-readme.ts\`, do not edit by hand) -->`,
    end: `<!-- generated:${name}:end -->`,
  };
}

/** The whole section: markers around `body`. */
export function generatedSection(name: string, body: string): string {
  const { start, end } = markers(name);
  return `${start}\n\n${body}\n\n${end}`;
}

/** The section as it stands in `document` (markers included), or null when it has none. */
export function readGeneratedSection(document: string, name: string): string | null {
  const { start, end } = markers(name);
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  return from === -1 || to < from ? null : document.slice(from, to + end.length);
}

/** Replace the section named `name` with a freshly generated `body`. */
export function replaceGeneratedSection(document: string, name: string, body: string): string {
  const current = readGeneratedSection(document, name);
  if (current === null) throw new Error(`The document has no generated section "${name}".`);
  return document.replace(current, () => generatedSection(name, body));
}
