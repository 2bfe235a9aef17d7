/**
 * Renders the config reference (Markdown tables) from schemas/gateway.config.schema.json,
 * so the README's reference cannot drift from the schema the compiler enforces
 * (a generated section: see generated-sections.ts).
 */

interface SchemaNode {
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  $ref?: string;
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  required?: string[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  minimum?: number;
  default?: unknown;
  definitions?: Record<string, SchemaNode>;
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf("/") + 1);
}

function typeOf(node: SchemaNode): string {
  if (node.$ref !== undefined) return `[${refName(node.$ref)}](#${refName(node.$ref)})`;
  if (node.enum !== undefined) return node.enum.map((value) => `\`${JSON.stringify(value)}\``).join(" \\| ");
  const variants = node.anyOf ?? node.oneOf;
  if (variants !== undefined) return variants.map(typeOf).join(" or ");
  if (node.type === "array" && node.items !== undefined) return `${typeOf(node.items)}[]`;
  if (node.type === "object" && typeof node.additionalProperties === "object") {
    return `map of string to ${typeOf(node.additionalProperties)}`;
  }
  return Array.isArray(node.type) ? node.type.join(" \\| ") : (node.type ?? "any");
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n+/g, " ");
}

function table(node: SchemaNode): string {
  const required = new Set(node.required ?? []);
  const rows = Object.entries(node.properties ?? {}).map(
    ([name, property]) =>
      `| \`${name}\` | ${typeOf(property)} | ${required.has(name) ? "yes" : ""} | ${cell(property.description ?? "")} |`,
  );
  return ["| property | type | required | description |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

export function renderConfigReference(schema: SchemaNode): string {
  const sections = [`### Top level\n\n${cell(schema.description ?? "")}\n\n${table(schema)}`];
  for (const [name, definition] of Object.entries(schema.definitions ?? {})) {
    const body = definition.properties !== undefined ? table(definition) : `Type: ${typeOf(definition)}.`;
    sections.push(`### ${name}\n\n${cell(definition.description ?? "")}\n\n${body}`);
  }
  return sections.join("\n\n");
}
