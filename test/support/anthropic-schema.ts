/**
 * Validation of gw's Messages-dialect outputs against Anthropic's documented shapes
 * (schemas/anthropic/messages.schema.json) and, for a stream, against the event order Anthropic
 * documents: message_start first; then content blocks, each content_block_start (indexes 0, 1, 2...
 * in order), deltas of its own kind, content_block_stop, never two open at once; pings anywhere
 * after message_start; one message_delta after the last block; message_stop last. An error event
 * may end the stream at any point, and nothing follows it.
 * Each validator returns the list of problems; an empty list means the value is valid.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";

const schema = JSON.parse(readFileSync(new URL("../../schemas/anthropic/messages.schema.json", import.meta.url), "utf8")) as { $id: string };
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(schema);

function compile(definition: string): ValidateFunction {
  const validate = ajv.getSchema(`${schema.$id}#/$defs/${definition}`);
  if (!validate) throw new Error(`schemas/anthropic: no definition named ${definition}`);
  return validate;
}

const message = compile("Message");
const streamEvent = compile("MessageStreamEvent");
const errorResponse = compile("ErrorResponse");

function run(validate: ValidateFunction, value: unknown, at = ""): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => `${at}${error.instancePath || "/"} ${error.message ?? "is invalid"} ${JSON.stringify(error.params)}`);
}

/** Problems with `value` as an Anthropic Message object; empty when valid. */
export function validateAnthropicMessage(value: unknown): string[] {
  return run(message, value);
}

/** Problems with `value` as Anthropic's error body `{"type": "error", "error": {...}}`; empty when valid. */
export function validateAnthropicError(value: unknown): string[] {
  return run(errorResponse, value);
}

export interface MessagesEvent {
  /** The SSE `event:` name. */
  event: string;
  data: Record<string, unknown>;
}

/** The SSE events of a Messages stream body, parsed (each `event: T\ndata: J` block). */
export function parseMessagesEvents(body: string): MessagesEvent[] {
  return body
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== "")
    .map((block) => {
      let event = "";
      let data = "";
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith("event:")) event = line.slice("event:".length).trim();
        else if (line.startsWith("data:")) data += line.slice("data:".length).trim();
      }
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

const deltaKinds: Readonly<Record<string, readonly string[]>> = {
  text: ["text_delta", "citations_delta"],
  thinking: ["thinking_delta", "signature_delta"],
  redacted_thinking: [],
  tool_use: ["input_json_delta"],
  server_tool_use: ["input_json_delta"],
};

/** Problems with a whole Messages stream: every event schema-valid and named as its type, in Anthropic's order. */
export function validateMessagesStream(events: readonly MessagesEvent[]): string[] {
  const problems: string[] = [];
  type Phase = "before" | "blocks" | "delta" | "stopped" | "failed";
  let phase = "before" as Phase;
  let open: { index: number; type: string } | null = null;
  let nextIndex = 0;
  events.forEach((item, position) => {
    const at = `event ${position} (${item.event}): `;
    problems.push(...run(streamEvent, item.data, at));
    if (item.data.type !== item.event) problems.push(`${at}data.type ${JSON.stringify(item.data.type)} differs from the SSE event name`);
    if (phase === "stopped" || phase === "failed") {
      problems.push(`${at}comes after ${phase === "stopped" ? "message_stop" : "an error event"}`);
      return;
    }
    const index = item.data.index as number;
    switch (item.event) {
      case "message_start":
        if (phase !== "before") problems.push(`${at}a second message_start`);
        phase = "blocks";
        break;
      case "ping":
        if (phase === "before") problems.push(`${at}ping before message_start`);
        break;
      case "content_block_start": {
        if (phase !== "blocks") problems.push(`${at}a block starts outside the content phase`);
        if (open !== null) problems.push(`${at}block ${index} starts while block ${open.index} is open`);
        if (index !== nextIndex) problems.push(`${at}block index ${index}, expected ${nextIndex}`);
        open = { index, type: String((item.data.content_block as { type?: unknown } | undefined)?.type) };
        nextIndex = index + 1;
        break;
      }
      case "content_block_delta": {
        if (open === null || open.index !== index) {
          problems.push(`${at}a delta for block ${index}, which is not open`);
          break;
        }
        const kind = String((item.data.delta as { type?: unknown } | undefined)?.type);
        if (!(deltaKinds[open.type] ?? []).includes(kind)) problems.push(`${at}a ${kind} in a ${open.type} block`);
        break;
      }
      case "content_block_stop":
        if (open === null || open.index !== index) problems.push(`${at}stops block ${index}, which is not open`);
        open = null;
        break;
      case "message_delta":
        if (phase !== "blocks") problems.push(`${at}a second message_delta, or one before message_start`);
        if (open !== null) problems.push(`${at}message_delta while block ${open.index} is open`);
        phase = "delta";
        break;
      case "message_stop":
        if (phase !== "delta") problems.push(`${at}message_stop without a message_delta before it`);
        phase = "stopped";
        break;
      case "error":
        phase = "failed";
        break;
      default:
        problems.push(`${at}not an event of Anthropic's`);
    }
  });
  if (phase !== "stopped" && phase !== "failed") problems.push(`the stream ends without message_stop (last phase: ${phase})`);
  return problems;
}
