import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import configSchema from "../schemas/gateway.config.schema.json" with { type: "json" };
import { createDiagnostic, formatPath, type JsonPath, type PendingDiagnostic } from "./diagnostic.ts";
import type { DiagnosticKind } from "./diagnostic-codes.ts";
import { PRESET_NAMES } from "../runtime/providers/preset-descriptors.ts";
import { providerForPrefix } from "./model-string.ts";
import { KNOWN_PROVIDERS } from "./providers.ts";
import { ENV_STRING_PREFIX } from "./secret.ts";
import { didYouMean, suggestName } from "./suggest.ts";
import { litellmTopLevelKeys } from "./litellm.ts";

/**
 * Step 1 of validation: the authored-config JSON Schema, every error at once, turned
 * into readable diagnostics. ajv reports one error per failed keyword (and one per failed
 * branch of an `anyOf`); `collapseAlternatives` folds those cascades into the one error a
 * person needs.
 */

type SchemaNode = Record<string, unknown>;

let compiled: ValidateFunction | undefined;

function configValidator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, verbose: true, strict: true }).compile(configSchema);
  return compiled;
}

export interface SchemaResult {
  diagnostics: PendingDiagnostic[];
  /** JSON paths (as `formatPath` text) that failed the schema; semantic checks skip what lies under them. */
  invalidPaths: Set<string>;
}

export function validateConfigSchema(config: unknown): SchemaResult {
  const validate = configValidator();
  if (validate(config)) return { diagnostics: [], invalidPaths: new Set() };
  const errors = dropMissingExplainedByTypos(collapseAlternatives(validate.errors ?? [], config));
  const diagnostics: PendingDiagnostic[] = [];
  const seen = new Set<string>();
  const invalidPaths = new Set<string>();
  for (const error of errors) {
    // Errors inside `propertyNames` repeat the `propertyNames` error itself, with a misleading path.
    if (error.propertyName !== undefined && error.keyword !== "propertyNames") continue;
    const diagnostic = convertError(error, config);
    const identity = `${diagnostic.code} ${formatPath(diagnostic.path)} ${diagnostic.message}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    diagnostics.push(diagnostic);
    invalidPaths.add(formatPath(diagnostic.path));
  }
  return { diagnostics, invalidPaths };
}

/** True when `path` or one of its ancestors failed the schema. */
export function isUnderInvalidPath(path: JsonPath, invalidPaths: Set<string>): boolean {
  for (let length = 0; length <= path.length; length++) {
    if (invalidPaths.has(formatPath(path.slice(0, length)))) return true;
  }
  return false;
}

/**
 * For each failed `anyOf`, keep only the errors of the branch whose type matches the
 * value (e.g. an object given where a secret is expected is checked as an env reference);
 * when no branch or several match, replace the whole cascade by one error on the `anyOf`.
 */
function collapseAlternatives(errors: ErrorObject[], config: unknown): ErrorObject[] {
  let remaining = [...errors];
  const alternatives = errors
    .filter((error) => error.keyword === "anyOf" || error.keyword === "oneOf")
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const alternative of alternatives) {
    if (!remaining.includes(alternative)) continue;
    const prefix = `${alternative.schemaPath}/`;
    const isBranchError = (error: ErrorObject): boolean =>
      error.schemaPath.startsWith(prefix) && error.instancePath.startsWith(alternative.instancePath);
    const branches = Array.isArray(alternative.schema) ? (alternative.schema as SchemaNode[]) : [];
    const value = valueAt(config, toPath(alternative.instancePath, config));
    const matching = branches.flatMap((branch, index) => (typeMatches(branch, value) ? [index] : []));
    if (matching.length === 1) {
      const keep = `${prefix}${matching[0]}/`;
      remaining = remaining.filter(
        (error) => error !== alternative && (!isBranchError(error) || error.schemaPath.startsWith(keep)),
      );
    } else {
      remaining = remaining.filter((error) => !isBranchError(error));
    }
  }
  return remaining;
}

/**
 * A misspelt required property shows up twice: "unknown property deploymnets" and
 * "missing deployments". Keep only the first, whose message suggests the right name.
 */
function dropMissingExplainedByTypos(errors: ErrorObject[]): ErrorObject[] {
  const explained = new Set<string>();
  for (const error of errors) {
    if (error.keyword !== "additionalProperties") continue;
    const known = Object.keys(((error.parentSchema ?? {}) as SchemaNode)["properties"] ?? {});
    const suggestion = suggestName(String(error.params["additionalProperty"]), known);
    if (suggestion !== undefined) explained.add(`${error.instancePath}\u0000${suggestion}`);
  }
  return errors.filter(
    (error) => error.keyword !== "required" || !explained.has(`${error.instancePath}\u0000${String(error.params["missingProperty"])}`),
  );
}

function typeMatches(schema: SchemaNode, value: unknown): boolean {
  const declared = schema["type"];
  if (declared === undefined) return true;
  const types = Array.isArray(declared) ? declared : [declared];
  return types.some((type) => {
    switch (type) {
      case "integer":
        return Number.isInteger(value);
      case "number":
        return typeof value === "number";
      case "array":
        return Array.isArray(value);
      case "object":
        return typeof value === "object" && value !== null && !Array.isArray(value);
      case "null":
        return value === null;
      default:
        return typeof value === type;
    }
  });
}

function convertError(error: ErrorObject, config: unknown): PendingDiagnostic {
  const path = toPath(error.instancePath, config);
  const where = formatPath(path);
  const parentSchema = (error.parentSchema ?? {}) as SchemaNode;
  const got = describeValue(error.data, path);
  const expected = describeSchema(parentSchema);
  const diagnostic = (kind: DiagnosticKind, message: string, at: JsonPath = path): PendingDiagnostic =>
    createDiagnostic(kind, at, capitalize(message));
  const params = error.params as Record<string, unknown>;

  switch (error.keyword) {
    case "type":
      return diagnostic("schemaType", `${where} must be ${expected}, got ${got}.`);
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return diagnostic("schemaOutOfRange", `${where} must be ${expected}, got ${got}.`);
    case "required": {
      const missing = String(params["missingProperty"]);
      const properties = (parentSchema["properties"] ?? {}) as Record<string, SchemaNode>;
      const description = properties[missing]?.["description"];
      // The description's first clause is enough of a hint.
      const hint = typeof description === "string" ? `: ${lowerFirst(description.split("; ")[0]!.replace(/\.$/, ""))}` : "";
      return diagnostic("schemaMissingProperty", `${where} is missing the required property "${missing}"${hint}.`);
    }
    case "additionalProperties": {
      const extra = String(params["additionalProperty"]);
      const known = Object.keys((parentSchema["properties"] ?? {}) as SchemaNode);
      const required = (parentSchema["required"] ?? []) as string[];
      const suggestion = suggestName(extra, known);
      const data = (error.data ?? {}) as Record<string, unknown>;
      const hint =
        path.length === 0 && litellmTopLevelKeys.includes(extra)
          ? ` This looks like a LiteLLM setting: a LiteLLM config.yaml (with model_list and no models) is served as is, but a gw config mixes in none of its sections: gw import turns a LiteLLM config into a gw one ("Coming from LiteLLM" in the README says what maps to what).`
          : suggestion === undefined
          ? ` Known properties: ${known.join(", ")}.`
          : required.includes(suggestion) && data[suggestion] === undefined
            ? ` Did you mean "${suggestion}"? It is required.`
            : ` Did you mean "${suggestion}"?`;
      return diagnostic("schemaUnknownProperty", `${where} has an unknown property "${extra}".${hint}`, [...path, extra]);
    }
    case "enum": {
      const allowed = (error.schema as unknown[]).map(String);
      if (path.at(-1) === "provider" && path.includes("deployments")) {
        const name = String(error.data);
        return diagnostic(
          "unknownProvider",
          `Unknown provider "${name}" in ${where}.${providerHint(name)} Native providers: ${NATIVE_PROVIDERS.join(", ")}; ` +
            `OpenAI-compatible presets: ${PRESET_NAMES.join(", ")}.`,
        );
      }
      const suggestion = typeof error.data === "string" ? didYouMean(error.data, allowed) : "";
      return diagnostic("schemaNotAllowed", `${where} must be ${expected}, got ${got}.${suggestion}`);
    }
    case "const":
      return diagnostic("schemaNotAllowed", `${where} must be ${JSON.stringify(error.schema)}, got ${got}.`);
    case "pattern": {
      if (path.at(-1) === "keyHash") {
        const length = typeof error.data === "string" ? error.data.length : 0;
        const got = length === 64 ? "but it has characters other than 0-9 and a-f" : `got ${length} characters`;
        return diagnostic(
          "keyHashFormat",
          `${where} must be the key's SHA-256 digest as 64 hex characters, ${got}. ` +
            `Compute it with \`printf %s "$KEY" | sha256sum\`, or give the key itself with key: env("NAME").`,
        );
      }
      return diagnostic("schemaBadFormat", `${where} must be ${describePattern(String(error.schema))}, got ${got}.`);
    }
    case "minLength":
      return diagnostic("schemaBadFormat", `${where} must not be empty.`);
    case "minItems": {
      const limit = Number(params["limit"]);
      const message = limit === 1 ? `${where} must not be empty.` : `${where} must have at least ${limit} items.`;
      return diagnostic("schemaTooFewItems", message);
    }
    case "propertyNames": {
      const name = String(params["propertyName"]);
      const pattern = (error.schema as SchemaNode)["pattern"];
      const rule = name === "" || typeof pattern !== "string" ? "keys must not be empty" : `keys must be ${describePattern(pattern)}`;
      return diagnostic("schemaBadFormat", `${where} has an invalid key ${JSON.stringify(name)}: ${rule}.`, [...path, name]);
    }
    case "anyOf":
    case "oneOf": {
      const branches = Array.isArray(error.schema) ? (error.schema as SchemaNode[]) : [];
      const titles = branches.map((branch) => describeSchema(branch));
      return diagnostic("schemaType", `${where} must be ${titles.join(" or ")}, got ${got}.`);
    }
    default:
      return diagnostic("schemaOther", `${where} ${error.message ?? "is invalid"}.`);
  }
}

const NATIVE_PROVIDERS = KNOWN_PROVIDERS.filter((name) => !(PRESET_NAMES as string[]).includes(name));

/** LiteLLM's name for a provider ("together_ai" -> "together"), else the closest provider name. */
function providerHint(name: string): string {
  const mapped = providerForPrefix(name);
  if (mapped !== undefined) return ` "${name}" is LiteLLM's name for it: write provider: "${mapped}", or leave provider out and write model "${name}/<model>".`;
  return didYouMean(name, KNOWN_PROVIDERS);
}

/** What a schema accepts, in words: "a number >= 0", "one of "day", "week", "month"". */
function describeSchema(schema: SchemaNode): string {
  if (schema["title"] === "env reference") return `an env reference { "$env": "NAME" }`;
  if (Array.isArray(schema["enum"])) return `one of ${schema["enum"].map((value) => JSON.stringify(value)).join(", ")}`;
  const type = schema["type"];
  const bounds: string[] = [];
  if (typeof schema["minimum"] === "number") bounds.push(`>= ${schema["minimum"]}`);
  if (typeof schema["exclusiveMinimum"] === "number") bounds.push(`> ${schema["exclusiveMinimum"]}`);
  if (typeof schema["maximum"] === "number") bounds.push(`<= ${schema["maximum"]}`);
  if (typeof schema["exclusiveMaximum"] === "number") bounds.push(`< ${schema["exclusiveMaximum"]}`);
  const noun =
    type === "integer"
      ? "an integer"
      : type === "number"
        ? "a number"
        : type === "string"
          ? "a string"
          : type === "boolean"
            ? "true or false"
            : type === "array"
              ? "an array"
              : type === "object"
                ? "an object"
                : "a valid value";
  return bounds.length === 0 ? noun : `${noun} ${bounds.join(" and ")}`;
}

const PATTERN_DESCRIPTIONS: Record<string, string> = {
  "^[A-Za-z_][A-Za-z0-9_]*$": "an environment variable name (letters, digits and _, not starting with a digit)",
  "^(?!os\\.environ/(?![A-Za-z_][A-Za-z0-9_]*$))":
    'an env reference "os.environ/NAME" where NAME has only letters, digits and _, or a literal secret',
  "^https?://[^\\s/?#]+[^\\s]*$": 'an http(s) URL such as "https://api.openai.com/v1"',
  "^(https?://[^\\s/?#]+[^\\s]*|os\\.environ/[A-Za-z_][A-Za-z0-9_]*)$": 'an http(s) URL such as "https://api.openai.com/v1" (or "os.environ/NAME")',
  "^[a-z0-9-]+$": 'a region name in lowercase letters, digits and "-", such as "us-east-1" or "us-central1"',
  "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$": "HTTP header names (letters, digits and !#$%&'*+-.^_`|~)",
};

function describePattern(pattern: string): string {
  return PATTERN_DESCRIPTIONS[pattern] ?? `a string matching ${pattern}`;
}

const SECRET_PROPERTIES = new Set(["apiKey", "key", "masterKey", "credentials", "accessKeyId", "secretAccessKey", "sessionToken"]);

/** The offending value for a message; values of secret properties are never shown. */
function describeValue(value: unknown, path: JsonPath): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    const last = path.at(-1);
    const secret = (typeof last === "string" && SECRET_PROPERTIES.has(last)) || path.at(-2) === "headers";
    if (secret && !value.startsWith(ENV_STRING_PREFIX)) return "a string";
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") return String(value);
  return typeof value;
}

/** JSON Pointer -> path array; array indexes become numbers (decided by the data, not the text). */
function toPath(pointer: string, config: unknown): JsonPath {
  if (pointer === "") return [];
  const path: JsonPath = [];
  let node: unknown = config;
  for (const raw of pointer.slice(1).split("/")) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      const index = Number(segment);
      path.push(index);
      node = node[index];
    } else {
      path.push(segment);
      node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

export function valueAt(config: unknown, path: JsonPath): unknown {
  let node = config;
  for (const segment of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function capitalize(message: string): string {
  return message.startsWith("the config") ? `T${message.slice(1)}` : message;
}

/** "The model name" -> "the model name"; acronyms such as "USD" stay. */
function lowerFirst(text: string): string {
  return /^[A-Z](?![A-Z])/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}
