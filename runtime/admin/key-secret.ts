/**
 * Virtual keys: `sk-gw-` + 32 url-safe characters (192 random bits from the OS's CSPRNG). The key
 * is shown once, in the response that created it; only its SHA-256 (lowercase hex) is stored, the
 * same digest auth.ts computes for every request, so a lookup is one Map access.
 */
import { createHash, randomBytes } from "node:crypto";

export const keyPrefix = "sk-gw-";

export function generateKeySecret(): string {
  return keyPrefix + randomBytes(24).toString("base64url");
}

export function hashKey(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** Stable id of a key (kept when the key is regenerated); what the admin API calls `token`. */
export function createKeyId(): string {
  return `key_${randomBytes(12).toString("hex")}`;
}

/** LiteLLM's `key_name`: "sk-..." and the key's last 4 characters, to tell keys apart; shown with the key only, never stored. */
export function abbreviateKey(secret: string): string {
  return `sk-...${secret.slice(-4)}`;
}

/** First 12 hex characters of the hash: how spend ledger rows name a key. */
export function keyHashPrefix(keyHash: string): string {
  return keyHash.slice(0, 12);
}

const sha256HexPattern = /^[0-9a-f]{64}$/;

export function isSha256Hex(value: string): boolean {
  return sha256HexPattern.test(value);
}
