/**
 * A config object written out as a file a person would write: `gateway.config.ts` (defineConfig,
 * `env("NAME")` for every "os.environ/NAME") or `gateway.config.yaml`. Used by `gw import`; the
 * output is deterministic (same config, same text), so it can be pinned and reviewed.
 */
import { stringify } from "yaml";
import { ENV_STRING_PREFIX } from "./secret.ts";

/** Lines wider than this are broken over several lines. */
const width = 100;

function isIdentifier(key: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key);
}

function printValue(value: unknown, indent: string): string {
  if (typeof value === "string") {
    if (value.startsWith(ENV_STRING_PREFIX) && value.length > ENV_STRING_PREFIX.length) return `env(${JSON.stringify(value.slice(ENV_STRING_PREFIX.length))})`;
    return JSON.stringify(value);
  }
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const items = value.map((item) => printValue(item, inner));
    const inline = `[${items.join(", ")}]`;
    if (!inline.includes("\n") && indent.length + inline.length <= width) return inline;
    return `[\n${items.map((item) => `${inner}${item},`).join("\n")}\n${indent}]`;
  }
  if (typeof value === "object" && value !== undefined) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    if (entries.length === 0) return "{}";
    const fields = entries.map(([key, item]) => `${isIdentifier(key) ? key : JSON.stringify(key)}: ${printValue(item, inner)}`);
    const inline = `{ ${fields.join(", ")} }`;
    if (!inline.includes("\n") && indent.length + inline.length <= width) return inline;
    return `{\n${fields.map((field) => `${inner}${field},`).join("\n")}\n${indent}}`;
  }
  return "undefined";
}

/** `comments`: lines put above the config, each as a `//` comment. */
export function renderTypeScriptConfig(config: Record<string, unknown>, comments: readonly string[]): string {
  const header = comments.map((line) => (line === "" ? "//" : `// ${line}`)).join("\n");
  const usesEnv = JSON.stringify(config).includes(`"${ENV_STRING_PREFIX}`);
  const imports = usesEnv ? "{ defineConfig, env }" : "{ defineConfig }";
  const body = printValue(config, "");
  return `${header === "" ? "" : `${header}\n`}import ${imports} from "gw-gateway/config";\n\nexport default defineConfig(${body});\n`;
}

export function renderYamlConfig(config: Record<string, unknown>, comments: readonly string[]): string {
  const header = comments.map((line) => (line === "" ? "#" : `# ${line}`)).join("\n");
  return `${header === "" ? "" : `${header}\n`}${stringify(config, { lineWidth: 0 })}`;
}
