/**
 * Mistral accepts only tool-call ids of exactly nine letters and digits; clients send back ids
 * that came from other providers too (after a fallback, or a conversation started elsewhere:
 * `call_abc...`, `toolu_...`). Such an id is replaced by a nine-character id derived from it,
 * the same on the assistant's `tool_calls` and on the tool message answering it, so Mistral
 * can pair them. Invariants: an id that is already valid is kept; the mapping is a pure
 * function of the id, except that two different ids never map to the same id within one
 * request (a collision is resolved by re-hashing with a counter).
 */
import { mistralToolCallIdPattern } from "./mistral-api.ts";

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** 32-bit FNV-1a over UTF-16 code units, from `seed`. */
function fnv1a(text: string, seed: number): number {
  let hash = seed >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

function digits(value: number, count: number): string {
  let text = "";
  for (let index = 0; index < count; index++) {
    text += alphabet[value % alphabet.length];
    value = Math.floor(value / alphabet.length);
  }
  return text;
}

/** Nine base-62 characters derived from `id` (62^5 * 62^4 ≈ 1.3e16 values). */
export function deriveMistralToolCallId(id: string): string {
  return digits(fnv1a(id, 0x811c9dc5), 5) + digits(fnv1a(id, 0x9e3779b9), 4);
}

/** A mapper for one request: original id -> valid Mistral id, consistent across its messages. */
export function createToolCallIdMapper(): (id: string) => string {
  const byOriginal = new Map<string, string>();
  const taken = new Map<string, string>();
  return (id: string): string => {
    const known = byOriginal.get(id);
    if (known !== undefined) return known;
    let candidate = mistralToolCallIdPattern.test(id) ? id : deriveMistralToolCallId(id);
    for (let attempt = 1; taken.has(candidate) && taken.get(candidate) !== id; attempt++) {
      candidate = deriveMistralToolCallId(`${id}#${attempt}`);
    }
    byOriginal.set(id, candidate);
    taken.set(candidate, id);
    return candidate;
  };
}
