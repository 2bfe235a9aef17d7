/**
 * A Responses API request (POST /v1/responses) read as the chat request it means, plus what the
 * answer echoes (responses-answer.ts), with the client's own body kept for deployments that speak
 * Responses natively (OpenAI, Azure: the turn's `native`, native-dialect.ts). Chat can express
 * function tools, text/JSON output formats, reasoning effort, the sampling fields and message,
 * function-call and reasoning items; anything else (built-in tools and their items, background
 * mode, prompt templates, conversations, logprobs, fields gw does not know) is kept as the
 * request's `untranslatable` 400 naming the field: passed natively, refused when the chosen
 * deployment is translated, so no request is silently answered differently from what it asked.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
import { GatewayError, invalidRequest } from "../http/errors.ts";
import type { NativeBody } from "./native-dialect.ts";
import type { ChatCompletionRequest, ChatMessage, FunctionTool, JsonObject, ToolChoice } from "../http/openai-types.ts";
import { isRecord, type JsonRecord } from "../providers/openai/openai-api.ts";
import { parseChatRequest } from "./chat.ts";
import { readModelBody } from "./request-flow.ts";
import { convertInputItems, referencedIds } from "./responses-input.ts";

export const expectedFields = "`model` and `input`";

/** What the Response echoes of its request (OpenAI's Response object repeats them). */
export interface ResponseEcho {
  instructions: string | null;
  maxOutputTokens: number | null;
  parallelToolCalls: boolean;
  previousResponseId: string | null;
  reasoning: { effort: string | null; summary: string | null } | null;
  temperature: number | null;
  topP: number | null;
  text: { format: JsonObject; verbosity?: string };
  toolChoice: unknown;
  tools: JsonObject[];
  truncation: "auto" | "disabled";
  user: string | null;
  metadata: Record<string, string>;
  /** The request asked to keep the response (`store`, true by default as on OpenAI). */
  store: boolean;
}

/** One Responses request as it goes through chat: its id, its input items (for the store), what it echoes. */
export interface ResponsesTurn {
  /** "resp_..." (from gw's request id, set by responses.ts when the caller is known). */
  id: string;
  /** Unix seconds. */
  createdAt: number;
  echo: ResponseEcho;
  /** The messages `instructions` became (none or one system message): they go first, even before a previous response's items. */
  instructions: ChatMessage[];
  /** This request's input as items (a string input as one user message), for the store. */
  input: unknown[];
  /** The ids its item_reference items name (resolved from the store by responses.ts); [] for none. */
  references: string[];
  /**
   * Where the response is kept, under its own `id` (gw's, or a native answer's), set by responses.ts
   * when the gateway stores responses and the request asked to; null: not kept.
   */
  save: ((output: unknown[], response: Record<string, unknown>) => void) | null;
  /** The body a native deployment gets (the client's; with stored items resolved by responses.ts), and the 400 of a translated one. */
  native: NativeBody;
}

/** The turn of each chat request parse made, read by the answer converters (they receive the chat request only). */
const turns = new WeakMap<ChatCompletionRequest, ResponsesTurn>();

export function turnOf(chat: ChatCompletionRequest): ResponsesTurn {
  const turn = turns.get(chat);
  if (turn === undefined) throw new Error("responses: a chat request that parseResponsesRequest did not make");
  return turn;
}

/** Values of `include` gw accepts: the reasoning's encrypted content is always sent; the others name outputs of built-in tools, which gw never runs. */
const ignoredIncludes: ReadonlySet<string> = new Set([
  "reasoning.encrypted_content",
  "file_search_call.results",
  "web_search_call.results",
  "web_search_call.action.sources",
  "message.input_image.image_url",
  "computer_call_output.output.image_url",
  "code_interpreter_call.outputs",
]);

/** gw's and LiteLLM's own fields, read on chat's path (routing/request-overrides.ts), passed on as they are. */
const gatewayFields = ["mock_response", "num_retries", "fallbacks", "api_key", "api_base", "base_url", "caching", "cache"] as const;

/** Responses fields chat takes under the same name and meaning. */
const sharedFields = ["service_tier", "safety_identifier", "prompt_cache_key", "prompt_cache_retention"] as const;

/** Fields OpenAI accepts that gw cannot honour through chat: untranslatable unless they ask for nothing. */
const inertFields: Readonly<Record<string, { inert: (value: unknown) => boolean; why: string }>> = {
  background: { inert: (value) => value === false, why: "Background mode is not supported: gw answers while the request is open" },
  max_tool_calls: { inert: () => false, why: "`max_tool_calls` is not supported: chat models cannot cap built-in tool calls" },
  top_logprobs: { inert: (value) => value === 0, why: "Log probabilities are not supported through chat" },
  prompt: { inert: () => false, why: "Prompt templates are not supported: gw keeps no prompts. Send `instructions` and `input`" },
  conversation: { inert: () => false, why: "Conversations are not supported: gw keeps no conversation objects. Send the items, or `previous_response_id` where the gateway stores responses" },
  context_management: { inert: () => false, why: "`context_management` is not supported through chat" },
};

const handledFields: ReadonlySet<string> = new Set([
  "model",
  "input",
  "instructions",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "text",
  "reasoning",
  "max_output_tokens",
  "temperature",
  "top_p",
  "user",
  "metadata",
  "stream",
  "stream_options",
  "store",
  "previous_response_id",
  "truncation",
  "include",
  ...gatewayFields,
  ...sharedFields,
  ...Object.keys(inertFields),
]);

function unsupported(message: string, param: string): GatewayError {
  return invalidRequest(message, param, "unsupported_parameter");
}

/** The first Responses-only feature met while reading: kept, not thrown, since a native deployment honours it. */
interface NativeOnly {
  problem: GatewayError | null;
}

function needsNative(native: NativeOnly, problem: GatewayError): void {
  native.problem ??= problem;
}

function optional<T>(fields: JsonRecord, name: string, check: (value: unknown) => value is T, what: string): T | null {
  const value = fields[name];
  if (value === undefined || value === null) return null;
  if (!check(value)) throw invalidRequest(`\`${name}\` must be ${what}.`, name, "invalid_type");
  return value;
}

const isString = (value: unknown): value is string => typeof value === "string";
const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
const isBoolean = (value: unknown): value is boolean => typeof value === "boolean";
const isPositiveInteger = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value > 0;

function readInput(input: unknown): unknown[] {
  if (input === undefined || input === null) {
    throw invalidRequest("You must provide `input`: a string, or an array of input items.", "input", "missing_required_parameter");
  }
  if (typeof input === "string") return [{ type: "message", role: "user", content: input }];
  if (!Array.isArray(input)) throw invalidRequest("`input` must be a string or an array of input items.", "input", "invalid_type");
  if (input.length === 0) throw invalidRequest("`input` must not be empty.", "input", "invalid_value");
  return input;
}

/** Responses function tools (flat: name at the top) -> chat's (under `function`); the echo keeps the Responses shape. */
function readTools(value: unknown, native: NativeOnly): { chat: FunctionTool[]; echo: JsonObject[] } {
  if (value === undefined || value === null) return { chat: [], echo: [] };
  if (!Array.isArray(value)) throw invalidRequest("`tools` must be an array of tools.", "tools", "invalid_type");
  const chat: FunctionTool[] = [];
  const echo: JsonObject[] = [];
  value.forEach((tool, index) => {
    const param = `tools[${index}]`;
    if (!isRecord(tool)) throw invalidRequest(`${param} must be a tool object.`, param, "invalid_type");
    if (tool.type !== "function") {
      needsNative(
        native,
        unsupported(
          `${param} is a ${JSON.stringify(String(tool.type).slice(0, 40))} tool: this model's deployment is translated to chat, which has only function tools ({"type": "function", "name", "parameters"}); built-in tools pass only to an OpenAI or Azure deployment. Remove it, or define it as a function tool your code runs.`,
          `${param}.type`,
        ),
      );
      return;
    }
    if (typeof tool.name !== "string" || tool.name === "") throw invalidRequest(`${param}.name must be the function's name.`, `${param}.name`, "invalid_type");
    const parameters = isRecord(tool.parameters) ? tool.parameters : null;
    const strict = typeof tool.strict === "boolean" ? tool.strict : null;
    const description = typeof tool.description === "string" ? tool.description : undefined;
    chat.push({
      type: "function",
      function: { name: tool.name, ...(description === undefined ? {} : { description }), ...(parameters === null ? {} : { parameters }), ...(strict === null ? {} : { strict }) },
    });
    echo.push({ type: "function", name: tool.name, ...(description === undefined ? {} : { description }), parameters, strict });
  });
  return { chat, echo };
}

function readToolChoice(value: unknown, native: NativeOnly): ToolChoice | null {
  if (value === undefined || value === null) return null;
  if (value === "auto" || value === "none" || value === "required") return value;
  if (isRecord(value) && value.type === "function" && typeof value.name === "string") return { type: "function", function: { name: value.name } };
  needsNative(
    native,
    unsupported('`tool_choice` must be "auto", "none", "required" or {"type": "function", "name": ...} for a deployment translated to chat, which has only function tools.', "tool_choice"),
  );
  return null;
}

/** `text.format` -> chat's response_format (absent for plain text). */
function readText(value: unknown): { responseFormat: ChatCompletionRequest["response_format"] | null; verbosity: string | null; echo: ResponseEcho["text"] } {
  if (value === undefined || value === null) return { responseFormat: null, verbosity: null, echo: { format: { type: "text" } } };
  if (!isRecord(value)) throw invalidRequest("`text` must be an object.", "text", "invalid_type");
  const verbosity = optional(value, "verbosity", isString, "low, medium or high");
  const format = value.format ?? { type: "text" };
  if (!isRecord(format)) throw invalidRequest("`text.format` must be an object.", "text.format", "invalid_type");
  const echo: ResponseEcho["text"] = { format, ...(verbosity === null ? {} : { verbosity }) };
  switch (format.type) {
    case "text":
      return { responseFormat: null, verbosity, echo };
    case "json_object":
      return { responseFormat: { type: "json_object" }, verbosity, echo };
    case "json_schema": {
      if (typeof format.name !== "string" || !isRecord(format.schema)) {
        throw invalidRequest("`text.format` of type json_schema needs a `name` and a `schema` object.", "text.format", "invalid_value");
      }
      const jsonSchema: JsonObject = { name: format.name, schema: format.schema };
      if (typeof format.strict === "boolean") jsonSchema.strict = format.strict;
      if (typeof format.description === "string") jsonSchema.description = format.description;
      return { responseFormat: { type: "json_schema", json_schema: jsonSchema }, verbosity, echo };
    }
    default:
      throw invalidRequest("`text.format.type` must be text, json_object or json_schema.", "text.format.type", "invalid_value");
  }
}

function readReasoning(value: unknown, native: NativeOnly): ResponseEcho["reasoning"] {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) throw invalidRequest("`reasoning` must be an object.", "reasoning", "invalid_type");
  for (const key of Object.keys(value)) {
    if (key !== "effort" && key !== "summary" && key !== "generate_summary") needsNative(native, unsupported(`\`reasoning.${key}\` is not supported by a deployment translated to chat: gw translates reasoning.effort (and accepts reasoning.summary).`, `reasoning.${key}`));
  }
  const effort = optional(value, "effort", isString, "a reasoning effort (low, medium, high...)");
  const summary = optional(value, "summary", isString, "auto, concise or detailed") ?? optional(value, "generate_summary", isString, "auto, concise or detailed");
  return { effort, summary };
}

function readInclude(value: unknown, native: NativeOnly): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) throw invalidRequest("`include` must be an array of strings.", "include", "invalid_type");
  value.forEach((entry, index) => {
    if (typeof entry === "string" && ignoredIncludes.has(entry)) return;
    if (entry === "message.output_text.logprobs") needsNative(native, unsupported("Log probabilities are not supported by a deployment translated to chat: leave message.output_text.logprobs out of `include`.", `include[${index}]`));
    else needsNative(native, unsupported(`include[${index}] is not a value gw can translate to chat (${[...ignoredIncludes].join(", ")}); it passes only to an OpenAI or Azure deployment.`, `include[${index}]`));
  });
}

function readMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw invalidRequest("`metadata` must be an object of strings.", "metadata", "invalid_type");
  // The echo keeps the string values (OpenAI's metadata is strings only); gw's own metadata (tags) is read from the chat request.
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

function checkFields(fields: JsonRecord, native: NativeOnly): void {
  for (const [name, value] of Object.entries(fields)) {
    if (!handledFields.has(name)) {
      // OpenAI's newer fields pass natively (OpenAI answers one it does not know).
      needsNative(native, invalidRequest(`Unknown parameter: \`${name.slice(0, 60)}\`. gw cannot translate it to chat for this model's deployment; leave it out, or use an OpenAI or Azure deployment.`, name, "unknown_parameter"));
      continue;
    }
    const inert = inertFields[name];
    if (inert !== undefined && value !== undefined && value !== null && !inert.inert(value)) needsNative(native, unsupported(`${inert.why}; it passes only to an OpenAI or Azure deployment, and this model's is translated to chat. Leave \`${name}\` out.`, name));
  }
  const truncation = fields.truncation;
  if (truncation !== undefined && truncation !== null && truncation !== "auto" && truncation !== "disabled") {
    throw invalidRequest('`truncation` must be "auto" or "disabled".', "truncation", "invalid_value");
  }
}

/**
 * The chat messages input items mean; items chat cannot carry (built-in tools' calls, file ids...)
 * make the request untranslatable instead (`native`), and the messages are then one user message
 * with the items' JSON: what gw's estimates read (erring high) until a native deployment answers.
 */
export function translateItems(items: readonly unknown[], param: string, native: { problem: GatewayError | null }, references?: ReadonlyMap<string, unknown>): ChatMessage[] {
  try {
    return convertInputItems(items, param, references);
  } catch (error) {
    if (!(error instanceof GatewayError) || error.code !== "unsupported_parameter") throw error;
    needsNative(native, error);
    return [{ role: "user", content: JSON.stringify(items) }];
  }
}

/** Whether `metadata` holds something other than OpenAI's string values (gw's tags, LiteLLM's trace ids). */
function hasGatewayMetadata(metadata: unknown): boolean {
  return isRecord(metadata) && Object.values(metadata).some((value) => typeof value !== "string");
}

/**
 * The client's body as a native deployment gets it: without gw's own fields (read on chat's path)
 * and with only the string values of `metadata` (OpenAI's kind; gw's tags are gw's); the body
 * itself when it has neither.
 */
function nativeBodyOf(fields: JsonRecord, metadata: Record<string, string>): JsonRecord {
  const ownMetadata = hasGatewayMetadata(fields.metadata);
  if (!ownMetadata && !gatewayFields.some((name) => fields[name] !== undefined)) return fields;
  const body: JsonRecord = { ...fields };
  for (const name of gatewayFields) body[name] = undefined;
  if (ownMetadata) body.metadata = metadata;
  return body;
}

/**
 * The chat request a Responses body means, its turn remembered for the answer; or the 400 to
 * answer with. `previous_response_id` is read, and its items added, once the caller is known
 * (responses.ts).
 */
export function parseResponsesRequest(body: unknown): ChatCompletionRequest | GatewayError {
  const fields = readModelBody(body, expectedFields, "models");
  if (fields instanceof GatewayError) return fields;
  const native: NativeOnly = { problem: null };
  try {
    checkFields(fields, native);
    const input = readInput(fields.input);
    const instructions = optional(fields, "instructions", isString, "a string");
    const tools = readTools(fields.tools, native);
    const toolChoice = readToolChoice(fields.tool_choice, native);
    const text = readText(fields.text);
    const reasoning = readReasoning(fields.reasoning, native);
    readInclude(fields.include, native);
    const maxOutputTokens = optional(fields, "max_output_tokens", isPositiveInteger, "a positive whole number");
    const temperature = optional(fields, "temperature", isNumber, "a number");
    const topP = optional(fields, "top_p", isNumber, "a number");
    const parallelToolCalls = optional(fields, "parallel_tool_calls", isBoolean, "a boolean");
    const user = optional(fields, "user", isString, "a string");
    const store = optional(fields, "store", isBoolean, "a boolean");
    const previousResponseId = optional(fields, "previous_response_id", isString, "a response id (resp_...)");
    const metadata = readMetadata(fields.metadata);
    const instructionMessages: ChatMessage[] = instructions === null || instructions === "" ? [] : [{ role: "system", content: instructions }];

    const chat: ChatCompletionRequest = { model: fields.model as string, messages: [...instructionMessages, ...translateItems(input, "input", native)] };
    if (fields.stream !== undefined && fields.stream !== null) chat.stream = fields.stream as boolean;
    // Responses always end with their usage; chat sends it only when asked.
    if (fields.stream === true) chat.stream_options = { include_usage: true };
    // max_completion_tokens: what OpenAI's reasoning models require, and what every adapter translates.
    if (maxOutputTokens !== null) chat.max_completion_tokens = maxOutputTokens;
    if (temperature !== null) chat.temperature = temperature;
    if (topP !== null) chat.top_p = topP;
    if (user !== null) chat.user = user;
    // OpenAI's chat refuses tool_choice and parallel_tool_calls without tools.
    if (tools.chat.length > 0) {
      chat.tools = tools.chat;
      if (toolChoice !== null) chat.tool_choice = toolChoice;
      if (parallelToolCalls !== null) chat.parallel_tool_calls = parallelToolCalls;
    }
    if (text.responseFormat !== null) chat.response_format = text.responseFormat;
    if (text.verbosity !== null) chat.verbosity = text.verbosity;
    if (reasoning?.effort !== null && reasoning?.effort !== undefined) chat.reasoning_effort = reasoning.effort;
    // `metadata` is gw's on chat's path (tags), and never forwarded without OpenAI's `store` (priced-request.ts); `store` stays here.
    if (fields.metadata !== undefined && fields.metadata !== null) chat.metadata = fields.metadata;
    for (const name of [...sharedFields, ...gatewayFields]) if (fields[name] !== undefined) chat[name] = fields[name];

    const references = referencedIds(input, "input");
    // An input of references only has no messages until they are read (responses.ts).
    const parsed = references.length > 0 && chat.messages.length === 0 ? chat : parseChatRequest(chat);
    if (parsed instanceof GatewayError) return parsed;
    turns.set(parsed, {
      id: "",
      createdAt: 0,
      instructions: instructionMessages,
      input,
      references,
      save: null,
      native: { body: nativeBodyOf(fields, metadata), untranslatable: native.problem, beta: null },
      echo: {
        instructions,
        maxOutputTokens,
        parallelToolCalls: parallelToolCalls ?? true,
        previousResponseId,
        reasoning,
        temperature,
        topP,
        text: text.echo,
        toolChoice: fields.tool_choice ?? "auto",
        tools: tools.echo,
        truncation: fields.truncation === "auto" ? "auto" : "disabled",
        user,
        metadata,
        store: store ?? true,
      },
    });
    return parsed;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
}
