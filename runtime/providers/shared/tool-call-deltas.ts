/**
 * Tool-call deltas for providers that stream a tool call as a start event (id and name) followed
 * by pieces of its JSON arguments, each event naming the call by the provider's own number (a
 * content block index, a tool call index).
 *
 * Invariants: gw's `index` counts tool calls in the order they started (0, 1, ...), whatever the
 * provider numbers them; only a call's first delta carries its id, type and name; a call whose
 * arguments stayed empty gets "{}" when it finishes, so a client that parses the arguments of
 * every call always gets JSON.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming#chat-streaming/streaming-choices-delta-tool_calls
 */
import type { ToolCallDelta } from "../../http/openai-types.ts";

export interface ToolCallDeltas {
  /** How many tool calls started so far. */
  readonly count: number;
  /** Whether the provider's number `key` names a started tool call. */
  has(key: number): boolean;
  /** The first delta of a new tool call: its gw index, id, type, name and the arguments sent along (often none). */
  start(key: number, id: string, name: string, args?: string): ToolCallDelta;
  /** A piece of the arguments of call `key`; null for an empty piece or a call that did not start. */
  append(key: number, args: string): ToolCallDelta | null;
  /** Arguments "{}" for call `key` when it got none, once; otherwise null. */
  finish(key: number): ToolCallDelta | null;
}

export function createToolCallDeltas(): ToolCallDeltas {
  /** The provider's number -> gw's index and whether arguments were sent. */
  const calls = new Map<number, { index: number; hasArguments: boolean }>();
  let count = 0;
  return {
    get count() {
      return count;
    },
    has: (key) => calls.has(key),
    start(key, id, name, args = "") {
      const index = count++;
      calls.set(key, { index, hasArguments: args.length > 0 });
      return { index, id, type: "function", function: { name, arguments: args } };
    },
    append(key, args) {
      const call = calls.get(key);
      if (call === undefined || args.length === 0) return null;
      call.hasArguments = true;
      return { index: call.index, function: { arguments: args } };
    },
    finish(key) {
      const call = calls.get(key);
      if (call === undefined || call.hasArguments) return null;
      call.hasArguments = true;
      return { index: call.index, function: { arguments: "{}" } };
    },
  };
}
