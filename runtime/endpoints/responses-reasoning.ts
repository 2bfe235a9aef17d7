/**
 * A reasoning item's `encrypted_content` as gw writes it: the provider's thinking blocks (Anthropic
 * and Bedrock `thinking` with its signature, `redacted_thinking` with its data), as chat answers
 * them in `thinking_blocks`. Providers check the signatures when the blocks come back in the next
 * turn, so a client that sends the reasoning item back (as the Responses API asks) keeps extended
 * thinking working across tool calls. Opaque to clients, like OpenAI's own encrypted content.
 */
import { isRecord } from "../providers/openai/openai-api.ts";

/** One thinking block as chat carries it (runtime/providers/anthropic/convert-response.ts). */
export type ThinkingBlock = { type: "thinking"; thinking: string; signature?: string } | { type: "redacted_thinking"; data: string };

const prefix = "gw-thinking-v1:";

export function encodeThinkingBlocks(blocks: readonly ThinkingBlock[]): string {
  return prefix + Buffer.from(JSON.stringify(blocks)).toString("base64");
}

function isThinkingBlock(block: unknown): block is ThinkingBlock {
  if (!isRecord(block)) return false;
  if (block.type === "redacted_thinking") return typeof block.data === "string";
  return block.type === "thinking" && typeof block.thinking === "string" && (block.signature === undefined || typeof block.signature === "string");
}

/** The well-formed thinking blocks of a chat message or delta's `thinking_blocks`. */
export function readThinkingBlocks(value: unknown): ThinkingBlock[] {
  return Array.isArray(value) ? value.filter(isThinkingBlock) : [];
}

/** The blocks gw encoded; [] for content gw did not write (another gateway's, OpenAI's own), which chat cannot carry. */
export function decodeThinkingBlocks(encrypted: unknown): ThinkingBlock[] {
  if (typeof encrypted !== "string" || !encrypted.startsWith(prefix)) return [];
  try {
    return readThinkingBlocks(JSON.parse(Buffer.from(encrypted.slice(prefix.length), "base64").toString("utf8")));
  } catch {
    return [];
  }
}
