/**
 * OpenAI chat request -> Mistral chat request. Mistral is OpenAI-like, with differences:
 * - `seed` is `random_seed`; `max_completion_tokens` is `max_tokens`; tool_choice "required"
 *   is "any"; `developer` messages are `system` messages.
 * - tool-call ids must be nine letters and digits: foreign ids are mapped consistently on
 *   assistant `tool_calls` and tool messages' `tool_call_id` (see tool-call-ids.ts); tool
 *   messages get the function's `name`, found in the assistant message that made the call.
 * - Mistral rejects unknown fields with a 422, so only its own fields are sent; every other
 *   parameter the client set is dropped with a warning. `safe_prompt`, `prompt_mode` and
 *   `prediction` (Mistral's own) pass through. `stream_options` is dropped silently: Mistral
 *   always reports usage on the last chunk.
 * @see https://docs.mistral.ai/api/#tag/chat/operation/chat_completion_v1_chat_completions_post
 * @see https://docs.mistral.ai/capabilities/function_calling/
 */
import { invalidRequest } from "../../http/errors.ts";
import type { ChatCompletionRequest, ChatMessage } from "../../http/openai-types.ts";
import { isRecord } from "../openai/openai-api.ts";
import { collectToolCallNames } from "../shared/tool-call-names.ts";
import type { ConvertedRequest, ResolvedDeployment } from "../types.ts";
import { chatCompletionsUrl, createHeaders } from "./endpoint.ts";
import { mistralRequestFields } from "./mistral-api.ts";
import type { MistralMessage, MistralToolCall, MistralToolChoice } from "./mistral-api.ts";
import { createToolCallIdMapper } from "./tool-call-ids.ts";

/** Client fields translated here rather than copied; never warned about. */
const translatedFields: ReadonlySet<string> = new Set(["seed", "max_completion_tokens", "stream_options", "tool_choice"]);

function convertToolCalls(toolCalls: unknown, param: string, mapId: (id: string) => string): MistralToolCall[] {
  if (!Array.isArray(toolCalls)) throw invalidRequest(`${param} must be an array of tool calls.`, param);
  return toolCalls.map((call: unknown, index) => {
    if (!isRecord(call) || typeof call.id !== "string" || !isRecord(call.function) || typeof call.function.name !== "string") {
      throw invalidRequest(`${param}[${index}] must have an id and a function with a name.`, `${param}[${index}]`);
    }
    const args = call.function.arguments;
    return {
      id: mapId(call.id),
      type: "function" as const,
      function: { name: call.function.name, arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}) },
    };
  });
}

function convertMessages(messages: ChatMessage[], warnings: string[]): MistralMessage[] {
  const mapId = createToolCallIdMapper();
  const toolNames = collectToolCallNames(messages);
  let droppedName = false;
  const converted = messages.map((message, index): MistralMessage => {
    const param = `messages[${index}]`;
    if ("name" in message && message.name !== undefined && message.name !== null) droppedName = true;
    switch (message.role) {
      case "system":
      case "developer":
        return { role: "system", content: message.content };
      case "user":
        return { role: "user", content: message.content };
      case "assistant": {
        const hasToolCalls = Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
        const result: MistralMessage = { role: "assistant", content: message.content ?? (hasToolCalls ? null : "") };
        if (hasToolCalls) result.tool_calls = convertToolCalls(message.tool_calls, `${param}.tool_calls`, mapId);
        if ((message as { prefix?: unknown }).prefix === true) result.prefix = true;
        return result;
      }
      case "tool": {
        if (typeof message.tool_call_id !== "string") throw invalidRequest(`${param}.tool_call_id must be a string.`, `${param}.tool_call_id`);
        const name = toolNames.get(message.tool_call_id);
        const result: MistralMessage = { role: "tool", content: message.content, tool_call_id: mapId(message.tool_call_id) };
        if (name !== undefined) result.name = name;
        return result;
      }
      default:
        throw invalidRequest(
          `${param}.role "${String((message as { role: unknown }).role)}" is not supported: use system, developer, user, assistant or tool.`,
          `${param}.role`,
        );
    }
  });
  if (droppedName) warnings.push("messages[].name dropped: not supported by mistral");
  return converted;
}

function convertToolChoice(choice: unknown): MistralToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === "required") return "any";
  if (choice === "auto" || choice === "none" || choice === "any") return choice;
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === "string") {
    return { type: "function", function: { name: choice.function.name } };
  }
  throw invalidRequest('tool_choice must be "none", "auto", "required" or {"type": "function", "function": {"name": ...}}.', "tool_choice");
}

export function convertRequest(request: ChatCompletionRequest, deployment: ResolvedDeployment, stream: boolean): ConvertedRequest {
  const warnings: string[] = [];
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(request)) {
    const value = request[key];
    if (value === undefined || value === null) continue;
    if (mistralRequestFields.has(key)) body[key] = value;
    else if (!translatedFields.has(key)) warnings.push(`${key} dropped: not supported by mistral`);
  }
  body.model = deployment.model;
  body.messages = convertMessages(request.messages, warnings);
  if (body.random_seed === undefined && typeof request.seed === "number") body.random_seed = request.seed;
  if (body.max_tokens === undefined && typeof request.max_completion_tokens === "number") body.max_tokens = request.max_completion_tokens;
  const toolChoice = convertToolChoice(request.tool_choice);
  if (toolChoice !== undefined) body.tool_choice = toolChoice;
  if (stream) body.stream = true;
  else delete body.stream;
  return {
    upstream: { url: chatCompletionsUrl(deployment), method: "POST", headers: createHeaders(deployment, stream), body: JSON.stringify(body) },
    warnings,
  };
}
