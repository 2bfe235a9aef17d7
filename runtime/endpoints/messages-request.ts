/**
 * An Anthropic Messages request (`POST /v1/messages`) read into the chat request it means, so it
 * takes chat's whole path; the original body rides along (nativeMessagesBody) for deployments that
 * speak Messages themselves and get it as sent (messages.ts).
 *
 * - `system` (a string or text blocks) -> leading system message; `metadata.user_id` -> `user`
 *   (the customer in the spend ledger); `stop_sequences` -> `stop`; `thinking` stays as it is
 *   (every adapter reads Anthropic's thinking object); `top_k` is passed on for the providers
 *   that have it.
 * - Content blocks: text; image (base64 or url) -> image_url; document (base64 PDF) -> file,
 *   (plain text) -> text; tool_use -> tool_calls; tool_result -> a tool message (the images in
 *   it follow as a user message); thinking / redacted_thinking -> the assistant's
 *   `thinking_blocks` (signatures kept) and `reasoning_content`.
 * - Anthropic-only features (server tools, MCP servers, containers, citations on documents)
 *   exist only natively: translated to another provider they are refused with a 400 rather than
 *   answered without them.
 * @see https://docs.anthropic.com/en/api/messages
 */
import { GatewayError, invalidRequest } from "../http/errors.ts";
import type { ChatCompletionRequest, ChatMessage, ContentPart, FunctionTool, TextPart, ToolCall, ToolChoice } from "../http/openai-types.ts";
import { readModelBody } from "./request-flow.ts";
import { parseChatRequest } from "./chat.ts";
import type { NativeBody } from "./native-dialect.ts";

type Json = Record<string, unknown>;

export const messagesExpectedFields = "`model`, `max_tokens` and `messages`";

/** The client's own Messages body, kept on the chat request it was read into (not serialized: a symbol key). */
export const nativeMessagesBody: unique symbol = Symbol("gw.nativeMessagesBody");

export type MessagesChatRequest = ChatCompletionRequest & { [nativeMessagesBody]?: NativeMessages };

/** Fields of a Messages body that gw reads or can pass on; any other is a 400 (never silently ignored). */
const knownFields: ReadonlySet<string> = new Set([
  "model",
  "messages",
  "max_tokens",
  "system",
  "metadata",
  "stop_sequences",
  "stream",
  "temperature",
  "top_p",
  "top_k",
  "tools",
  "tool_choice",
  "thinking",
  "service_tier",
  "container",
  "mcp_servers",
  "context_management",
]);

/** Only a deployment that speaks Messages natively can honour these. */
const nativeOnlyFields: readonly string[] = ["container", "mcp_servers", "context_management"];

/**
 * The first Anthropic-only feature met while reading (server tools, citations, files...): kept,
 * not thrown, since a deployment that speaks Messages honours it; a translated one refuses it.
 */
interface NativeOnly {
  problem: GatewayError | null;
}

function needsNative(native: NativeOnly, what: string, param: string): void {
  native.problem ??= nativeOnly(what, param);
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A body problem: thrown while reading, answered as a 400 by parseMessagesRequest. */
function bad(message: string, param: string): GatewayError {
  return invalidRequest(message, param, "invalid_request");
}

function nativeOnly(what: string, param: string): GatewayError {
  return invalidRequest(
    `${what} needs an Anthropic deployment (Anthropic, or Claude on Vertex AI / Bedrock); this model is translated to another provider, which has no equivalent. Leave it out, or use an Anthropic model.`,
    param,
    "unsupported_parameter",
  );
}

function readText(block: Json, param: string): string {
  if (typeof block.text !== "string") throw bad(`${param}.text must be a string.`, `${param}.text`);
  return block.text;
}

/** The text blocks of `system` or of a tool result, as chat text parts. */
function textParts(content: unknown, param: string): TextPart[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (!Array.isArray(content)) throw bad(`${param} must be a string or an array of text blocks.`, param);
  const parts: TextPart[] = [];
  for (let index = 0; index < content.length; index++) {
    const block: unknown = content[index];
    if (!isRecord(block) || block.type !== "text") throw bad(`${param}[${index}] must be a text block.`, `${param}[${index}]`);
    parts.push({ type: "text", text: readText(block, `${param}[${index}]`) });
  }
  return parts;
}

function sourceOf(block: Json, param: string): Json {
  if (!isRecord(block.source)) throw bad(`${param}.source must be an object.`, `${param}.source`);
  return block.source;
}

function imagePart(block: Json, param: string, native: NativeOnly): ContentPart | null {
  const source = sourceOf(block, param);
  if (source.type === "base64" && typeof source.media_type === "string" && typeof source.data === "string") {
    return { type: "image_url", image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (source.type === "url" && typeof source.url === "string") return { type: "image_url", image_url: { url: source.url } };
  if (source.type === "file") {
    needsNative(native, "An image given by file_id (the Files API)", `${param}.source`);
    return null;
  }
  throw bad(`${param}.source must be {"type": "base64", "media_type", "data"} or {"type": "url", "url"}.`, `${param}.source`);
}

function documentPart(block: Json, param: string, native: NativeOnly): ContentPart | null {
  const source = sourceOf(block, param);
  if (isRecord(block.citations) && block.citations.enabled === true) needsNative(native, "Citations", `${param}.citations`);
  if (source.type === "base64" && source.media_type === "application/pdf" && typeof source.data === "string") {
    return { type: "file", file: { file_data: `data:application/pdf;base64,${source.data}`, ...(typeof block.title === "string" ? { filename: block.title } : {}) } };
  }
  if (source.type === "text" && typeof source.data === "string") return { type: "text", text: source.data };
  if (source.type === "content") return { type: "text", text: textParts(source.content, `${param}.source.content`).map((part) => part.text).join("\n") };
  needsNative(native, `A document of source type "${String(source.type)}"`, `${param}.source`);
  return null;
}

function toolCall(block: Json, param: string): ToolCall {
  if (typeof block.id !== "string" || typeof block.name !== "string") throw bad(`${param} must have a string id and name.`, param);
  return { id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } };
}

/** A tool_result block -> a tool message, and the images it returned (chat's tool messages hold text only). */
function toolResult(block: Json, param: string, native: NativeOnly): { message: ChatMessage; images: ContentPart[] } {
  if (typeof block.tool_use_id !== "string") throw bad(`${param}.tool_use_id must be a string.`, `${param}.tool_use_id`);
  const images: ContentPart[] = [];
  let text = "";
  const content = block.content;
  if (typeof content === "string") text = content;
  else if (Array.isArray(content)) {
    for (let index = 0; index < content.length; index++) {
      const part: unknown = content[index];
      const partParam = `${param}.content[${index}]`;
      if (!isRecord(part)) throw bad(`${partParam} must be an object.`, partParam);
      if (part.type === "text") text += (text === "" ? "" : "\n") + readText(part, partParam);
      else if (part.type === "image" || part.type === "document") {
        const converted = part.type === "image" ? imagePart(part, partParam, native) : documentPart(part, partParam, native);
        if (converted !== null) images.push(converted);
      } else if (part.type === "search_result") needsNative(native, "A search_result block", partParam);
      else throw bad(`${partParam}.type "${String(part.type)}" is not a tool result block (text, image or document).`, `${partParam}.type`);
    }
  } else if (content !== undefined && content !== null) throw bad(`${param}.content must be a string or an array of blocks.`, `${param}.content`);
  // Anthropic's is_error has no chat field: the model is told in the text, as it would read it.
  if (block.is_error === true) text = text === "" ? "Error" : `Error: ${text}`;
  return { message: { role: "tool", tool_call_id: block.tool_use_id, content: text }, images };
}

const serverBlockTypes: ReadonlySet<string> = new Set(["server_tool_use", "web_search_tool_result", "web_fetch_tool_result", "code_execution_tool_result", "mcp_tool_use", "mcp_tool_result", "container_upload", "search_result"]);

/** One Messages turn -> the chat messages it means, appended to `out` in order. */
function readTurn(message: unknown, param: string, out: ChatMessage[], native: NativeOnly): void {
  if (!isRecord(message)) throw bad(`${param} must be an object with a role and content.`, param);
  const role = message.role;
  if (role !== "user" && role !== "assistant") throw bad(`${param}.role must be "user" or "assistant"; system text goes in the top-level \`system\`.`, `${param}.role`);
  const content = message.content;
  if (typeof content === "string") {
    out.push(role === "user" ? { role: "user", content } : { role: "assistant", content });
    return;
  }
  if (!Array.isArray(content)) throw bad(`${param}.content must be a string or an array of content blocks.`, `${param}.content`);
  const parts: ContentPart[] = [];
  const calls: ToolCall[] = [];
  const thinking: Json[] = [];
  let reasoning = "";
  const flushUser = (): void => {
    if (parts.length > 0) out.push({ role: "user", content: parts.splice(0) });
  };
  for (let index = 0; index < content.length; index++) {
    const block: unknown = content[index];
    const blockParam = `${param}.content[${index}]`;
    if (!isRecord(block) || typeof block.type !== "string") throw bad(`${blockParam} must be a content block with a type.`, blockParam);
    switch (block.type) {
      case "text":
        parts.push({ type: "text", text: readText(block, blockParam) });
        break;
      case "image":
      case "document": {
        if (role !== "user") throw bad(`${blockParam}: ${block.type}s go in user turns.`, blockParam);
        const part = block.type === "image" ? imagePart(block, blockParam, native) : documentPart(block, blockParam, native);
        if (part !== null) parts.push(part);
        break;
      }
      case "tool_use":
        if (role !== "assistant") throw bad(`${blockParam}: tool_use blocks go in assistant turns.`, blockParam);
        calls.push(toolCall(block, blockParam));
        break;
      case "tool_result": {
        if (role !== "user") throw bad(`${blockParam}: tool_result blocks go in user turns.`, blockParam);
        // Tool results answer the previous assistant turn's calls: they come before the turn's other content.
        flushUser();
        const { message: result, images } = toolResult(block, blockParam, native);
        out.push(result);
        parts.push(...images);
        break;
      }
      case "thinking":
        if (typeof block.thinking !== "string") throw bad(`${blockParam}.thinking must be a string.`, `${blockParam}.thinking`);
        thinking.push({ type: "thinking", thinking: block.thinking, signature: typeof block.signature === "string" ? block.signature : "" });
        reasoning += block.thinking;
        break;
      case "redacted_thinking":
        if (typeof block.data !== "string") throw bad(`${blockParam}.data must be a string.`, `${blockParam}.data`);
        thinking.push({ type: "redacted_thinking", data: block.data });
        break;
      default:
        if (serverBlockTypes.has(block.type)) {
          needsNative(native, `A "${block.type}" block (server tools)`, blockParam);
          break;
        }
        throw bad(`${blockParam}.type "${block.type}" is not a content block gw knows.`, `${blockParam}.type`);
    }
  }
  if (role === "user") {
    flushUser();
    return;
  }
  const text = parts.map((part) => (part as TextPart).text).join("");
  const assistant: ChatMessage & Json = { role: "assistant", content: calls.length > 0 && text === "" ? null : text };
  if (calls.length > 0) assistant.tool_calls = calls;
  if (thinking.length > 0) {
    assistant.thinking_blocks = thinking;
    assistant.reasoning_content = reasoning;
  }
  out.push(assistant);
}

function readTools(tools: unknown, native: NativeOnly): FunctionTool[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw bad("tools must be an array.", "tools");
  const converted: FunctionTool[] = [];
  for (let index = 0; index < tools.length; index++) {
    const tool: unknown = tools[index];
    const param = `tools[${index}]`;
    if (!isRecord(tool)) throw bad(`${param} must be an object.`, param);
    if (typeof tool.name !== "string" || tool.name === "") throw bad(`${param}.name must be a non-empty string.`, `${param}.name`);
    if (tool.type !== undefined && tool.type !== null && tool.type !== "custom") {
      needsNative(native, `The server tool "${String(tool.type)}"`, `${param}.type`);
      continue;
    }
    if (!isRecord(tool.input_schema)) throw bad(`${param}.input_schema must be a JSON schema object.`, `${param}.input_schema`);
    const fn: FunctionTool["function"] = { name: tool.name, parameters: tool.input_schema };
    if (typeof tool.description === "string") fn.description = tool.description;
    converted.push({ type: "function", function: fn });
  }
  return converted;
}

function readToolChoice(choice: unknown): { choice?: ToolChoice; parallel?: false } {
  if (choice === undefined || choice === null) return {};
  if (!isRecord(choice)) throw bad('tool_choice must be an object: {"type": "auto" | "any" | "tool" | "none"}.', "tool_choice");
  const parallel = choice.disable_parallel_tool_use === true ? { parallel: false as const } : {};
  switch (choice.type) {
    case "auto":
      return { choice: "auto", ...parallel };
    case "any":
      return { choice: "required", ...parallel };
    case "none":
      return { choice: "none" };
    case "tool":
      if (typeof choice.name !== "string") throw bad("tool_choice.name must name the tool to use.", "tool_choice.name");
      return { choice: { type: "function", function: { name: choice.name } }, ...parallel };
    default:
      throw bad('tool_choice.type must be "auto", "any", "tool" or "none".', "tool_choice.type");
  }
}

function readMaxTokens(value: unknown): number {
  if (value === undefined || value === null) throw invalidRequest("max_tokens: Field required. Anthropic's Messages API needs the most tokens to generate.", "max_tokens", "missing_required_parameter");
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw bad("max_tokens must be a whole number of at least 1.", "max_tokens");
  return value;
}

function readStop(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) throw bad("stop_sequences must be an array of strings.", "stop_sequences");
  return value.length === 0 ? undefined : (value as string[]);
}

function readNumber(body: Json, name: string): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) throw bad(`${name} must be a number.`, name);
  return value;
}

function toChat(body: Json, native: NativeOnly): MessagesChatRequest {
  for (const key of Object.keys(body)) {
    if (!knownFields.has(key)) throw invalidRequest(`${key}: Extra inputs are not permitted.`, key, "unknown_parameter");
  }
  const messages: ChatMessage[] = [];
  if (body.system !== undefined && body.system !== null) {
    const system = textParts(body.system, "system");
    if (system.length > 0) messages.push({ role: "system", content: typeof body.system === "string" ? body.system : system });
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw bad("messages must be a non-empty array of turns.", "messages");
  for (let index = 0; index < body.messages.length; index++) readTurn(body.messages[index], `messages[${index}]`, messages, native);
  const chat: MessagesChatRequest = { model: body.model as string, messages, max_tokens: readMaxTokens(body.max_tokens) };
  const stream = body.stream;
  if (stream !== undefined && stream !== null && typeof stream !== "boolean") throw bad("stream must be a boolean.", "stream");
  // The usage chunk is what the Messages stream's message_delta reports.
  if (stream === true) Object.assign(chat, { stream: true, stream_options: { include_usage: true } });
  const temperature = readNumber(body, "temperature");
  if (temperature !== undefined) chat.temperature = temperature;
  const topP = readNumber(body, "top_p");
  if (topP !== undefined) chat.top_p = topP;
  const topK = readNumber(body, "top_k");
  if (topK !== undefined) chat.top_k = topK;
  const stop = readStop(body.stop_sequences);
  if (stop !== undefined) chat.stop = stop;
  const tools = readTools(body.tools, native);
  if (tools !== undefined && tools.length > 0) chat.tools = tools;
  const { choice, parallel } = readToolChoice(body.tool_choice);
  if (choice !== undefined) chat.tool_choice = choice;
  if (parallel === false) chat.parallel_tool_calls = false;
  if (body.thinking !== undefined && body.thinking !== null) {
    if (!isRecord(body.thinking)) throw bad('thinking must be {"type": "enabled", "budget_tokens": N} or {"type": "disabled"}.', "thinking");
    chat.thinking = body.thinking;
  }
  if (body.metadata !== undefined && body.metadata !== null) {
    if (!isRecord(body.metadata)) throw bad("metadata must be an object.", "metadata");
    const user = body.metadata.user_id;
    if (user !== undefined && user !== null && typeof user !== "string") throw bad("metadata.user_id must be a string.", "metadata.user_id");
    if (typeof user === "string" && user !== "") chat.user = user;
  }
  return chat;
}

/** The client's Messages body, the 400 a translated deployment answers it with, and its `anthropic-beta` header. */
export type NativeMessages = NativeBody;

/**
 * The chat request a Messages body means (its own body kept under nativeMessagesBody), or the
 * 400 to answer with, in Anthropic's terms.
 */
export function parseMessagesRequest(input: unknown, headers?: Headers): MessagesChatRequest | GatewayError {
  const fields = readModelBody(input, messagesExpectedFields, "models");
  if (fields instanceof GatewayError) return fields;
  const native: NativeOnly = { problem: null };
  let chat: MessagesChatRequest;
  try {
    chat = toChat(fields, native);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  for (const field of nativeOnlyFields) {
    if (fields[field] !== undefined && fields[field] !== null) needsNative(native, `\`${field}\``, field);
  }
  const parsed = parseChatRequest(chat);
  if (parsed instanceof GatewayError) return parsed;
  const kept: NativeMessages = { body: fields, untranslatable: native.problem, beta: headers?.get("anthropic-beta") ?? null };
  Object.defineProperty(chat, nativeMessagesBody, { value: kept, enumerable: false });
  return chat;
}
