/**
 * The mock provider's answers: a pure function of the request, so the same request always
 * gets the same reply (only `created` follows the clock). Token counts imitate a real
 * tokenizer roughly: prompt ≈ characters / 4, completion ≈ words.
 */
import type { ChatCompletion, ChatCompletionChunk, FinishReason, JsonObject, ToolCall, Usage } from "../../http/openai-types.ts";
import { isRecord } from "../openai/openai-api.ts";
import type { JsonRecord } from "../openai/openai-api.ts";

export interface MockReply {
  id: string;
  model: string;
  created: number;
  /** Words of the text answer, each with its leading space (as tokens stream); empty for a tool call. */
  words: string[];
  toolCall: ToolCall | null;
  finishReason: FinishReason;
  usage: Usage;
}

/** FNV-1a, 32 bits, as an unsigned integer. */
export function fnv1a(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193);
  }
  return value >>> 0;
}

/** FNV-1a as 8 hex digits: a stable id for a request body. */
function hash(text: string): string {
  return fnv1a(text).toString(16).padStart(8, "0");
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content) if (isRecord(part) && typeof part.text === "string") text += part.text;
  return text;
}

/** Placeholder arguments that satisfy a schema's required properties, by type. */
function placeholderArguments(parameters: unknown): JsonObject {
  const args: JsonObject = {};
  if (!isRecord(parameters) || !Array.isArray(parameters.required) || !isRecord(parameters.properties)) return args;
  for (const name of parameters.required) {
    if (typeof name !== "string") continue;
    const property = parameters.properties[name];
    const type = isRecord(property) ? property.type : undefined;
    const allowed = isRecord(property) && Array.isArray(property.enum) ? property.enum : undefined;
    if (allowed && allowed.length > 0) args[name] = allowed[0];
    else if (type === "number" || type === "integer") args[name] = 0;
    else if (type === "boolean") args[name] = false;
    else if (type === "array") args[name] = [];
    else if (type === "object") args[name] = {};
    else args[name] = "mock";
  }
  return args;
}

/** The function the request forces: tool_choice "required" (first tool) or a named function. */
function forcedTool(body: JsonRecord): { name: string; parameters: unknown } | null {
  const tools = Array.isArray(body.tools) ? body.tools.filter((tool) => isRecord(tool) && isRecord(tool.function)) : [];
  if (tools.length === 0) return null;
  const choice = body.tool_choice;
  const functions = tools.map((tool) => (tool as { function: JsonRecord }).function);
  if (choice === "required") {
    const first = functions[0]!;
    return { name: String(first.name), parameters: first.parameters };
  }
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === "string") {
    const name = choice.function.name;
    return { name, parameters: functions.find((fn) => fn.name === name)?.parameters };
  }
  return null;
}

function promptTokens(messages: unknown): number {
  let characters = 0;
  if (Array.isArray(messages)) for (const message of messages) if (isRecord(message)) characters += textOf(message.content).length;
  return Math.max(1, Math.ceil(characters / 4));
}

function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  for (let index = messages.length - 1; index >= 0; index--) {
    const message: unknown = messages[index];
    if (isRecord(message) && message.role === "user") return textOf(message.content);
  }
  return "";
}

/** At most 12 words of the last user message, whitespace collapsed. */
function snippet(text: string): string {
  const words = text.trim().split(/\s+/).filter((word) => word.length > 0);
  if (words.length === 0) return "(nothing)";
  return words.length > 12 ? `${words.slice(0, 12).join(" ")}...` : words.join(" ");
}

export function createMockReply(body: JsonRecord, bodyText: string, now: number): MockReply {
  const model = typeof body.model === "string" ? body.model : "mock";
  const id = `chatcmpl-mock-${hash(bodyText)}`;
  const created = Math.floor(now / 1000);
  const prompt = promptTokens(body.messages);
  const tool = forcedTool(body);
  if (tool) {
    const args = JSON.stringify(placeholderArguments(tool.parameters));
    const completion = Math.max(1, Math.ceil((tool.name.length + args.length) / 4));
    return {
      id,
      model,
      created,
      words: [],
      toolCall: { id: `call_mock_${hash(`${bodyText}:${tool.name}`)}`, type: "function", function: { name: tool.name, arguments: args } },
      finishReason: "tool_calls",
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    };
  }
  // LiteLLM's mock_response (let through only where the config allows it: endpoints/mock-response.ts).
  const sentence =
    typeof body.mock_response === "string" && body.mock_response !== ""
      ? body.mock_response
      : `This is a mock reply from gw. You said: "${snippet(lastUserText(body.messages))}"`;
  let words = sentence.split(" ").map((word, index) => (index === 0 ? word : ` ${word}`));
  const limit = body.max_completion_tokens ?? body.max_tokens;
  let finishReason: FinishReason = "stop";
  if (typeof limit === "number" && limit >= 1 && limit < words.length) {
    words = words.slice(0, Math.floor(limit));
    finishReason = "length";
  }
  return {
    id,
    model,
    created,
    words,
    toolCall: null,
    finishReason,
    usage: { prompt_tokens: prompt, completion_tokens: words.length, total_tokens: prompt + words.length },
  };
}

export function toCompletion(reply: MockReply): ChatCompletion {
  return {
    id: reply.id,
    object: "chat.completion",
    created: reply.created,
    model: reply.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: reply.toolCall ? null : reply.words.join(""),
          refusal: null,
          ...(reply.toolCall ? { tool_calls: [reply.toolCall] } : {}),
        },
        finish_reason: reply.finishReason,
        logprobs: null,
      },
    ],
    usage: reply.usage,
  };
}

/** The chunks OpenAI would stream for this reply: role, content or tool call pieces, finish, then usage if asked. */
export function toChunks(reply: MockReply, includeUsage: boolean): ChatCompletionChunk[] {
  const base = { id: reply.id, object: "chat.completion.chunk" as const, created: reply.created, model: reply.model };
  const chunk = (delta: ChatCompletionChunk["choices"][number]["delta"], finishReason: FinishReason | null = null): ChatCompletionChunk => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
  });
  const chunks: ChatCompletionChunk[] = [chunk({ role: "assistant", content: reply.toolCall ? null : "", refusal: null })];
  if (reply.toolCall) {
    const { id, function: fn } = reply.toolCall;
    chunks.push(chunk({ tool_calls: [{ index: 0, id, type: "function", function: { name: fn.name, arguments: "" } }] }));
    chunks.push(chunk({ tool_calls: [{ index: 0, function: { arguments: fn.arguments } }] }));
  } else {
    for (const word of reply.words) chunks.push(chunk({ content: word }));
  }
  chunks.push(chunk({}, reply.finishReason));
  if (includeUsage) chunks.push({ ...base, choices: [], usage: reply.usage });
  return chunks;
}
