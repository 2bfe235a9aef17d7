import type { KeyRef } from "../contract/bundle.ts";
import { sha256Hex } from "./hash.ts";
import type { ParsedSecret } from "./secret.ts";

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The hash gw stores for an auth key: lowercase hex SHA-256 of the key's UTF-8 bytes,
 * exactly as sent by callers (no trimming). `gw serve` must hash `{ env }` refs and
 * incoming bearer tokens the same way.
 */
export function hashKey(secret: string): string {
  return sha256Hex(secret);
}

/**
 * How a key is stored in the bundle: its hash when the secret is known at build time (a
 * literal, or an env var set and non-empty now), else the env var for `gw serve` to read
 * and hash at start-up. The secret itself never reaches the bundle.
 */
export function toKeyRef(secret: ParsedSecret, environment: Environment): KeyRef {
  if (secret.kind === "literal") return { sha256: hashKey(secret.value) };
  const value = environment[secret.name];
  return value !== undefined && value !== "" ? { sha256: hashKey(value) } : { env: secret.name };
}

/** A keyHash as written in the config, normalized to lowercase. */
export function keyRefFromHash(keyHash: string): KeyRef {
  return { sha256: keyHash.toLowerCase() };
}
