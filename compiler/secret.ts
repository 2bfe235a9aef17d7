/**
 * Secrets in a config are written three ways: `env("NAME")` (the object `{ $env: "NAME" }`),
 * the LiteLLM-style string `"os.environ/NAME"` (natural in YAML), or a literal string.
 * Everything downstream of validation reads them through `readSecret`.
 */

export const ENV_STRING_PREFIX = "os.environ/";
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type ParsedSecret = { kind: "env"; name: string } | { kind: "literal"; value: string };

/** Interprets a schema-valid secret; anything else is `null`. */
export function readSecret(value: unknown): ParsedSecret | null {
  if (typeof value === "string") {
    if (value.startsWith(ENV_STRING_PREFIX)) {
      const name = value.slice(ENV_STRING_PREFIX.length);
      return ENV_NAME_PATTERN.test(name) ? { kind: "env", name } : null;
    }
    return { kind: "literal", value };
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const name = (value as Record<string, unknown>)["$env"];
    if (typeof name === "string" && ENV_NAME_PATTERN.test(name) && Object.keys(value).length === 1) {
      return { kind: "env", name };
    }
  }
  return null;
}
