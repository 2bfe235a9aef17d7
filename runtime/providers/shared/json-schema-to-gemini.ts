/**
 * JSON Schema (as OpenAI clients write it for tool parameters and `response_format`) -> the
 * subset of OpenAPI 3.0 that Google's `Schema` object accepts (Gemini API and Vertex AI:
 * `functionDeclarations[].parameters`, `generationConfig.responseSchema`).
 *
 * Kept: type (upper-cased: STRING, NUMBER, INTEGER, BOOLEAN, ARRAY, OBJECT), description,
 * nullable, enum (strings), properties, required (only names that are properties),
 * items, anyOf, minItems, maxItems, minLength, maxLength, pattern, minimum, maximum,
 * minProperties, maxProperties, and `format` where Google documents it (STRING:
 * date-time; NUMBER: float, double; INTEGER: int32, int64).
 *
 * Rewritten:
 * - `$ref` to `#/$defs/...` or `#/definitions/...` is inlined; a recursive reference becomes
 *   a plain OBJECT at the point where it recurses (Google schemas cannot refer to themselves).
 * - `type: [T, "null"]`, `anyOf`/`oneOf` with a `{type: "null"}` branch -> `nullable: true`;
 *   a single remaining branch is merged into its parent; `oneOf` becomes `anyOf`.
 * - `type: [T1, T2]` -> `anyOf` of one schema per type.
 * - `allOf` is merged (properties and required united, other keywords: the first wins).
 * - `const` and string `enum` -> STRING enum; an enum of numbers or booleans is not
 *   expressible, so its values are appended to the description and the type is kept.
 * - A missing type is inferred: OBJECT with `properties`, ARRAY with `items`.
 * - An OBJECT without properties loses `properties` (Google rejects an empty map).
 *
 * Dropped (Google rejects or ignores them): $schema, $id, $comment, $defs, definitions,
 * title, default, examples, additionalProperties, patternProperties, propertyNames,
 * unevaluatedProperties, dependentRequired, dependentSchemas, if/then/else, not,
 * exclusiveMinimum, exclusiveMaximum, multipleOf, uniqueItems, contains, prefixItems,
 * readOnly, writeOnly, deprecated, other `format`s, and any unknown keyword.
 * @see https://ai.google.dev/api/caching#Schema
 * @see https://cloud.google.com/vertex-ai/docs/reference/rest/v1/Schema
 */

export type GeminiSchemaType = "STRING" | "NUMBER" | "INTEGER" | "BOOLEAN" | "ARRAY" | "OBJECT";

export interface GeminiSchema {
  type?: GeminiSchemaType;
  format?: string;
  description?: string;
  nullable?: boolean;
  enum?: string[];
  properties?: Record<string, GeminiSchema>;
  required?: string[];
  items?: GeminiSchema;
  anyOf?: GeminiSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minProperties?: number;
  maxProperties?: number;
}

type Json = Record<string, unknown>;

const typeNames: Readonly<Record<string, GeminiSchemaType>> = {
  string: "STRING",
  number: "NUMBER",
  integer: "INTEGER",
  boolean: "BOOLEAN",
  array: "ARRAY",
  object: "OBJECT",
};

const formatsByType: Readonly<Record<GeminiSchemaType, ReadonlySet<string>>> = {
  STRING: new Set(["date-time"]),
  NUMBER: new Set(["float", "double"]),
  INTEGER: new Set(["int32", "int64"]),
  BOOLEAN: new Set(),
  ARRAY: new Set(),
  OBJECT: new Set(),
};

const countKeywords = ["minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"] as const;

function isJson(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNullSchema(value: unknown): boolean {
  return isJson(value) && (value.type === "null" || (Array.isArray(value.enum) && value.enum.length === 1 && value.enum[0] === null));
}

interface Walk {
  /** The root schema, for `#/...` references. */
  root: Json;
  /** References being expanded on the current path (recursion guard). */
  expanding: Set<string>;
}

function resolveReference(reference: string, walk: Walk): Json | null {
  if (!reference.startsWith("#/")) return null;
  let target: unknown = walk.root;
  for (const raw of reference.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isJson(target) || !Object.hasOwn(target, key)) return null;
    target = target[key];
  }
  return isJson(target) ? target : null;
}

function appendDescription(schema: GeminiSchema, text: string): void {
  schema.description = schema.description ? `${schema.description} (${text})` : text;
}

/** Combine branch schemas: nullable when a branch is null; one branch is merged into the parent. */
function convertUnion(branches: unknown[], walk: Walk, into: GeminiSchema): void {
  const kept = branches.filter((branch) => !isNullSchema(branch));
  if (kept.length < branches.length) into.nullable = true;
  const converted = kept.map((branch) => convert(branch, walk));
  if (converted.length === 1) {
    const only = converted[0]!;
    const description = into.description;
    Object.assign(into, only);
    if (description !== undefined && only.description !== undefined && only.description !== description) {
      into.description = `${description} ${only.description}`;
    } else if (description !== undefined) {
      into.description = description;
    }
  } else if (converted.length > 1) {
    into.anyOf = converted;
  }
}

function mergeAllOf(parts: unknown[], walk: Walk): Json {
  const merged: Json = {};
  const properties: Json = {};
  const required = new Set<string>();
  for (const part of parts) {
    let source: unknown = part;
    if (isJson(source) && typeof source.$ref === "string") source = resolveReference(source.$ref, walk) ?? {};
    if (!isJson(source)) continue;
    for (const [key, value] of Object.entries(source)) {
      if (key === "properties" && isJson(value)) Object.assign(properties, value);
      else if (key === "required" && Array.isArray(value)) for (const name of value) if (typeof name === "string") required.add(name);
      else if (!Object.hasOwn(merged, key)) merged[key] = value;
    }
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.size > 0) merged.required = [...required];
  return merged;
}

function convertEnum(values: unknown[], schema: GeminiSchema, sourceType: unknown): void {
  const nonNull = values.filter((value) => value !== null);
  if (nonNull.length < values.length) schema.nullable = true;
  if (nonNull.length === 0) return;
  if (nonNull.every((value) => typeof value === "string")) {
    schema.type = "STRING";
    schema.enum = nonNull as string[];
    return;
  }
  if (schema.type === undefined) {
    const first = nonNull[0];
    if (typeof first === "number") schema.type = Number.isInteger(first) && sourceType !== "number" ? "INTEGER" : "NUMBER";
    else if (typeof first === "boolean") schema.type = "BOOLEAN";
  }
  appendDescription(schema, `one of: ${nonNull.map((value) => JSON.stringify(value)).join(", ")}`);
}

function convert(input: unknown, walk: Walk): GeminiSchema {
  if (!isJson(input)) return {};
  let source = input;

  if (typeof source.$ref === "string") {
    const reference = source.$ref;
    if (walk.expanding.has(reference)) return { type: "OBJECT", ...(typeof source.description === "string" ? { description: source.description } : {}) };
    const target = resolveReference(reference, walk);
    if (target === null) return typeof source.description === "string" ? { description: source.description } : {};
    walk.expanding.add(reference);
    const { $ref: _reference, ...siblings } = source;
    const expanded = convert({ ...target, ...siblings }, walk);
    walk.expanding.delete(reference);
    return expanded;
  }
  if (Array.isArray(source.allOf) && source.allOf.length > 0) {
    const { allOf, ...rest } = source;
    source = mergeAllOf([rest, ...allOf], walk);
  }

  const schema: GeminiSchema = {};
  if (typeof source.description === "string" && source.description.length > 0) schema.description = source.description;
  if (source.nullable === true) schema.nullable = true;

  const rawType = source.type;
  if (Array.isArray(rawType)) {
    const types = rawType.filter((name): name is string => typeof name === "string" && name !== "null");
    if (types.length < rawType.length) schema.nullable = true;
    if (types.length === 1) {
      const mapped = typeNames[types[0]!];
      if (mapped) schema.type = mapped;
    } else if (types.length > 1) {
      convertUnion(
        types.map((name) => ({ ...source, type: name, description: undefined })),
        walk,
        schema,
      );
      return schema;
    }
  } else if (typeof rawType === "string" && Object.hasOwn(typeNames, rawType)) {
    schema.type = typeNames[rawType];
  }

  const union = Array.isArray(source.anyOf) ? source.anyOf : Array.isArray(source.oneOf) ? source.oneOf : null;
  if (union !== null && union.length > 0) {
    convertUnion(union, walk, schema);
    return schema;
  }

  if (source.const !== undefined) convertEnum([source.const], schema, rawType);
  else if (Array.isArray(source.enum) && source.enum.length > 0) convertEnum(source.enum, schema, rawType);

  if (schema.type === undefined) {
    if (isJson(source.properties)) schema.type = "OBJECT";
    else if (source.items !== undefined) schema.type = "ARRAY";
  }

  if (schema.type !== undefined && typeof source.format === "string" && formatsByType[schema.type].has(source.format)) {
    schema.format = source.format;
  }

  if (schema.type === "OBJECT" && isJson(source.properties)) {
    const properties: Record<string, GeminiSchema> = {};
    for (const [name, value] of Object.entries(source.properties)) {
      if (value === false) continue;
      properties[name] = convert(value, walk);
    }
    if (Object.keys(properties).length > 0) {
      schema.properties = properties;
      if (Array.isArray(source.required)) {
        const required = source.required.filter((name): name is string => typeof name === "string" && Object.hasOwn(properties, name));
        if (required.length > 0) schema.required = required;
      }
    }
  }
  if (schema.type === "ARRAY") {
    const items = Array.isArray(source.items) ? { anyOf: source.items } : source.items;
    if (isJson(items)) schema.items = convert(items, walk);
  }

  for (const keyword of countKeywords) {
    const value = source[keyword];
    if (typeof value === "number" && Number.isInteger(value) && value >= 0) schema[keyword] = value;
  }
  if (typeof source.pattern === "string" && schema.type === "STRING") schema.pattern = source.pattern;
  if (schema.type === "NUMBER" || schema.type === "INTEGER") {
    if (typeof source.minimum === "number") schema.minimum = source.minimum;
    if (typeof source.maximum === "number") schema.maximum = source.maximum;
  }
  return schema;
}

/** Convert one JSON Schema; `$ref`s resolve against the schema itself. Never throws. */
export function toGeminiSchema(schema: unknown): GeminiSchema {
  if (schema === true) return {};
  if (!isJson(schema)) return {};
  return convert(schema, { root: schema, expanding: new Set() });
}

/**
 * Function parameters: an object schema, or undefined when the function takes no arguments
 * (Google rejects an OBJECT whose `properties` is empty).
 */
export function toGeminiParameters(schema: unknown): GeminiSchema | undefined {
  const converted = toGeminiSchema(schema);
  if (converted.type === "OBJECT" && converted.properties === undefined) return undefined;
  if (converted.type === undefined && converted.anyOf === undefined) return undefined;
  return converted;
}
