/**
 * Responses API input items -> chat messages (endpoints/responses-request.ts reads the rest).
 *
 * - message items (role user, assistant, system or developer; content a string or parts) become
 *   chat messages: input_text and output_text parts are text, input_image an image_url part,
 *   input_file (PDF data) a file part, refusal parts an assistant's `refusal`;
 * - function_call items become the assistant's tool_calls: merged into the assistant message just
 *   before them, as one chat completion answers text and calls together;
 * - function_call_output items become tool messages;
 * - reasoning items become the next assistant message's `reasoning_content` (summary text) and
 *   `thinking_blocks` (from gw's encrypted_content, responses-reasoning.ts), as chat answers them.
 * - item_reference items stand for an item of a stored response (the Vercel AI SDK sends its
 *   earlier reasoning and text so while `store` is on): converted as that item, once
 *   responses.ts has read it from the store.
 * Anything chat cannot carry (file ids, images in a tool output, built-in tools' items) is a 400
 * naming the item, never dropped.
 * @see https://platform.openai.com/docs/api-reference/responses/create#responses-create-input
 */
import { GatewayError, invalidRequest } from "../http/errors.ts";
import type { AssistantMessage, ChatMessage, ContentPart, TextPart, ToolCall } from "../http/openai-types.ts";
import { isRecord, type JsonRecord } from "../providers/openai/openai-api.ts";
import { decodeThinkingBlocks, type ThinkingBlock } from "./responses-reasoning.ts";

/** An assistant message as chat carries reasoning in it (LiteLLM's names, read by the Anthropic and Bedrock adapters). */
type ReasoningAssistant = AssistantMessage & { reasoning_content?: string; thinking_blocks?: ThinkingBlock[] };

const roles: ReadonlySet<string> = new Set(["user", "assistant", "system", "developer"]);
const imageDetails: ReadonlySet<string> = new Set(["auto", "low", "high"]);

function unsupported(message: string, param: string): GatewayError {
  return invalidRequest(message, param, "unsupported_parameter");
}

function readString(value: unknown, param: string, what: string): string {
  if (typeof value !== "string") throw invalidRequest(`${param} must be ${what}.`, param, "invalid_type");
  return value;
}

function textOf(part: JsonRecord, param: string): string {
  return readString(part.text, `${param}.text`, "a string");
}

function imagePart(part: JsonRecord, param: string): ContentPart {
  if (typeof part.image_url !== "string") {
    throw unsupported(
      part.file_id !== undefined && part.file_id !== null
        ? `${param}: file ids are not supported (gw keeps no files). Send the image as \`image_url\`: an https URL or a data: URL.`
        : `${param}.image_url must be an https URL or a data: URL.`,
      part.file_id !== undefined && part.file_id !== null ? `${param}.file_id` : `${param}.image_url`,
    );
  }
  const detail = typeof part.detail === "string" && imageDetails.has(part.detail) ? { detail: part.detail as "auto" | "low" | "high" } : {};
  return { type: "image_url", image_url: { url: part.image_url, ...detail } };
}

function filePart(part: JsonRecord, param: string): ContentPart {
  const data = part.file_data;
  const filename = typeof part.filename === "string" ? part.filename : undefined;
  if (typeof data !== "string") {
    throw unsupported(
      `${param}: only files sent inline are supported (\`file_data\`, a data:application/pdf;base64,... URL); file ids and file URLs are not (gw keeps and fetches no files).`,
      `${param}.file_data`,
    );
  }
  // OpenAI's examples send a data: URL; bare base64 is read as the PDF its filename says it is.
  const fileData = data.startsWith("data:") ? data : filename?.toLowerCase().endsWith(".pdf") === true ? `data:application/pdf;base64,${data}` : null;
  if (fileData === null) {
    throw invalidRequest(`${param}.file_data must be a data: URL (data:application/pdf;base64,...).`, `${param}.file_data`, "invalid_value");
  }
  return { type: "file", file: { file_data: fileData, ...(filename === undefined ? {} : { filename }) } };
}

/** A user message's content parts. */
function userParts(parts: unknown[], param: string): ContentPart[] {
  return parts.map((part, index): ContentPart => {
    const partParam = `${param}[${index}]`;
    if (!isRecord(part)) throw invalidRequest(`${partParam} must be a content part object.`, partParam, "invalid_type");
    switch (part.type) {
      case "input_text":
      case "output_text":
        return { type: "text", text: textOf(part, partParam) };
      case "input_image":
        return imagePart(part, partParam);
      case "input_file":
        return filePart(part, partParam);
      default:
        throw unsupported(`${partParam}.type ${JSON.stringify(String(part.type).slice(0, 40))} is not supported in a user message: send input_text, input_image or input_file parts.`, `${partParam}.type`);
    }
  });
}

/** Text parts only (system, developer and assistant messages); refusals are collected apart. */
function textParts(parts: unknown[], param: string, refusals: string[] | null): TextPart[] {
  const texts: TextPart[] = [];
  for (let index = 0; index < parts.length; index++) {
    const part: unknown = parts[index];
    const partParam = `${param}[${index}]`;
    if (!isRecord(part)) throw invalidRequest(`${partParam} must be a content part object.`, partParam, "invalid_type");
    if (part.type === "input_text" || part.type === "output_text") texts.push({ type: "text", text: textOf(part, partParam) });
    else if (part.type === "refusal" && refusals !== null) refusals.push(readString(part.refusal, `${partParam}.refusal`, "a string"));
    else throw unsupported(`${partParam}.type ${JSON.stringify(String(part.type).slice(0, 40))} is not supported here: this message takes text parts only.`, `${partParam}.type`);
  }
  return texts;
}

/** One text part as a plain string (what most adapters and upstreams expect); several stay parts. */
function compactText(parts: TextPart[]): string | TextPart[] {
  return parts.length === 1 ? (parts[0] as TextPart).text : parts;
}

function convertMessage(item: JsonRecord, param: string): ChatMessage {
  const role = item.role;
  if (typeof role !== "string" || !roles.has(role)) {
    throw invalidRequest(`${param}.role must be one of user, assistant, system or developer.`, `${param}.role`, "invalid_value");
  }
  const content = item.content;
  if (typeof content !== "string" && !Array.isArray(content)) {
    throw invalidRequest(`${param}.content must be a string or an array of content parts.`, `${param}.content`, "invalid_type");
  }
  const contentParam = `${param}.content`;
  if (role === "user") return { role, content: typeof content === "string" ? content : userParts(content, contentParam) };
  if (role === "system" || role === "developer") return { role, content: typeof content === "string" ? content : compactText(textParts(content, contentParam, null)) };
  const refusals: string[] = [];
  const text = typeof content === "string" ? content : compactText(textParts(content, contentParam, refusals));
  const message: AssistantMessage = { role: "assistant", content: text };
  if (refusals.length > 0) message.refusal = refusals.join("\n");
  return message;
}

function toolCall(item: JsonRecord, param: string): ToolCall {
  return {
    id: readString(item.call_id, `${param}.call_id`, "the call's id (a string)"),
    type: "function",
    function: { name: readString(item.name, `${param}.name`, "the function's name (a string)"), arguments: readString(item.arguments, `${param}.arguments`, "a JSON string") },
  };
}

function toolOutput(item: JsonRecord, param: string): ChatMessage {
  const callId = readString(item.call_id, `${param}.call_id`, "the call's id (a string)");
  const output = item.output;
  if (typeof output === "string") return { role: "tool", tool_call_id: callId, content: output };
  if (!Array.isArray(output)) throw invalidRequest(`${param}.output must be a string or an array of input_text parts.`, `${param}.output`, "invalid_type");
  const parts = output.map((part, index): TextPart => {
    const partParam = `${param}.output[${index}]`;
    if (isRecord(part) && part.type === "input_text") return { type: "text", text: textOf(part, partParam) };
    throw unsupported(`${partParam}: a function output with images or files cannot be sent through chat models. Send the output as text.`, `${partParam}.type`);
  });
  return { role: "tool", tool_call_id: callId, content: parts };
}

interface PendingReasoning {
  texts: string[];
  blocks: ThinkingBlock[];
}

function readReasoning(item: JsonRecord, param: string): PendingReasoning {
  const texts: string[] = [];
  for (const field of ["summary", "content"] as const) {
    const parts = item[field];
    if (parts === undefined || parts === null) continue;
    if (!Array.isArray(parts)) throw invalidRequest(`${param}.${field} must be an array.`, `${param}.${field}`, "invalid_type");
    for (const part of parts) if (isRecord(part) && typeof part.text === "string" && part.text !== "") texts.push(part.text);
  }
  return { texts, blocks: decodeThinkingBlocks(item.encrypted_content) };
}

function attachReasoning(message: ReasoningAssistant, reasoning: PendingReasoning): void {
  if (reasoning.texts.length > 0) message.reasoning_content = [message.reasoning_content ?? "", ...reasoning.texts].filter((text) => text !== "").join("\n\n");
  if (reasoning.blocks.length > 0) message.thinking_blocks = [...(message.thinking_blocks ?? []), ...reasoning.blocks];
}

/** The ids the item_reference items of `items` name, in order; throws the 400 for a reference without one. */
export function referencedIds(items: readonly unknown[], param: string): string[] {
  const ids: string[] = [];
  items.forEach((item, index) => {
    if (!isRecord(item) || item.type !== "item_reference") return;
    ids.push(readString(item.id, `${param}[${index}].id`, "the referenced item's id (a string)"));
  });
  return ids;
}

/**
 * The chat messages `items` mean (`param` names the array in errors, e.g. "input"). Item
 * references are replaced by `references`' items (by id); without `references` they are left
 * out (the caller converts again once it has read them). Throws the GatewayError to answer with.
 */
export function convertInputItems(items: readonly unknown[], param: string, references?: ReadonlyMap<string, unknown>): ChatMessage[] {
  const messages: ChatMessage[] = [];
  let reasoning: PendingReasoning | null = null;
  /** The assistant message the next function_call joins: the last message, when it is an assistant's. */
  const lastAssistant = (): ReasoningAssistant | null => {
    const last = messages.at(-1);
    return last !== undefined && last.role === "assistant" ? last : null;
  };
  const pushAssistant = (message: ReasoningAssistant): void => {
    if (reasoning !== null) attachReasoning(message, reasoning);
    reasoning = null;
    messages.push(message);
  };
  for (let index = 0; index < items.length; index++) {
    let item: unknown = items[index];
    const itemParam = `${param}[${index}]`;
    if (!isRecord(item)) throw invalidRequest(`${itemParam} must be an input item object.`, itemParam, "invalid_type");
    if (item.type === "item_reference") {
      if (references === undefined) continue;
      const id = String(item.id);
      item = references.get(id);
      if (!isRecord(item)) throw invalidRequest(`${itemParam}: no stored item with id ${JSON.stringify(id.slice(0, 80))}.`, `${itemParam}.id`, "item_not_found");
    }
    const type = item.type ?? "message";
    switch (type) {
      case "message": {
        const message = convertMessage(item, itemParam);
        if (message.role === "assistant") pushAssistant(message);
        else messages.push(message);
        break;
      }
      case "function_call": {
        const call = toolCall(item, itemParam);
        const joined = lastAssistant();
        if (joined === null) pushAssistant({ role: "assistant", content: null, tool_calls: [call] });
        else {
          joined.tool_calls = [...(joined.tool_calls ?? []), call];
          if (reasoning !== null) attachReasoning(joined, reasoning);
          reasoning = null;
        }
        break;
      }
      case "function_call_output":
        messages.push(toolOutput(item, itemParam));
        break;
      case "reasoning": {
        const read = readReasoning(item, itemParam);
        reasoning = reasoning === null ? read : { texts: [...reasoning.texts, ...read.texts], blocks: [...reasoning.blocks, ...read.blocks] };
        break;
      }
      default:
        throw unsupported(
          `${itemParam}.type ${JSON.stringify(String(type).slice(0, 40))} is not supported: gw answers the Responses API through chat models and translates message, function_call, function_call_output and reasoning items.`,
          `${itemParam}.type`,
        );
    }
  }
  // A reasoning item with no assistant turn after it has nothing to belong to in chat: it is left out.
  return messages;
}
