import { createDiagnostic, formatPath, type JsonPath, type PendingDiagnostic } from "./diagnostic.ts";
import type { Environment } from "./keys.ts";
import { readSecret, type ParsedSecret } from "./secret.ts";

/** What the semantic checks share: the schema's verdict, the build-time env, and typed reads of half-valid data. */

export interface SemanticContext {
  invalidPaths: Set<string>;
  environment: Environment;
  /** Decides how a message spells an env reference. */
  format: "typescript" | "yaml";
}

export type Json = Record<string, unknown>;

export function asObject(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A name as the schema requires it (a non-empty string), whatever the state of its parent. */
export function definedName(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

export type SecretOwner = "deployment" | "key" | "masterKey";

/** Warns about a literal secret; returns the parsed secret when the value is valid. */
export function checkSecret(
  value: unknown,
  path: JsonPath,
  valid: (path: JsonPath) => boolean,
  context: SemanticContext,
  diagnostics: PendingDiagnostic[],
  owner: SecretOwner,
  /** The env var name the message suggests; by default one fitting the owner. */
  suggestedEnv?: string,
): ParsedSecret | null {
  if (value === undefined || !valid(path)) return null;
  const secret = readSecret(value);
  if (secret?.kind === "literal") {
    const suggestedName =
      suggestedEnv ?? (owner === "deployment" ? "PROVIDER_API_KEY" : owner === "masterKey" ? "GW_MASTER_KEY" : "TEAM_KEY");
    const reference = context.format === "yaml" ? `"os.environ/${suggestedName}"` : `env("${suggestedName}")`;
    const consequence =
      owner === "deployment"
        ? "it is copied into the bundle and sits in the config file"
        : "only its hash goes into the bundle, but the secret sits in the config file";
    diagnostics.push(
      createDiagnostic(
        "literalSecret",
        path,
        `${formatPath(path)} is a secret written literally in the config: ${consequence}, where it is easy to ` +
          `commit by mistake. Read it from the environment instead: ${reference}.`,
      ),
    );
  }
  return secret;
}
